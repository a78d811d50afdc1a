"""Typed results with one shape: a summary table, text and HTML displays, plots."""
