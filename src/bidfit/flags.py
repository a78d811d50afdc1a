"""Findings about a bid: the :class:`Flag` record and the registry of flag codes.

A flag says what is wrong (or worth knowing) about a bid from the customer's
side, how serious it is, and which lever fixes it. The codes are part of the
public contract: reviewers and CI policies refer to them by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FAILING_SEVERITIES",
    "FLAG_CODES",
    "LEVERS",
    "SEVERITIES",
    "FailOn",
    "Flag",
    "Lever",
    "Severity",
    "by_severity",
]

Severity = Literal["error", "warning", "info"]
"""How serious a finding is for the review policy: a bid fails the policy on an ``error``
(or, with ``fail_on='warning'``, on a warning too). The customer's economics (the verdict)
are a separate answer: see :func:`bidfit.results.analysis.verdict_of`."""

Lever = Literal["price", "recurring_fees", "scope", "benefit", "term", "evidence"]
"""What the bid team can change: the one-time price, the recurring fees, the
scope (which revenue streams the bid addresses), the benefit claim itself, the
contract term, or the evidence behind the figures."""

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

FailOn = Literal["error", "warning"]
"""The level at which a bid fails the review policy: on an error finding, or also on a warning."""

FAILING_SEVERITIES: dict[str, frozenset[str]] = {
    "error": frozenset({"error"}),
    "warning": frozenset({"error", "warning"}),
}
"""The severities that fail a bid, by ``fail_on`` level: an error, or also a warning."""
LEVERS: tuple[Lever, ...] = ("price", "recurring_fees", "scope", "benefit", "term", "evidence")

FLAG_CODES: dict[str, str] = {
    "NEGATIVE_NPV": "The customer's net present value of the bid is below zero.",
    "RUNNING_COST_EXCEEDS_REVENUE": (
        "Recurring costs are at or above the benefits in operating years "
        "(error: every year, so no price can fix it; warning: some years)."
    ),
    "NO_PAYBACK": "The customer's cumulative cash position never turns non-negative for good within the horizon.",
    "PAYBACK_TOO_LONG": "Payback is later than the policy's max_payback_years.",
    "THIN_MARGIN": "Benefit/cost ratio or benefit headroom is under the policy's minimum.",
    "STRESS_FAILS": "NPV turns negative when the benefit claim is cut by the policy's stress cut.",
    "DOMINATED": "Another bid gives the customer at least as much benefit for less cost.",
    "MISSING_SOURCE": "An input figure does not say where it came from.",
    "HIGH_LOSS_PROBABILITY": "In simulation, the chance the customer is worse off exceeds the policy's maximum.",
    "NO_DEAL_ROOM": "No price satisfies both the customer's ceiling and the vendor's floor.",
    "MARGIN_NOT_CHECKED": "The bid sets min_margin but gives no vendor_costs, so the vendor's margin is not checked.",
    "WHAT_IT_TAKES": "The smallest change of each lever that makes a failing bid pass (see bidfit.what_it_takes).",
}


@dataclass(frozen=True)
class Flag:
    """One finding about a bid.

    Attributes
    ----------
    code : str
        Stable identifier, one of :data:`FLAG_CODES`.
    severity : {'error', 'warning', 'info'}
        ``error`` fails the review policy; ``warning`` fails it only with
        ``fail_on='warning'``; ``info`` never does.
    message : str
        The finding in the customer's terms, with the figures behind it and
        what would fix it.
    lever : str, optional
        The lever that fixes it (see :data:`Lever`), when one does.
    figures : dict
        The numbers behind the message [case currency, years or fractions],
        for tools that want them without parsing text.
    summary : str
        The finding in a few words with its figure, for a headline:
        ``'payback 5.3 years, the policy allows 5'``. Empty: the code's
        description in :data:`FLAG_CODES` stands in.
    """

    code: str
    severity: Severity
    message: str
    lever: Lever | None = None
    figures: dict[str, float | None] = field(default_factory=dict, compare=False)
    summary: str = field(default="", compare=False)

    @property
    def short(self) -> str:
        """:attr:`summary`, or the code's description when the finding has none."""
        return self.summary or FLAG_CODES.get(self.code, self.code).rstrip(".")

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.code}: {self.message}"


def by_severity(flags: Iterable[Flag]) -> tuple[Flag, ...]:
    """``flags`` sorted most severe first (stable within a severity)."""
    return tuple(sorted(flags, key=lambda f: SEVERITIES.index(f.severity)))
