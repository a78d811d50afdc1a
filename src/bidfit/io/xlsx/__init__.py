"""Excel workbooks (``.xlsx``), one module per job.

:mod:`~bidfit.io.xlsx.layout`
    the sheets of the input workbook and the kind of value of each field;
:mod:`~bidfit.io.xlsx.numbers`
    numbers typed as text;
:mod:`~bidfit.io.xlsx.safety`
    checks on the file before any spreadsheet parser sees it;
:mod:`~bidfit.io.xlsx.cells`
    the cells of the known sheets, and their values as each field needs them;
:mod:`~bidfit.io.xlsx.rows`
    the rows of the sheets as field values, each remembered by its cell;
:mod:`~bidfit.io.xlsx.read`
    :func:`~bidfit.io.xlsx.read.read_workbook`: from the sheets to a validated case;
:mod:`~bidfit.io.xlsx.locate`
    from a problem's field path to the ``Sheet!Cell`` it was read from;
:mod:`~bidfit.io.xlsx.write`
    the one cell writer, references for formulas, sheet titles, saving.
"""
