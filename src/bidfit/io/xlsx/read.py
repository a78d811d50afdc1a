"""Read a case from an input workbook (``.xlsx``), with errors that name the sheet and cell.

The sheets and their columns are described in :mod:`bidfit.io.xlsx.layout`.
Sheet names and headers match case-, space- and underscore-insensitively and
may carry a unit in brackets (``Annual amount [EUR]`` is ``annual_amount``);
blank rows are skipped. Any other visible sheet (instructions, notes) is not
read, and each is reported as a :class:`bidfit.InputNote` warning, which does
not stop the load. A missing required sheet whose name is close to a sheet
that is there is named in the problem (``no Costs sheet; did you mean
'Cost'?``), and a bid on ``Bids`` with no row on ``Costs`` is a problem at its
name on ``Bids``. Numbers typed as text are read only when they cannot mean two things
(:func:`bidfit.io.xlsx.numbers.parse_text_number`). A rate such as
``growth``, ``escalation`` or ``percent`` above 1 must be written as a
percentage (``150%`` or a percent-formatted cell): a bare ``8`` is refused
rather than read as 800 %.

Formulas are never evaluated: a formula cell is read through the result the
spreadsheet saved with it; one without a saved result is an error naming the
cell. Every problem of the workbook is collected and raised at once in one
:class:`bidfit.InputError`, each problem as ``Sheet!Cell: what is wrong (found
X; expected Y)``; past :data:`~bidfit.io.xlsx.layout.MAX_PROBLEMS` problems,
one last line counts the rest.

Sheets are never read without the user seeing which: a hidden sheet whose
name matches one of the sheets of the layout is an error naming it, and so
are two sheets whose names match the same one (``Costs`` and ``COSTS``, or
``Costs`` and ``Costs (old)``).

Safety: the file is checked before openpyxl opens it
(:func:`bidfit.io.xlsx.safety.check_workbook_file`: size, zip structure,
compression ratio, macros, DTDs, and bounded counts of sheets, names, styles
and texts), and the sheets to read are streamed with bounded counts of rows
and cells (:mod:`bidfit.io.xlsx.cells`).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from bidfit.errors import InputError, InputNote, Problem
from bidfit.flags import FLAG_CODES, SEVERITIES
from bidfit.io.xlsx.cells import as_text, hint, load_sheets, unread_sheets
from bidfit.io.xlsx.layout import SEVERITY_KEY, SHEETS, header_key
from bidfit.io.xlsx.locate import first_problems, problem_order
from bidfit.io.xlsx.rows import Row, SheetRows
from bidfit.io.xlsx.safety import check_workbook_file
from bidfit.model.case import Case
from bidfit.model.validate import validate_case

__all__ = ["cell_map", "read_workbook"]


class _Builder(SheetRows):
    """Turns the sheets into the plain data of a case, collecting problems by cell."""

    def case_fields(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        sheet = self.sheets.get("Case")
        for fname, r, c in self.field_rows("Case"):
            assert sheet is not None
            self.where[(fname,)] = f"{sheet.title}!B{r}"
            if c is not None:
                value = self.read(sheet, r, c, fname)
                if value is not None:
                    data[fname] = value
        return data

    def policy(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        sheet = self.sheets.get("Policy")
        severity: dict[str, str] = {}
        for fname, r, c in self.field_rows("Policy"):
            assert sheet is not None
            where = f"{sheet.title}!B{r}"
            self.where.setdefault(("policy", fname), where)
            if c is None:
                continue
            if fname == SEVERITY_KEY:
                label = as_text(sheet.rows[r][1].value)
                self.severity(label, as_text(sheet.rows[r][c].value), where, severity)
                continue
            value = self.read(sheet, r, c, fname)
            if value is not None:
                data[fname] = value
        if severity:
            data["severity"] = severity
        return data

    def severity(self, label: str, text: str, where: str, out: dict[str, str]) -> None:
        """Read ``severity.CODE | level`` or ``severity | CODE=level, CODE=level``."""
        code_in_label = re.sub(r"^severity[\s._:\-]*", "", label.strip(), flags=re.I)
        pairs = [(code_in_label, text)] if code_in_label else []
        if not code_in_label:
            for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
                match = re.fullmatch(r"([^=:]+?)\s*[=:]\s*(.*)", part)
                if match is None:
                    self.problem(
                        where,
                        "severity must list CODE=level pairs",
                        found=part,
                        expected="e.g. THIN_MARGIN=error, MISSING_SOURCE=info",
                        code="severity",
                    )
                    return
                pairs.append((match[1], match[2]))
        for code, level in pairs:
            code_u, level_l = code.strip().upper().replace(" ", "_"), level.strip().casefold()
            if code_u not in FLAG_CODES:
                self.problem(
                    where,
                    f"unknown flag code {code.strip()!r}",
                    found=code.strip(),
                    expected="one of " + ", ".join(FLAG_CODES),
                    code="unknown_name",
                )
            elif level_l not in SEVERITIES:
                self.problem(
                    where,
                    f"severity of {code_u} must be error, warning or info",
                    found=level.strip(),
                    expected="error, warning or info",
                    code="severity",
                )
            elif code_u in out:
                self.problem(
                    where, f"the severity of {code_u} is given twice", found=code_u, code="duplicate_field"
                )
            else:
                out[code_u] = level_l
                self.where[("policy", "severity", code_u)] = where

    # -- the case -------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        data = self.case_fields()
        self.where[("revenue",)] = self.title("Revenue")
        data["revenue"] = self.items(self.table("Revenue"), ("revenue",))
        data["bids"] = self.bids()
        policy = self.policy()
        if policy:
            data["policy"] = policy
        fx = self.fx()
        if fx:
            data["fx"] = fx
        self.where[("uncertainty",)] = self.title("Uncertainty")
        uncertainty = self.items(self.table("Uncertainty"), ("uncertainty",))
        if uncertainty:
            data["uncertainty"] = uncertainty
        return data

    def bids(self) -> list[dict[str, Any]]:
        """Bids from the Bids sheet (or the distinct ``bid`` values of Costs), with their costs and options."""
        cost_rows = self.table("Costs")
        listed = "Bids" in self.sheets
        bid_rows = self.table("Bids") if listed else []
        self.where[("bids",)] = self.title("Bids" if listed else "Costs")
        order: list[str] = [str(row.values.get("name", "")) for row in bid_rows]
        known = set(order)
        first_cell: dict[str, str] = {}
        rows_of: dict[str, list[Row]] = {name: [] for name in order}
        for row in cost_rows:
            bid = row.values.get("bid")
            if bid is None:
                if row.cells.get("bid") not in self.bad_cells and "bid" in row.cells:
                    self.problem(
                        row.cells["bid"],
                        "bid is required: the name of the bid this cost belongs to",
                        expected="a bid name" + (" from the Bids sheet" if listed else ""),
                        code="missing",
                    )
                continue
            if bid not in known:
                if listed:
                    self.problem(
                        row.cells["bid"],
                        f"bid {bid!r} is not on the Bids sheet",
                        found=bid,
                        expected="one of " + (", ".join(map(repr, order)) or "(no bids listed)"),
                        code="unknown_name",
                    )
                    continue
                order.append(bid)
                known.add(bid)
                rows_of[bid] = []
                first_cell[bid] = row.cells["bid"]
            rows_of[bid].append(row)
        options_of = self.options(order, listed)
        bids: list[dict[str, Any]] = []
        for b, name in enumerate(order):
            if listed:
                self.where[("bids", b)] = bid_rows[b].span
                for fname, ref in bid_rows[b].cells.items():
                    self.where[("bids", b, fname)] = ref
                entry = dict(bid_rows[b].values)
            else:
                self.where[("bids", b)] = first_cell[name]
                self.where[("bids", b, "name")] = first_cell[name]
                entry = {"name": name}
            options = options_of.get(name, {})
            if options and not listed:
                # Without a Bids sheet a bid has no scope, which a bid with options needs.
                ref = next(iter(options.values())).cells["bid"]
                self.where[("bids", b, "scope")] = ref
                self.problem(
                    ref,
                    f"bid {name!r} has scope options, so it needs the scope of its base offer",
                    expected=f"a Bids sheet (name, vendor, scope) with a row for {name!r} and the revenue "
                    "streams its base offer addresses",
                    code="missing_scope",
                )
            groups = self.cost_groups(name, rows_of[name], options)
            loc: tuple[str | int, ...] = ("bids", b)
            entry |= self.cost_lists(groups, None, loc)
            if listed and not any(attr == "costs" for _, attr in groups):
                # A bid with no customer row on Costs: the problem is the bid itself, at its name on Bids.
                self.where[("bids", b, "costs")] = bid_rows[b].cells.get("name", bid_rows[b].span)
            if options:
                self.where[("bids", b, "options")] = self.title("Options")
                entry["options"] = []
                for o, (option, row) in enumerate(options.items()):
                    o_loc: tuple[str | int, ...] = ("bids", b, "options", o)
                    self.where[o_loc] = row.span
                    self.where[("bids", b, "options", o, "name")] = row.cells["option"]
                    self.where[("bids", b, "options", o, "scope")] = row.cells.get("scope", row.span)
                    data: dict[str, Any] = {"name": option}
                    if row.values.get("scope") is not None:
                        data["scope"] = row.values["scope"]
                    entry["options"].append(data | self.cost_lists(groups, option, o_loc))
            bids.append(entry)
        return bids

    def options(self, bids: list[str], listed: bool) -> dict[str, dict[str, Row]]:
        """The Options sheet: ``{bid: {option: row}}``, in the sheet's order; problems for bad rows."""
        out: dict[str, dict[str, Row]] = {}
        first: dict[tuple[str, str], str] = {}
        for row in self.table("Options"):
            missing = False
            for fname, what, expected in (
                ("bid", "the bid the option belongs to", "a bid name"),
                ("option", "the option's name", "a name, unique among the options of the bid"),
            ):
                ref = row.cells.get(fname)
                if row.values.get(fname) is None and ref is not None and ref not in self.bad_cells:
                    self.problem(ref, f"{fname} is required: {what}", expected=expected, code="missing")
                missing = missing or row.values.get(fname) is None
            if missing:
                continue
            bid, option = str(row.values["bid"]), str(row.values["option"])
            if bid not in bids:
                self.problem(
                    row.cells["bid"],
                    f"bid {bid!r} is not "
                    + ("on the Bids sheet" if listed else "a bid of the Costs sheet (it has no cost rows)"),
                    found=bid,
                    expected="one of " + (", ".join(map(repr, bids)) or "(no bids)"),
                    code="unknown_name",
                )
                continue
            if (bid, option) in first:
                self.problem(
                    row.cells["option"],
                    f"option {option!r} of bid {bid!r} is given twice",
                    found=option,
                    expected=f"one row per option of a bid (the first is {first[(bid, option)]})",
                    code="duplicate_name",
                )
                continue
            first[(bid, option)] = row.cells["option"]
            out.setdefault(bid, {})[option] = row
        return out

    def cost_groups(
        self, bid: str, rows: list[Row], options: dict[str, Row]
    ) -> dict[tuple[str | None, str], list[Row]]:
        """A bid's cost rows by ``(option or None, 'costs' or 'vendor_costs')``; problems for bad ones."""
        groups: dict[tuple[str | None, str], list[Row]] = {}
        for row in rows:
            side = row.values.pop("side", None)
            option = row.values.pop("option", None)
            row.values.pop("bid", None)
            attr = "costs"
            if side is not None:
                word = header_key(side)
                if word not in ("customer", "vendor"):
                    self.problem(
                        row.cells["side"],
                        "side must be customer (what the customer pays) or vendor (the vendor's own "
                        "delivery cost)",
                        found=side,
                        expected=hint("side"),
                        code="unknown_choice",
                    )
                    continue
                attr = "vendor_costs" if word == "vendor" else "costs"
            if option is not None and option not in options:
                self.unknown_option(row.cells["option"], bid, option, list(options))
                continue
            groups.setdefault((option, attr), []).append(row)
        return groups

    def unknown_option(self, where: str, bid: str, option: str, known: list[str]) -> None:
        if "Options" not in self.sheets:
            self.problem(
                where,
                f"option {option!r} of bid {bid!r} is not defined: the workbook has no Options sheet",
                found=option,
                expected=f"an Options sheet with a row (bid {bid!r}, option {option!r}, scope: the revenue "
                "streams it adds), or an empty option for the base offer",
                code="unknown_name",
            )
            return
        self.problem(
            where,
            f"option {option!r} is not an option of bid {bid!r} on the Options sheet",
            found=option,
            expected=(f"one of {', '.join(map(repr, known))}, " if known else "")
            + f"an empty cell for the base offer, or a row (bid {bid!r}, option {option!r}, scope) on the "
            "Options sheet",
            code="unknown_name",
        )

    def cost_lists(
        self,
        groups: dict[tuple[str | None, str], list[Row]],
        option: str | None,
        loc: tuple[str | int, ...],
    ) -> dict[str, list[dict[str, Any]]]:
        """``costs`` and (when given) ``vendor_costs`` of the base offer or of one option."""
        out: dict[str, list[dict[str, Any]]] = {}
        for attr in ("costs", "vendor_costs"):
            rows = groups.get((option, attr), [])
            list_loc = (*loc, attr)
            self.where[list_loc] = self.title("Costs")
            if rows or attr == "costs":
                out[attr] = self.items(rows, list_loc)
        return out

    def fx(self) -> dict[str, Any]:
        rates: dict[str, Any] = {}
        self.where[("fx",)] = self.title("FX")
        for row in self.table("FX"):
            currency, rate = row.values.get("currency"), row.values.get("rate")
            currency_ref, rate_ref = row.cells.get("currency", row.span), row.cells.get("rate", row.span)
            if currency is None:
                if currency_ref not in self.bad_cells:
                    self.problem(
                        currency_ref, "currency is required", expected=hint("currency"), code="missing"
                    )
                continue
            code = str(currency).upper()
            if code in rates:
                self.problem(
                    currency_ref,
                    f"the rate of {code} is given twice",
                    found=code,
                    expected="one row per currency",
                    code="duplicate_name",
                )
                continue
            self.where[("fx", code)] = rate_ref
            self.where[("fx", code, "[key]")] = currency_ref
            if rate is None:
                if rate_ref not in self.bad_cells:
                    self.problem(
                        rate_ref, f"the rate of {code} is required", expected=hint("rate"), code="missing"
                    )
                continue
            rates[code] = rate
        return rates


def cell_map(path: str | Path) -> dict[tuple[str | int, ...], str]:
    """The cell (``Sheet!Cell``) each field path of the case in a workbook is read from.

    The same reading as :func:`read_workbook` without the validation: for a
    workbook that reads without problems, ``("bids", 0, "name")`` is the cell
    of the first bid's name.

    Examples
    --------
    >>> import bidfit
    >>> cell_map(bidfit.sample_path("norway_roaming", ".xlsx"))[("bids", 1, "name")]
    'Bids!A3'
    """
    path = Path(path)
    problems: list[Problem] = []
    builder = _Builder(load_sheets(path, check_workbook_file(path), problems), problems)
    builder.build()
    return dict(builder.where)


def read_workbook(path: str | Path) -> Case:
    """Read and validate a case from an input workbook.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` workbook. It is only read, never modified.

    Returns
    -------
    Case
        The validated case, equal to the one the same data gives from YAML.

    Raises
    ------
    InputError
        With every problem found, each naming the sheet and cell
        (``Costs!E3: amount must be a number >= 0 ... (found 'five hundred k')``);
        or one problem when the file is not a safe, macro-free xlsx workbook.

    Warns
    -----
    InputNote
        Once per visible sheet that is not a sheet of the layout (and so is
        not read), ``FILE: sheet 'Notes' is not read``; the case is returned.

    Examples
    --------
    >>> import bidfit
    >>> read_workbook(bidfit.sample_path("norway_roaming", ".xlsx")) == bidfit.load_sample("norway_roaming")
    True
    """
    path = Path(path)
    name = str(path)
    outline = check_workbook_file(path)
    problems: list[Problem] = []
    sheets = load_sheets(path, outline, problems)
    builder = _Builder(sheets, problems)
    builder.bad_cells.update(p.where for p in problems if p.code == "missing_sheet")
    data = builder.build()
    case: Case | None = None
    try:
        case = validate_case(data, file=None)
    except InputError as exc:
        problems.extend(builder.remap(exc.problems))
    if problems or case is None:
        order = {s.title: i for i, s in enumerate(sheets.values())}
        order.update({s.name: i for i, s in enumerate(SHEETS) if s.name not in order})
        raise InputError(first_problems(sorted(problems, key=problem_order(order))), name)
    for title in unread_sheets(outline.sheets):
        warnings.warn(InputNote(f"{name}: sheet {title!r} is not read"), stacklevel=2)
    return case
