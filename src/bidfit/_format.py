"""Short, readable numbers for messages and tables (one place for every front door)."""

from __future__ import annotations

import math

__all__ = ["money", "percent", "ratio", "year_list", "years"]


def money(value: float | None, currency: str = "", *, signed: bool = False) -> str:
    """A money amount as people say it: ``EUR 520k``, ``EUR 1.46M``, ``EUR -614k``.

    Examples
    --------
    >>> money(520_000, "EUR"), money(1_462_300, "EUR"), money(-614_000, "EUR"), money(950, "")
    ('EUR 520k', 'EUR 1.46M', 'EUR -614k', '950')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    size = abs(value)
    if size >= 1e9:
        text = f"{value / 1e9:.3g}B"
    elif size >= 1e6:
        text = f"{value / 1e6:.3g}M"
    elif size >= 1e4:
        text = f"{value / 1e3:.0f}k"
    elif size >= 1e3:
        text = f"{value / 1e3:.3g}k"
    else:
        text = f"{value:.0f}"
    if signed and value > 0:
        text = "+" + text
    return f"{currency} {text}".strip()


def percent(value: float | None, digits: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.08`` -> ``8%``.

    Examples
    --------
    >>> percent(0.08), percent(-0.7388, signed=True), percent(None)
    ('8%', '-74%', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:{'+' if signed else ''}.{digits}f}%"


def ratio(value: float | None) -> str:
    """A ratio with two decimals: ``1.3052`` -> ``1.31x``."""
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2f}x"


def years(value: float | None) -> str:
    """A duration in years with one decimal, or ``never``."""
    return "never" if value is None or not math.isfinite(value) else f"{value:.1f} years"


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
