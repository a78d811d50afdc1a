"""The case and its inputs: pydantic models and the validation of raw data into them."""
