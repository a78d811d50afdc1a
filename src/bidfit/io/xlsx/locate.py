"""Where a problem of a case read from a workbook is: from a field path to ``Sheet!Cell``.

The reader records, for every field path of the case (``("bids", 0,
"costs", 2, "amount")``), the cell it was read from; :class:`CellMap` turns
the problems that validating the case finds back into problems at those
cells, and :func:`first_problems` keeps the list readable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from bidfit.errors import Problem, format_location
from bidfit.io.xlsx.cells import Sheet, as_text
from bidfit.io.xlsx.layout import MAX_PROBLEMS, SHEETS

__all__ = ["CellMap", "first_problems", "loc_is_list", "problem_order"]


class CellMap:
    """The cell each field path of a case was read from, and the cells already reported.

    Parameters
    ----------
    sheets : dict of str to Sheet
        The sheets read, by the name of their :class:`~bidfit.io.xlsx.layout.SheetSpec`.
    """

    def __init__(self, sheets: dict[str, Sheet]):
        self.sheets = sheets
        self.where: dict[tuple[str | int, ...], str] = {}
        self.bad_cells: set[str] = set()
        self.bad_items: set[tuple[str | int, ...]] = set()
        self.missing_columns: set[tuple[str, str | int]] = set()

    def title(self, name: str) -> str:
        """The workbook's title of the sheet ``name`` (``name`` itself when the workbook lacks it)."""
        sheet = self.sheets.get(name)
        return sheet.title if sheet is not None else name

    def locate(self, loc: tuple[str | int, ...]) -> str | None:
        for k in range(len(loc), 0, -1):
            where = self.where.get(tuple(loc[:k]))
            if where is not None:
                return where
        return None

    def remap(self, problems: Iterable[Problem]) -> list[Problem]:
        """Model problems as workbook problems; drop those at cells already reported."""
        out = []
        for p in problems:
            loc = tuple(p.loc)
            where = self.locate(loc)
            if where is None:
                where = self.title("Case") if len(loc) == 1 else format_location(loc)
            if where in self.bad_cells or loc in self.bad_items:
                continue
            if p.code == "missing" and (where.split("!")[0], loc[-1]) in self.missing_columns:
                continue
            field_name = next(
                (part for part in reversed(loc) if isinstance(part, str) and part != "[key]"), ""
            )
            if p.code == "duplicate_name" and where in self.sheets_titles():
                where = self.duplicate_cells(loc, p.message) or where
            out.append(
                Problem(
                    where,
                    _message(p, field_name, where, self.where.get(loc)),
                    found=p.found,
                    expected=p.expected,
                    code=p.code,
                    loc=loc,
                )
            )
        return out

    def sheets_titles(self) -> set[str]:
        return {s.title for s in self.sheets.values()} | {s.name for s in SHEETS}

    def duplicate_cells(self, loc: tuple[str | int, ...], message: str = "") -> str:
        """The name cells of the second and later uses of a name in the list at ``loc``.

        A name that clashes with another list (an option's cost named like a
        cost of the base offer) is found through the name quoted in ``message``.
        """
        names: list[tuple[str, str]] = []
        i = 0
        while (ref := self.where.get((*loc, i, "name"))) is not None:
            names.append((ref, self.value_at(ref)))
            i += 1
        counts = Counter(name for _, name in names)
        seen: set[str] = set()
        later = []
        for ref, name in names:
            if counts[name] > 1 and name in seen:
                later.append(ref)
            seen.add(name)
        if not later:
            later = [ref for ref, name in names if f"the name {name!r} is already used" in message]
        return ", ".join(later)

    def value_at(self, ref: str) -> str:
        title, _, cell = ref.partition("!")
        match = re.fullmatch(r"([A-Z]+)(\d+)", cell)
        sheet = next((s for s in self.sheets.values() if s.title == title), None)
        if match is None or sheet is None:
            return ""
        from openpyxl.utils import column_index_from_string

        found = sheet.rows.get(int(match[2]), {}).get(column_index_from_string(match[1]))
        return as_text(found.value) if found is not None and found.value is not None else ""


def _message(p: Problem, field_name: str, where: str, cell: str | None) -> str:
    """A model problem's message in the terms of a workbook cell."""
    if p.code == "missing":
        if cell is None and "!" in where and where.count(":") == 1:
            return f"{field_name} is required (add a {field_name!r} column)"
        if "!" not in where:
            return f"{field_name} is required (add a row {field_name!r} to the {where} sheet)"
        return f"{field_name} is required"
    message = p.message
    if p.code == "too_short" and loc_is_list(p.loc):
        return f"the {where} sheet has no {_ITEMS.get(str(p.loc[-1]), 'rows')}: add at least one row"
    if message.startswith("Input should be"):
        return f"{field_name} must be{message.removeprefix('Input should be')}"
    for head in ("String should", "List should", "Value should", "Dictionary should"):
        if message.startswith(head):
            return f"{field_name} should{message.removeprefix(head)}"
    return message


_ITEMS = {"revenue": "revenue streams", "bids": "bids", "costs": "cost items"}


def loc_is_list(loc: tuple[str | int, ...]) -> bool:
    """Whether a location names a whole list of items (``("revenue",)``, ``("bids", 0, "costs")``)."""
    return bool(loc) and loc[-1] in _ITEMS


_WHERE = re.compile(r"^(?P<sheet>[^!]+)!\$?(?P<col>[A-Z]*)\$?(?P<row>\d*)")


def problem_order(sheet_titles: dict[str, int]) -> Callable[[Problem], tuple[int, int, int]]:
    def key(p: Problem) -> tuple[int, int, int]:
        match = _WHERE.match(p.where)
        if match is None:
            return (sheet_titles.get(p.where, -1), 0, 0)
        col = 0
        for ch in match["col"]:
            col = col * 26 + ord(ch) - 64
        return (sheet_titles.get(match["sheet"], len(sheet_titles)), int(match["row"] or 0), col)

    return key


def first_problems(problems: list[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """At most ``limit`` problems, then one that counts those left out.

    A sheet of junk can hold a problem in every one of its cells; past a
    thousand lines a list helps no one, and building it costs seconds.

    Examples
    --------
    >>> shown = first_problems([Problem(f"Costs!E{r}", "bad") for r in range(2, 7)], limit=3)
    >>> [str(p) for p in shown][-1]
    '2 more problems not listed: fix the ones above first'
    """
    if len(problems) <= limit:
        return problems
    rest = len(problems) - limit
    message = f"{rest:,} more problem{'s' if rest > 1 else ''} not listed: fix the ones above first"
    return [*problems[:limit], Problem("", message, code="more_problems")]
