"""Shared fixtures: small cases built in code, so each test shows its inputs."""

from __future__ import annotations

from typing import Any

import pytest

from bidfit import Bid, Case, CostItem, RevenueStream


def make_case(
    *,
    revenue: list[dict[str, Any]] | None = None,
    bids: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Case:
    """A case from plain dicts, with small defaults (3 years, 10%, one stream of 100)."""
    data: dict[str, Any] = {"name": "Test", "horizon_years": 3, "discount_rate": 0.1}
    data.update(fields)
    data["revenue"] = [RevenueStream(**r) for r in (revenue or [{"name": "Sales", "annual_amount": 100}])]
    data["bids"] = [
        Bid(**{**b, "costs": [CostItem(**c) for c in b.get("costs", [])]})
        for b in (bids or [{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 150}]}])
    ]
    return Case(**data)


@pytest.fixture
def norway() -> Case:
    import bidfit

    return bidfit.load_sample("norway_roaming")
