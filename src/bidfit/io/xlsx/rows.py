"""The rows of the input workbook's sheets as field values, each remembered by the cell it came from.

:class:`SheetRows` converts the cells of a ``fields`` sheet (field, value
rows) or a ``table`` sheet (a header row, then one row per item) into the
values their fields need, records a problem at every cell that cannot be
read, and registers in its :class:`~bidfit.io.xlsx.locate.CellMap` the cell
of every field path, so that a problem the model finds later can be shown at
its cell.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from bidfit.errors import Problem
from bidfit.io.xlsx.cells import Sheet, as_text, column_letter, convert_cell, hint
from bidfit.io.xlsx.layout import (
    BOOLEAN_FIELDS,
    DISTRIBUTION_PARAMETERS,
    FRACTION_FIELDS,
    HEADER_ALIASES,
    SEVERITY_KEY,
    SPEC_BY_NAME,
    SheetSpec,
    header_key,
)
from bidfit.io.xlsx.locate import CellMap
from bidfit.io.xlsx.numbers import CellValueError

__all__ = ["Row", "SheetRows"]


@dataclass
class Row:
    """One item row of a table sheet."""

    values: dict[str, Any]
    cells: dict[str, str]  # field -> "Sheet!E3" (also for empty cells of known columns)
    span: str  # "Sheet!A3:M3"


class SheetRows(CellMap):
    """Reads the rows of the sheets, collecting problems by cell.

    Parameters
    ----------
    sheets : dict of str to Sheet
        The sheets read, by the name of their :class:`~bidfit.io.xlsx.layout.SheetSpec`.
    problems : list of Problem
        Where the problems found are added.
    """

    def __init__(self, sheets: dict[str, Sheet], problems: list[Problem]):
        super().__init__(sheets)
        self.problems = problems

    # -- problems ----------------------------------------------------------

    def problem(
        self, where: str, message: str, found: Any = None, expected: str | None = None, code: str = "invalid"
    ) -> None:
        self.problems.append(Problem(where, message, found=found, expected=expected, code=code))
        self.bad_cells.add(where)

    def read(self, sheet: Sheet, r: int, c: int, name: str, *, fraction: bool | None = None) -> Any:
        """Convert one cell; on a problem, record it and return None."""
        cell = sheet.rows[r][c]
        where = f"{sheet.title}!{column_letter(c)}{r}"
        if cell.formula_without_value:
            self.problem(
                where,
                f"{name}: a formula without a saved result; bidfit does not calculate formulas",
                expected="a typed value, or open and save the workbook in Excel or "
                "LibreOffice so the result is stored",
                code="formula_without_value",
            )
            return None
        if cell.error is not None:
            self.problem(
                where,
                f"{name}: the cell shows an error",
                found=cell.error,
                expected=hint(name),
                code="cell_error",
            )
            return None
        try:
            return convert_cell(name, cell, fraction=fraction)
        except CellValueError as exc:
            found = cell.value if not isinstance(cell.value, _dt.time | _dt.date) else str(cell.value)
            self.problem(
                where,
                str(exc),
                found=found,
                code="not_a_number" if name not in BOOLEAN_FIELDS else "not_a_boolean",
            )
            return None

    # -- fields sheets (Case, Policy) ----------------------------------------

    def field_rows(self, name: str) -> list[tuple[str, int, int | None]]:
        """``(field, row, value column)`` of a fields sheet; problems for bad rows."""
        sheet = self.sheets.get(name)
        if sheet is None:
            return []
        spec = SPEC_BY_NAME[name]
        lookup = {header_key(f): f for f in spec.columns} | HEADER_ALIASES[name]
        out: list[tuple[str, int, int | None]] = []
        seen: dict[str, str] = {}
        for i, (r, cells) in enumerate(sorted(sheet.rows.items())):
            label = cells.get(1)
            if i == 0 and label is not None and header_key(as_text(label.value)) == "field":
                continue  # the header row
            for c in sorted(cells):
                if c > 2:
                    self.problem(
                        f"{sheet.title}!{column_letter(c)}{r}",
                        f"unexpected value: the {spec.name} sheet has two columns, field and value",
                        found=cells[c].value,
                        code="unexpected_value",
                    )
            if label is None:
                if 2 in cells:
                    self.problem(
                        f"{sheet.title}!A{r}",
                        "a value without a field name",
                        expected="one of " + ", ".join(spec.columns),
                        code="missing_field_name",
                    )
                continue
            text = as_text(label.value)
            key = header_key(text)
            fname = lookup.get(key)
            if fname is None and name == "Policy" and key.startswith(SEVERITY_KEY):
                fname = SEVERITY_KEY
            if fname is None:
                self.problem(
                    f"{sheet.title}!A{r}",
                    f"unknown field {text!r}",
                    expected="one of " + ", ".join(spec.columns),
                    code="unknown_field",
                )
                continue
            ident = text if fname == SEVERITY_KEY else fname
            if header_key(ident) in seen:
                self.problem(
                    f"{sheet.title}!A{r}",
                    f"{fname} is given twice",
                    found=text,
                    expected=f"one row (the first is {seen[header_key(ident)]})",
                    code="duplicate_field",
                )
                continue
            seen[header_key(ident)] = f"{sheet.title}!A{r}"
            out.append((fname, r, 2 if 2 in cells else None))
        return out

    # -- table sheets --------------------------------------------------------

    def table(self, name: str) -> list[Row]:
        """The item rows of a table sheet, each value converted; problems recorded by cell."""
        sheet = self.sheets.get(name)
        if sheet is None or not sheet.rows:
            return []
        spec = SPEC_BY_NAME[name]
        ordered = sorted(sheet.rows)
        header_row = ordered[0]
        columns = self.header(sheet, spec, header_row)
        last = column_letter(max([*columns, *sheet.rows[header_row]]))
        rows = []
        for r in ordered[1:]:
            cells = sheet.rows[r]
            span = f"{sheet.title}!A{r}:{last}{r}"
            refs = {f: f"{sheet.title}!{column_letter(c)}{r}" for c, f in columns.items()}
            values: dict[str, Any] = {}
            fraction = self.target_is_fraction(sheet, r, columns) if name == "Uncertainty" else None
            for c in sorted(cells):
                fname = columns.get(c)
                if fname is None:
                    if c not in sheet.rows[header_row]:
                        self.problem(
                            f"{sheet.title}!{column_letter(c)}{r}",
                            "a value in a column without a header",
                            found=cells[c].value,
                            expected="a header naming the field, or an empty cell",
                            code="no_header",
                        )
                    continue
                frac = fraction if fname in DISTRIBUTION_PARAMETERS else None
                value = self.read(sheet, r, c, fname, fraction=frac)
                if value is not None:
                    values[fname] = value
            rows.append(Row(values, refs, span))
        return rows

    def header(self, sheet: Sheet, spec: SheetSpec, r: int) -> dict[int, str]:
        """Map column numbers to fields from the header row; problems for unknown or missing ones."""
        lookup = {header_key(f): f for f in spec.columns} | HEADER_ALIASES[spec.name]
        columns: dict[int, str] = {}
        for c, cell in sorted(sheet.rows[r].items()):
            where = f"{sheet.title}!{column_letter(c)}{r}"
            text = as_text(cell.value) if cell.value is not None else ""
            fname = lookup.get(header_key(text))
            if fname is None:
                self.problem(
                    where,
                    f"unknown column {text!r}",
                    found=text or cell.error,
                    expected="one of " + ", ".join(spec.columns),
                    code="unknown_column",
                )
            elif fname in columns.values():
                self.problem(where, f"column {fname} is given twice", found=text, code="duplicate_column")
            else:
                columns[c] = fname
        missing = [f for f in spec.required if f not in columns.values()]
        self.missing_columns.update((sheet.title, f) for f in missing)
        if missing:
            self.problem(
                f"{sheet.title}!{r}:{r}",
                f"missing column(s) {', '.join(missing)}",
                expected="a header row with " + ", ".join(spec.columns),
                code="missing_column",
            )
        return columns

    @staticmethod
    def target_is_fraction(sheet: Sheet, r: int, columns: dict[int, str]) -> bool:
        """Whether an uncertainty row's parameters are fractions (its target is a rate or share)."""
        col = next((c for c, f in columns.items() if f == "target"), None)
        cell = sheet.rows[r].get(col) if col is not None else None
        target = as_text(cell.value) if cell is not None and cell.value is not None else ""
        return target == "discount_rate" or target.rsplit(".", 1)[-1] in FRACTION_FIELDS

    def items(self, rows: list[Row], loc: tuple[str | int, ...]) -> list[dict[str, Any]]:
        """Row values as model data, registering where each field lives."""
        out = []
        for i, row in enumerate(rows):
            item_loc = (*loc, i)
            self.where[item_loc] = row.span
            for fname, ref in row.cells.items():
                key = (*item_loc, fname)
                self.where[key] = ref
            if any(ref in self.bad_cells for ref in row.cells.values()):
                self.bad_items.add(item_loc)
            out.append(dict(row.values))
        return out
