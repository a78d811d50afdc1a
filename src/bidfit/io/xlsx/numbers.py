"""Numbers typed as text in a workbook cell, read only when they cannot mean two things.

(:func:`parse_text_number`): ``1 200 000``, ``1,200,000.50``, ``8%`` and
``-2.5 %`` are read; ``1.200`` and ``1,200`` (a thousand and two hundred, or
one point two?), ``1,5`` (decimal comma), ``520k`` and ``EUR 500`` are
refused with a message saying how to write them. A rate such as ``growth``,
``escalation`` or ``percent`` above 1 must be written as a percentage
(``150%`` or a percent-formatted cell): a bare ``8`` is refused rather than
read as 800 %.

"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["CellValueError", "parse_text_number"]


class CellValueError(ValueError):
    """A cell value that cannot be read as its field needs; the message says why."""


_SPACE_CHARS = "\u00a0\u202f\u2009\u2007 "
_SUFFIX = re.compile(r"^[\d.,\s]+\s*(k|m|mm|mn|mio|bn|b|million|millions|thousand|thousands)$", re.I)
_CURRENCY = re.compile(r"([A-Za-z]{3}\s*[\d.,]|[\d.,]\s*[A-Za-z]{3}$|[€$£¥₹₽₩])")
_PLAIN = re.compile(r"(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_text_number(text: str, *, allow_percent: bool = True) -> tuple[float, bool]:
    """Read a number a person typed as text, refusing anything that could mean two things.

    Parameters
    ----------
    text : str
        The cell's text.
    allow_percent : bool
        Whether a trailing ``%`` may be used (for rates and shares, not amounts).

    Returns
    -------
    value : float
        The number; a percentage is returned as a fraction (``8%`` -> 0.08).
    percent : bool
        True when the text ended in ``%``.

    Raises
    ------
    CellValueError
        Saying what is wrong and how to write it.

    Notes
    -----
    Accepted: digits with a point as the decimal mark; thousands grouped by
    spaces (``1 200 000``, also no-break and thin spaces) or by commas when
    that cannot be a decimal comma (``1,200,000`` or ``1,200.5``); a leading
    ``+``, ``-`` or ``−``; scientific notation (``1.2e6``); a trailing ``%``.
    Refused: a lone comma group (``1,200``) or a lone point followed by
    three digits (``1.200``), which mean 1200 in some countries and 1.2 in
    others (the message offers both readings, written as this function reads
    them); a decimal comma (``1,5``); several points (``1.200.000``);
    ``k``/``M``/``bn`` suffixes; currency codes or symbols; a number too large
    for a float (``1e999``, above about 1.8e308) or so close to zero that it
    would be read as 0 (``1e-999``); ``nan`` and ``inf``.

    Examples
    --------
    >>> parse_text_number("1 200 000"), parse_text_number("8%"), parse_text_number("1,200,000.50")
    ((1200000.0, False), (0.08, True), (1200000.5, False))
    >>> parse_text_number("1.200")
    Traceback (most recent call last):
    ...
    bidfit.io.xlsx.numbers.CellValueError: '1.200' is ambiguous: 1200 or 1.2? Write 1200 (or 1 200) or 1.2
    """
    s = text.strip(_SPACE_CHARS + "\t\r\n")
    percent = s.endswith("%")
    if percent:
        if not allow_percent:
            raise CellValueError("an amount, not a percentage: write the number alone")
        s = s[:-1].rstrip(_SPACE_CHARS)
    negative = False
    if s[:1] in ("+", "-", "\u2212"):
        negative = s[0] != "+"
        s = s[1:].lstrip(_SPACE_CHARS)
    digits = _plain_digits(s, text, "-" if negative else "", "%" if percent else "")
    return _finite_number(digits, negative, percent, text), percent


def _finite_number(digits: str, negative: bool, percent: bool, original: str) -> float:
    """The float that plain ``digits`` stand for; refuse one a float cannot hold.

    ``float`` rounds a decimal string correctly, to ``inf`` above about
    1.8e308 and to 0.0 below about 5e-324: both would silently change what
    the cell says.

    Examples
    --------
    >>> _finite_number("1.5e3", True, False, "-1.5e3"), _finite_number("7", False, True, "7%")
    (-1500.0, 0.07)
    """
    shown = original.strip()
    magnitude = float(digits)
    if math.isinf(magnitude):
        raise CellValueError(f"{shown!r} is too large to compute with (numbers must be below 1.8e308)")
    if magnitude == 0.0:
        if re.search(r"[1-9]", re.split(r"[eE]", digits)[0]):
            raise CellValueError(f"{shown!r} is too close to zero to compute with: write 0 if you mean zero")
        return 0.0
    if percent:
        # An exact decimal division: 7% is 0.07, not 0.07000000000000001.
        magnitude = float(Decimal(digits) / 100)
        if magnitude == 0.0:
            raise CellValueError(f"{shown!r} is too close to zero to compute with: write 0 if you mean zero")
    return -magnitude if negative else magnitude


def _ambiguous(shown: str, whole: str, fraction: str, sign: str, suffix: str) -> CellValueError:
    """``1,200`` or ``1.200``: both readings, each written in a form :func:`parse_text_number` reads.

    A decimal reading with three digits after the point would be ambiguous
    in turn, so it gets a trailing zero (``999.9990``).

    Examples
    --------
    >>> print(_ambiguous("-1,000", "1", "000", "-", ""))
    '-1,000' is ambiguous: -1000 or -1? Write -1000 (or -1 000) or -1
    >>> print(_ambiguous("999,999", "999", "999", "", ""))
    '999,999' is ambiguous: 999999 or 999.9990? Write 999999 (or 999 999) or 999.9990
    """
    thousands = f"{sign}{whole}{fraction}{suffix}"
    grouped = f"{sign}{whole} {fraction}{suffix}"
    digits = fraction.rstrip("0")
    decimal = f"{sign}{whole}" + (f".{digits}" if digits else "") + ("0" if len(digits) == 3 else "") + suffix
    return CellValueError(
        f"{shown!r} is ambiguous: {thousands} or {decimal}? Write {thousands} (or {grouped}) or {decimal}"
    )


def _plain_digits(s: str, original: str, sign: str = "", suffix: str = "") -> str:
    """``s`` without grouping separators, as digits and at most one point; else raise.

    ``sign`` and ``suffix`` (``-``, ``%``) are only used to write the advice.
    """
    shown = original.strip()
    if _SUFFIX.match(s):
        raise CellValueError(f"write the full number, without k/M/bn ({shown!r} is not read)")
    if _CURRENCY.search(s):
        raise CellValueError("write the number alone: the currency goes in the currency column")
    if any(ch.isalpha() for ch in s) and not _PLAIN.fullmatch(s):
        raise CellValueError("not a number")
    if _PLAIN.fullmatch(s):
        if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", s):
            whole, _, fraction = s.partition(".")
            raise _ambiguous(shown, whole, fraction, sign, suffix)
        return s
    if any(c in s for c in _SPACE_CHARS):
        grouped = re.sub(f"[{_SPACE_CHARS}]", " ", s)
        if re.fullmatch(r"\d{1,3}( \d{3})+(\.\d+)?", grouped):
            return grouped.replace(" ", "")
        raise CellValueError("not a number (spaces may only group thousands: 1 200 000)")
    if s.count(".") > 1:
        raise CellValueError("several points: write the number without thousands points (1200000.5)")
    if "," in s:
        if re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+(\.\d+)?", s):
            if s.count(",") == 1 and "." not in s:
                whole, _, fraction = s.partition(",")
                raise _ambiguous(shown, whole, fraction, sign, suffix)
            return s.replace(",", "")
        if re.fullmatch(r"\d+,\d+", s):
            raise CellValueError(f"decimal comma: write {s.replace(',', '.')} with a point")
    raise CellValueError("not a number")
