"""The exceptions bidfit raises, and the record of one input problem.

Every user-facing error is a :class:`BidfitError`. Bad input raises
:class:`InputError` (also a :class:`ValueError`), which carries *every*
problem found in one file at once, each as a :class:`Problem` that says where
it is, what is wrong, what was found and what would be valid.

What is worth knowing but does not stop the work is a warning:
:class:`InputNote` (part of an input that is not read, such as an extra
workbook sheet) and :class:`NothingUncertainWarning` (a simulation of a case
with no uncertain input).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["BidfitError", "InputError", "InputNote", "NothingUncertainWarning", "Problem", "format_location"]


class BidfitError(Exception):
    """Base class of every error bidfit raises on purpose."""


class InputNote(UserWarning):
    """Something in an input file that bidfit does not read, issued as a warning while loading.

    The load succeeds; the command line prints each note as
    ``bidfit: note: FILE: sheet 'Notes' is not read``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn(InputNote("case.xlsx: sheet 'Notes' is not read"))
    >>> [str(w.message) for w in caught if issubclass(w.category, InputNote)]
    ["case.xlsx: sheet 'Notes' is not read"]
    """


class NothingUncertainWarning(UserWarning):
    """A simulation of a case with no uncertain input: every trial is the deterministic result.

    Examples
    --------
    >>> issubclass(NothingUncertainWarning, UserWarning)
    True
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Attributes
    ----------
    where : str
        Where the problem is, in the user's terms: a field path such as
        ``bids['Vendor A'].costs['Maintenance'].amount`` or a workbook cell
        such as ``Costs!E3``.
    message : str
        What is wrong, in plain words.
    found : object, optional
        The value that was found (omitted when there is none).
    expected : str, optional
        What would be valid.
    code : str
        A short stable reason code, e.g. ``not_a_number`` or ``unknown_name``.
    file : str, optional
        The file the problem is in.
    loc : tuple
        The machine-readable location (field names and list indices) inside
        the case, used to map a problem back to a workbook cell.
    """

    where: str
    message: str
    found: object = None
    expected: str | None = None
    code: str = "invalid"
    file: str | None = None
    loc: tuple[str | int, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        head = f"{self.file}: " if self.file else ""
        place = f"{self.where}: " if self.where else ""
        details = []
        if self.found is not None:
            details.append(f"found {_show(self.found)}")
        if self.expected:
            details.append(f"expected {self.expected}")
        tail = f" ({'; '.join(details)})" if details else ""
        return f"{head}{place}{self.message}{tail}"

    def in_file(self, file: str) -> Problem:
        """Return a copy of this problem that names ``file``."""
        return Problem(self.where, self.message, self.found, self.expected, self.code, file, self.loc)


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


class InputError(BidfitError, ValueError):
    """An input that bidfit cannot use, with every problem found in it.

    Parameters
    ----------
    problems : sequence of Problem
        All problems found; ``str(error)`` shows one line per problem.
    file : str, optional
        The file the problems come from (filled into each problem).

    Examples
    --------
    >>> err = InputError([Problem("horizon_years", "must be a whole number of years",
    ...                           found=0, expected="an integer from 1 to 100")])
    >>> print(err)
    horizon_years: must be a whole number of years (found 0; expected an integer from 1 to 100)
    """

    def __init__(self, problems: Sequence[Problem] | Problem | str, file: str | None = None):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        if file is not None:
            problems = [p if p.file else p.in_file(file) for p in problems]
        self.problems: list[Problem] = list(problems)
        self.file = file
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def combine(cls, errors: Iterable[InputError]) -> InputError:
        """Merge several input errors into one that lists all their problems."""
        return cls([p for e in errors for p in e.problems])


def format_location(loc: Sequence[str | int], data: object = None) -> str:
    """Turn a pydantic-style location into a readable field path.

    List indices are shown by the item's name where ``data`` (the raw input)
    gives one, so users see ``bids['Vendor A'].costs['Maintenance'].amount``
    rather than ``bids.0.costs.2.amount``.

    Examples
    --------
    >>> format_location(("bids", 0, "costs", 1, "amount"),
    ...                 {"bids": [{"name": "A", "costs": [{}, {"name": "Fee"}]}]})
    "bids['A'].costs['Fee'].amount"
    >>> format_location(("revenue", 2, "growth"))
    'revenue[2].growth'
    """
    text = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            name = None
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, dict):
                    label = node.get("name", node.get("target"))
                    name = label if isinstance(label, str) else None
            else:
                node = None
            text += f"[{name!r}]" if name is not None else f"[{part}]"
        else:
            node = node.get(part) if isinstance(node, dict) else None
            text += f".{part}" if text else str(part)
    return text
