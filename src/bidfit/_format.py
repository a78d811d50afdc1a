"""Short, readable numbers for messages and tables (one place for every front door)."""

from __future__ import annotations

import math

__all__ = ["money", "percent", "ratio", "year_list", "years"]


_UNITS: tuple[tuple[float, str], ...] = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, ""))
"""Money units, largest first: trillions, billions, millions, thousands, ones."""


def _fixed(value: float, decimals: int, *, signed: bool = False, strip: bool = False) -> str:
    """``value`` with ``decimals`` decimals and thousands separators, never a negative zero.

    The sign is that of the number shown, so ``-0.4`` with no decimals is ``0``;
    ``signed`` puts ``+`` before a positive number shown; ``strip`` drops
    trailing zeros after the decimal point.

    Examples
    --------
    >>> _fixed(-0.4, 0), _fixed(2.50, 2, strip=True), _fixed(1234.5, 1, signed=True), _fixed(-0.001, 1)
    ('0', '2.5', '+1,234.5', '0.0')
    """
    digits = f"{abs(value):,.{decimals}f}"
    if strip and "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    if digits.strip("0.,") == "":  # the number shown is zero: no sign
        return digits
    if value < 0:
        return "-" + digits
    return "+" + digits if signed else digits


def _money_decimals(mantissa: float, suffix: str) -> int:
    """Decimals shown of an amount of ``mantissa`` units: three significant digits, none below 1k or from 10k."""
    if suffix == "" or (suffix == "k" and mantissa >= 10):
        return 0
    return max(0, 2 - math.floor(math.log10(mantissa))) if mantissa > 0 else 0


def _money_digits(size: float) -> tuple[str, str]:
    """A non-negative amount as its shown digits and unit suffix; rounding up to 1,000 of a unit carries over.

    Examples
    --------
    >>> _money_digits(999_499), _money_digits(999_999), _money_digits(3.99e15), _money_digits(999.5)
    (('999', 'k'), ('1', 'M'), ('3,990', 'T'), ('1', 'k'))
    """
    index = next((i for i, (scale, _) in enumerate(_UNITS) if size >= scale), len(_UNITS) - 1)
    scale, suffix = _UNITS[index]
    mantissa = size / scale
    digits = _fixed(mantissa, _money_decimals(mantissa, suffix), strip=True)
    if index > 0 and float(digits.replace(",", "")) >= 1000:
        return "1", _UNITS[index - 1][1]  # 999.5k is 1M, not 1000k
    return digits, suffix


def money(value: float | None, currency: str = "", *, signed: bool = False) -> str:
    """A money amount as people say it: ``EUR 520k``, ``EUR 1.46M``, ``EUR -614k``.

    Units are k (thousand), M (million), B (billion) and T (trillion), with
    three significant digits (whole thousands from 10k to 999k, whole units
    below 1k); an amount that rounds to 1,000 of a unit is shown in the next
    one (999,999 is ``1M``), trillions beyond 999T get thousands separators
    (``3,990T``), and an amount that rounds to zero has no sign.

    Parameters
    ----------
    value : float or None
        The amount [currency]; None, NaN or an infinity gives ``n/a``.
    currency : str
        The code put in front, e.g. ``EUR``; empty for none.
    signed : bool
        Put ``+`` before a positive amount shown (a change).

    Examples
    --------
    >>> money(520_000, "EUR"), money(1_462_300, "EUR"), money(-614_000, "EUR"), money(950, "")
    ('EUR 520k', 'EUR 1.46M', 'EUR -614k', '950')
    >>> money(999_999, "EUR"), money(1e12, "EUR"), money(-0.4, "EUR"), money(12_500, "EUR", signed=True)
    ('EUR 1M', 'EUR 1T', 'EUR 0', 'EUR +12k')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    digits, suffix = _money_digits(abs(value))
    text = digits + suffix
    if digits.strip("0.,") != "":
        if value < 0:
            text = "-" + text
        elif signed:
            text = "+" + text
    return f"{currency} {text}".strip()


def percent(value: float | None, digits: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.08`` -> ``8%``; a value that rounds to zero is ``0%``, unsigned.

    Examples
    --------
    >>> percent(0.08), percent(-0.7388, signed=True), percent(None), percent(-0.0001)
    ('8%', '-74%', 'n/a', '0%')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    return _fixed(value * 100, digits, signed=signed).replace(",", "") + "%"


def ratio(value: float | None) -> str:
    """A ratio with two decimals: ``1.3052`` -> ``1.31x``.

    Examples
    --------
    >>> ratio(1.3052), ratio(-0.001), ratio(None)
    ('1.31x', '0.00x', 'n/a')
    """
    return "n/a" if value is None or not math.isfinite(value) else _fixed(value, 2).replace(",", "") + "x"


def years(value: float | None) -> str:
    """A duration in years with one decimal, or ``never``.

    Examples
    --------
    >>> years(5.25), years(float("inf")), years(None)
    ('5.2 years', 'never', 'never')
    """
    return (
        "never" if value is None or not math.isfinite(value) else f"{_fixed(value, 1).replace(',', '')} years"
    )


def year_list(values: list[int]) -> str:
    """Years as ranges: ``[1, 2, 3, 5]`` -> ``1-3, 5``.

    Examples
    --------
    >>> year_list([1, 2, 3, 5, 7, 8])
    '1-3, 5, 7-8'
    """
    parts: list[str] = []
    run: list[int] = []
    for y in sorted(values):
        if run and y == run[-1] + 1:
            run.append(y)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [y]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts)
