"""A figure quoted in a finding is the figure shown elsewhere for the same thing.

A finding's message quotes prices, fees, NPVs, payback and ratios; the key
figures beside it show the same things. Each quoted figure must be formatted
from the same number as the one shown ("break-even" means NPV = 0 and nothing
else), so a reader never sees two values for one quantity.
"""

from __future__ import annotations

import re

import pytest

import bidfit
from bidfit import _format as fmt
from bidfit.present.view import key_figures

STRICT = bidfit.Policy(max_payback_years=2, min_benefit_cost_ratio=1.4, stress_benefit_cut=0.2)
POLICIES = {"own": None, "strict": STRICT}


def bids():
    for name in bidfit.sample_names():
        for label, policy in POLICIES.items():
            case = bidfit.load_sample(name)
            if policy is not None:
                case = case.model_copy(update={"policy": policy})
            for bid in bidfit.analyze(case):
                yield pytest.param(bid, id=f"{name}-{label}-{bid.name}")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("bid", list(bids()))
def test_break_even_figures_in_messages_are_the_break_even_figures(bid):
    cur = bid.currency
    shown = dict(key_figures(bid))
    price_shown, fee_shown = fmt.money(bid.max_one_time_price, cur), fmt.money(bid.max_annual_fee, cur)
    assert shown["One-time price / break-even"].endswith(f"/ {price_shown}")
    assert shown["Annual fee / break-even"].endswith(f"/ {fee_shown}")
    for flag in bid.flags:
        message = flat(flag.message)
        # Wherever a message names the break-even price or fee, it is the one shown.
        for quoted in re.findall(r"break-even price (EUR -?[\d.,]+[kMBT]?)", message):
            assert quoted == price_shown, (flag.code, message)
        for quoted in re.findall(r"the price that would break even is (EUR -?[\d.,]+[kMBT]?)", message):
            assert quoted == price_shown, (flag.code, message)
        # The deal room names the binding reason of the customer's ceiling: "(break-even)" after the price.
        for quoted in re.findall(r"(EUR -?[\d.,]+[kMBT]?) \(break-even\)", message):
            assert quoted in (price_shown, fee_shown), (flag.code, message)
        message = re.sub(r"EUR -?[\d.,]+[kMBT]? \(break-even\)", "", message)
        if flag.code == "NEGATIVE_NPV":
            assert flag.figures["price_limit"] == pytest.approx(bid.max_one_time_price, rel=1e-12)
            assert flag.figures["fee_limit"] == pytest.approx(bid.max_annual_fee, rel=1e-12)
            assert f"lose {fmt.money(-bid.npv, cur)} in today's money" in message
            assert f"benefits worth {fmt.money(bid.pv_benefits, cur)}" in message
            assert f"lifetime cost of {fmt.money(bid.pv_costs, cur)}" in message
            if bid.max_one_time_price >= 0 and bid.one_time_price > bid.max_one_time_price:
                assert f"to at most {price_shown} (" in message
            if 0 <= bid.max_annual_fee < bid.annual_fee:
                assert f"to at most {fee_shown} a year" in message
        else:
            # Another target (headroom, ratio, stress, payback) is never called break-even.
            assert "break-even" not in message and "break even" not in message, (flag.code, message)


@pytest.mark.parametrize("bid", list(bids()))
def test_other_quoted_figures_match_the_key_figures(bid):
    shown = dict(key_figures(bid))
    for flag in bid.flags:
        message = flat(flag.message)
        if flag.code == "PAYBACK_TOO_LONG":
            assert f"Payback takes {bid.payback_years:.1f} years" in message
            assert shown["Payback"] == f"{bid.payback_years:.1f} years"
            assert flag.summary.startswith(f"payback {bid.payback_years:.1f} years")
        if flag.code == "THIN_MARGIN":
            if "the lifetime cost" in message:
                assert f"Benefits are {shown['Benefit/cost']} the lifetime cost" in message
            else:
                assert f"may fall only {fmt.percent(bid.benefit_headroom)}" in message
        if flag.code == "NO_PAYBACK":
            end = float(bid.flows.net.cumsum()[-1])
            assert f"ends at {fmt.money(end, bid.currency)}" in message


def test_the_platinum_tier_names_its_headroom_price_for_what_it_is():
    platinum = bidfit.analyze(bidfit.load_sample("service_tiers")).bids["Platinum"]
    flag = platinum.flag("THIN_MARGIN")
    message = flat(flag.message)
    # The price that would leave the headroom the finding asks for, not the break-even price.
    assert f"the price that would meet it is {fmt.money(flag.figures['price_limit'], 'EUR')}" in message
    assert fmt.money(flag.figures["price_limit"], "EUR") == "EUR -29k"
    assert fmt.money(platinum.max_one_time_price, "EUR") == "EUR 123k"
    assert "break-even" not in message
