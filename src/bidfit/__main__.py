"""``python -m bidfit``: the same as the ``bidfit`` command."""

from bidfit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
