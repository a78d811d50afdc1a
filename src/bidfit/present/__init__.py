"""Presentation: text and HTML views, plots and the report workbook.

Modules here call the core and never the other way round; matplotlib and
openpyxl are imported inside the functions that need them.
"""
