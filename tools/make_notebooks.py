"""Write the notebooks in ``notebooks/`` from the cells below, without outputs.

The notebooks are stored as this script writes them (no outputs, fixed cell
ids), so a change to a notebook is reviewed here as code, and the test suite
runs each of them headless (``tests/test_notebooks.py``). Notebooks write
files only into a temporary folder, never into the repository.

Usage::

    python tools/make_notebooks.py          # write the notebooks
    python tools/make_notebooks.py --check  # exit 1 if any stored notebook differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"

Cell = tuple[str, str, tuple[str, ...]]  # ("md" | "py", source, cell tags)


def md(text: str) -> Cell:
    return ("md", text.strip(), ())


def py(code: str, *tags: str) -> Cell:
    """A code cell; its tags name it for the tests that check its output."""
    return ("py", code.strip(), tags)


NORWAY: list[Cell] = [
    md("""
# The Norway roaming bid: how it would have been caught

A vendor bid for a system that releases international signalling once a roaming call is set up.
At the last round the operator asked for the Norway sub-network alone. The vendor quoted a bit
over EUR 0.9M, refused to cut another EUR 0.1M, and lost to a competitor at a bit over EUR 0.5M.
Only later did it learn why: the whole yearly outbound roaming revenue of those users was under
EUR 0.4M, while the proposed maintenance and outsourced operations alone cost over EUR 0.5M a year.

This notebook shows what `bidfit` would have told the bid team before the quote went out.
"""),
    py("""
import bidfit

case = bidfit.load_sample("norway_roaming")


def eur(value):
    return f"EUR {value:,.0f}"


case  # the inputs: revenue at stake and the two bids
"""),
    md("""
## The verdict

`analyze` puts each bid in the customer's shoes: the revenue the system can touch against
everything the customer would pay over five years, discounted at its 8 % hurdle rate.
"""),
    py("""
result = bidfit.analyze(case)
result
"""),
    py("""
ours = result.bids["Vendor A"]
ours  # verdict, key figures, findings with the lever that fixes each, cash flows
"""),
    md("""
The first finding is the one that matters: the recurring fees alone (EUR 520k a year) are above
the whole revenue at stake (EUR 380k a year, eroding) in **every** year. No price fixes that.
The picture of benefits against costs makes the yearly gap plain:
"""),
    py(
        """
ours.plot("benefits_costs");
""",
        "benefits-costs",
    ),
    py(
        """
ours.plot("cumulative");  # the customer's cash position never recovers
""",
        "cumulative",
    ),
    md("""
Two answers for each bid. The **verdict** is the customer's economics: `better_off`, `at_risk` or
`worse_off`. The **policy** says whether the bid may go out as it stands, and which findings stop it.
"""),
    py(
        """
for bid in result:
    print(f"{bid.name}: the customer is {bid.verdict.replace('_', ' ')}; "
          f"policy {'passed' if bid.passes else 'failed'}"
          + (f" by {', '.join(f.code for f in bid.failing)}" if bid.failing else ""))
""",
        "two-answers",
    ),
    md("""
## What the customer can afford

The break-even price is the largest one-time price at which the customer still breaks even, with
the fees as quoted; the break-even fee is the largest yearly fee at the quoted price. For our bid
the break-even price is **negative**: even a free installation leaves the customer worse off.
"""),
    py("""
print(f"break-even price at the quoted fee:  {eur(ours.max_one_time_price)}")
print(f"break-even fee at the quoted price:  {eur(ours.max_annual_fee)} a year")
"""),
    md("""
The deal map shows the customer's NPV for every combination of one-time price and yearly fee. The
black line is break-even; our quote sits far above it, and the dotted line at our fee never
crosses into the green, whatever the price.
"""),
    py(
        """
deal = bidfit.deal_map(result, "Vendor A")
deal.plot()
deal
""",
        "deal-map",
    ),
    py(
        """
print(f"no price works at our fee: {deal.no_price_works}")
# The EUR 0.1M cut the customer asked for would not have been enough either:
print(f"NPV at a price of EUR 820,000: {eur(deal.npv_at(820_000, 520_000))}")
# With no one-time price at all, the fees would have had to fall to:
print(f"fee that breaks even at price 0: {eur(deal.max_fee(0.0))} a year")
""",
        "no-price-works",
    ),
    md("""
## What the competitor's price implies

The competitor won at EUR 520k. On our bid's map (same revenue, same timing), a customer paying
EUR 520k up front can afford fees of at most the amount below; the competitor's lean fees (EUR 150k
a year, operations by the customer's own staff) are well inside, which is why its bid made sense.
"""),
    py(
        """
competitor = deal.competitors[0]
room = float(deal.max_fee(competitor.price))
print(f"{competitor.name}: price {eur(competitor.price)}, fee {eur(competitor.fee)} a year, "
      f"NPV {eur(competitor.npv)}")
print(f"at that price the fee could have been up to {eur(room)} a year; we asked {eur(ours.annual_fee)}")
""",
        "competitor-room",
    ),
    py("""
result.plot();  # both bids: benefits against lifetime cost
"""),
    md("""
## The pricing room: what the operator can pay against what we can sell for

The last round was a negotiation about price, so put both sides of the table in one view. The
**customer ceiling** is the most the operator can pay and still be better off; the **vendor floor**
is the least we can accept and still cover our own cost of delivering the system with our minimum
margin (15 %). Between the two is the **deal room**: the prices (or fees) both sides can sign.

`pricing_room` gathers it all for one bid: the deal room, the scope options, what it would take for
the bid to pass, and what the competitor's winning price of EUR 520k implies.
"""),
    py("""
pricing = bidfit.pricing_room(case, "Vendor A", competitor_price=520_000)
pricing
"""),
    md("""
### The deal room: empty for Norway alone

For Norway alone there was nothing to negotiate. The operator's roaming revenue can pay, over five
years and in today's money, for a lifetime cost of at most the amount below; our own delivery cost,
before any margin, is already above it. No price and no fee satisfies both sides: the EUR 0.1M the
operator asked for, or any other cut, could only have moved the loss from one side to the other.
What could change was the scope (more revenue at stake) or our delivery cost.
"""),
    py(
        """
ceiling, deal_room = pricing.analysis.ceiling, pricing.deal_room
print(f"customer ceiling: price {eur(ceiling.price)} at our fee, or a fee of {eur(ceiling.fee)} a year at our price")
print(f"vendor floor:     price {eur(deal_room.floor_price)} at our fee, or a fee of {eur(deal_room.floor_fee)} a year "
      "at our price")
print(f"the operator can pay at most {eur(ceiling.allowed_pv_cost)} in today's money; "
      f"we need {eur(deal_room.required_pv_revenue)} (delivery {eur(deal_room.pv_delivery_cost)} plus our margin)")
print(f"deal room: {'open' if deal_room.exists else 'empty'}")
print(pricing.analysis.flag("NO_DEAL_ROOM"))
""",
        "deal-room",
    ),
    md("""
### Scope options: Sweden and Denmark open the room

Sweden and Denmark were on the table as options. Each brings its own subscribers' roaming revenue
into reach, and its own cost. The table shows every combination from both sides: what the operator
would gain (its NPV) and the margin we would make. The recommended combination is the one that
leaves the operator best off among those we can accept.
"""),
    py("""
options = pricing.options
options
"""),
    py(
        """
best = options.recommended
print(f"recommended: {' + '.join(best['options'])}, operator NPV {eur(best['npv'])}, "
      f"our margin {best['vendor_margin']:.1%}")
# The same figure from analysing the extended bid on its own:
extended = case.bid("Vendor A").with_options(list(best["options"]))
extended_result = bidfit.analyze(case.model_copy(update={"bids": [extended]})).bids[extended.name]
print(f"{extended.name}: the operator gains {eur(extended_result.npv)} in today's money; "
      f"the customer is {extended_result.verdict.replace('_', ' ')}, "
      f"policy {'passed' if extended_result.passes else 'failed'}")
""",
        "recommended",
    ),
    md("""
### What it would have taken for Norway alone

Lever by lever, the smallest single change that would have made our Norway-only bid worth it for
the operator. No one-time price does, not even zero: the yearly fees alone are above the revenue
they can touch. The recurring fees would have had to fall to the amount in the table; the last row
says how much revenue would have had to be at stake for the bid as quoted.
"""),
    py("""
wit = pricing.what_it_takes
wit
"""),
    py(
        """
import math

fee = wit.change("recurring_fees")
print(f"a one-time price that works: {wit.change('price').works}; a recurring fee that works: {fee.works}")
print(f"no one-time price works at our fee of {eur(fee.now)} a year")
print(f"the fee it would take: at most {eur(fee.needed)} a year ({fee.change:+.0%})")
# Check it: our quote with the recurring fees cut to that fee (in whole euros)...
quote = case.bid("Vendor A")
scale = math.floor(fee.needed) / fee.now
cut = quote.model_copy(update={"costs": [
    c.model_copy(update={"amount": c.amount * scale}) if c.kind == "recurring" else c for c in quote.costs
]})
at_that_fee = bidfit.analyze(case.model_copy(update={"bids": [cut]})).bids["Vendor A"]
# ...no longer leaves the operator worse off, but we would deliver below our floor: still no deal room.
print(f"at that fee the operator's NPV is {eur(at_that_fee.npv)}; our floor fee is {eur(deal_room.floor_fee)} a year")
print(f"the customer is {at_that_fee.verdict.replace('_', ' ')}; the policy fails by "
      f"{', '.join(f.code for f in at_that_fee.failing)}")
""",
        "fee-cut",
    ),
    md("""
### What the competitor's winning price says

The competitor won at EUR 520k. Assuming it addressed the same revenue, its price tells us which
yearly fees it could have asked. Against our bid, any fee up to more than ours would have won: our
bid left the operator so far behind that we were never in the race. The real bound is the operator's own: above
the break-even fee below, the competitor's bid would have cost the operator money too. Its estimated
fees (maintenance plus operations by the operator's own staff) are well inside.
"""),
    py("""
inference = pricing.competitor
print(inference.sentence)
"""),
    py(
        """
from bidfit import Bid, CostItem


def quote_at(price, fee):
    # A bid for Norway at this one-time price and flat yearly fee, judged on its own.
    bid = Bid(name="Quote", scope=["Outbound roaming"], costs=[
        CostItem(name="Price", kind="one_time", amount=price),
        CostItem(name="Fee", kind="recurring", amount=fee),
    ])
    return bidfit.analyze(case.model_copy(update={"bids": [bid]})).bids["Quote"]


# At the break-even fee the competitor's bid is worth exactly nothing to the operator...
print(f"NPV at EUR 520k and the break-even fee: {eur(quote_at(520_000, inference.break_even_fee).npv)}")
# ...and at the fee to be preferred it is exactly as good (as bad) as ours.
print(f"NPV at EUR 520k and the fee to be preferred: {eur(quote_at(520_000, inference.fee_to_be_preferred).npv)}"
      f" (ours: {eur(ours.npv)})")
winner = result.bids["Competitor B"]
print(f"Competitor B's estimated fees: {eur(winner.annual_fee)} a year, "
      f"against a break-even fee of {eur(inference.break_even_fee)} a year at its price")
""",
        "competitor-fees",
    ),
]

UNCERTAINTY: list[Cell] = [
    md("""
# Uncertainty and sensitivity

How sure is it that the customer is better off, and which assumption decides it? This notebook
puts distributions on the Norway case's inputs, simulates many futures, and ranks the inputs.
"""),
    py("""
import bidfit
from bidfit import Uncertainty

base = bidfit.load_sample("norway_roaming")
case = base.model_copy(update={
    "uncertainty": [
        # The operator's revenue figure: EUR 380k, give or take 60k.
        Uncertainty(target="revenue.Outbound roaming.annual_amount", distribution="normal",
                    mean=380_000, sd=60_000),
        # Erosion: most likely -2 % a year, between -10 % and +3 %.
        Uncertainty(target="revenue.Outbound roaming.growth", distribution="pert",
                    low=-0.10, mode=-0.02, high=0.03),
        # The competitor's operations cost is an estimate; it tends to be higher when revenue is.
        Uncertainty(target="cost.Competitor B.Operations.amount", distribution="lognormal",
                    mean=90_000, sd=25_000,
                    correlated_with="revenue.Outbound roaming.annual_amount", correlation=0.4),
        Uncertainty(target="discount_rate", distribution="triangular", low=0.06, mode=0.08, high=0.12),
    ],
    "policy": bidfit.Policy(max_loss_probability=0.10),
})
case
"""),
    md("""
## Simulation

`simulate` draws every uncertain input (truncated to its valid range) and computes each bid's NPV
and payback in every trial, vectorised and in chunks. The same seed gives the same result, whatever
the chunk size.
"""),
    py(
        """
from bidfit.present.progress import progress_bar

# A bar while it runs (a widget in a notebook), none for a run of about a second or less.
sim = bidfit.simulate(case, trials=200_000, seed=42, progress=progress_bar())
sim
""",
        "simulate",
    ),
    py("""
sim.summary
"""),
    py(
        """
sim.plot("Competitor B");  # the worse-off share is shaded red
""",
        "histogram",
    ),
    py(
        """
for name, simulated in sim.bids.items():
    print(f"{name}: P(worse off) = {simulated.probability_worse_off:.2%} "
          f"+/- {simulated.probability_worse_off_se:.2%}")
# Reproducible: a run in small chunks gives the very same trials.
b = sim.bids["Competitor B"]
again = bidfit.simulate(case, trials=200_000, seed=42, chunk_size=10_000)
print(f"the same trials in chunks of 10,000: {(again.bids['Competitor B'].npv == b.npv).all()}")
""",
        "worse-off",
    ),
    md("""
The policy accepts at most a 10 % chance of leaving the customer worse off; a bid above it gets the
`HIGH_LOSS_PROBABILITY` finding.
"""),
    py("""
sim.flags
"""),
    md("""
## Sensitivity: which assumption decides it

One input at a time, amounts and shares move by +/-20 % and rates by +/-2 points. The table is
ranked by how far the NPV moves; the flip value is where the NPV crosses zero: the break-even of
that assumption.
"""),
    py(
        """
sens = bidfit.sensitivity(base, "Competitor B")
table = sens.summary
table[["label", "base_value", "npv_low", "npv_high", "flip_value", "flip_note"]]
""",
        "sensitivity",
    ),
    py(
        """
sens.plot();
""",
        "tornado",
    ),
    py(
        """
# The revenue the competitor's bid needs: NPV = 0 at this yearly amount.
needed = table.loc["revenue.Outbound roaming.annual_amount", "flip_value"]
print(f"Competitor B breaks even at EUR {needed:,.0f} of yearly roaming revenue (now 380,000)")
# The discount rate at which it breaks even is its IRR.
irr = table.loc["discount_rate", "flip_value"]
print(f"it breaks even at a discount rate of {irr:.2%}; its IRR is {bidfit.analyze(base).bids['Competitor B'].irr:.2%}")
""",
        "flip-values",
    ),
    py("""
# Our bid: even the revenue assumption would have to double before the customer breaks even.
ours = bidfit.sensitivity(base, "Vendor A")
ours.summary[["label", "flip_note"]].head(5)
"""),
]

EXCEL: list[Cell] = [
    md("""
# The Excel workflow

Commercial and finance staff fill an input workbook made from the template; `bidfit` reads it,
analyses every bid, and writes a report workbook that a reviewer can audit. Everything here is
written to a temporary folder.
"""),
    py("""
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

import bidfit
from bidfit.io.template import write_template

folder = Path(tempfile.mkdtemp(prefix="bidfit-notebook-"))
inputs = write_template(folder / "norway.xlsx", "norway_roaming")  # the template, filled with the sample
openpyxl.load_workbook(inputs).sheetnames
"""),
    md("""
## Read the workbook and analyse it

`bidfit.load` reads `.xlsx` as well as YAML and JSON; a bad cell is reported with its sheet and
cell reference.
"""),
    py("""
case = bidfit.load(inputs)
result = bidfit.analyze(case)
result
"""),
    md("""
## Change an input in Excel, as a bid team would

Lower the outsourced operations fee on the `Costs` sheet and read the workbook again.
"""),
    py(
        """
wb = openpyxl.load_workbook(inputs)
costs = wb["Costs"]
header = {str(c.value).strip().lower(): c.column for c in costs[1] if c.value}
for row in costs.iter_rows(min_row=2):
    if row[header["name"] - 1].value == "Outsourced operations":
        row[header["amount"] - 1].value = 40_000
edited = folder / "norway-cheaper-operations.xlsx"
wb.save(edited)
cheaper = bidfit.analyze(bidfit.load(edited)).bids["Vendor A"]
print(f"the customer is {cheaper.verdict.replace('_', ' ')}, NPV EUR {cheaper.npv:,.0f}; "
      f"policy {'passed' if cheaper.passes else 'failed'} by {', '.join(f.code for f in cheaper.failing)}")
""",
        "cheaper-operations",
    ),
    md("""
Still worse off: with operations at EUR 40k a year the maintenance fee and the one-time price are
still more than the eroding roaming revenue can repay. The input file itself is never modified by
`bidfit`; the edited copy is a new file.
"""),
    md("""
## The report workbook

The same as `bidfit analyze IN -o OUT.xlsx`: a summary with live formulas, flags, the pricing room
of each bid, the inputs register and one cash-flow sheet per bid; with a simulation, a `Simulation`
sheet (with an NPV histogram chart) and a `Sensitivity` sheet per study. `Analysis.to_excel` writes it.
"""),
    py(
        """
uncertain = case.model_copy(update={"uncertainty": [
    bidfit.Uncertainty(target="revenue.Outbound roaming.annual_amount", distribution="normal",
                       mean=380_000, sd=60_000)]})
sim = bidfit.simulate(uncertain, 50_000, seed=1)
sens = bidfit.sensitivity(case, "Vendor A")
path = result.to_excel(folder / "report.xlsx", simulation=sim, sensitivity=sens)
openpyxl.load_workbook(path).sheetnames
""",
        "report",
    ),
    md("""
## The same from the command line

`bidfit analyze IN -o OUT.xlsx --simulate N --seed S` prints the verdicts and the simulation, and
writes the report with the risk sheets. A simulation needs something uncertain: one row on the
workbook's `Uncertainty` sheet puts a distribution on the roaming revenue.
"""),
    py(
        """
book = openpyxl.load_workbook(inputs)
sheet = book["Uncertainty"]
entry = {"target": "revenue.Outbound roaming.annual_amount", "distribution": "normal",
         "mean": 380_000, "sd": 60_000}
sheet.append([entry.get(cell.value) for cell in sheet[1]])
uncertain_inputs = folder / "inputs-uncertain.xlsx"
book.save(uncertain_inputs)

done = subprocess.run(
    [sys.executable, "-m", "bidfit", "analyze", str(uncertain_inputs), "-o", str(folder / "cli-report.xlsx"),
     "--simulate", "20000", "--seed", "1"],
    capture_output=True, text=True, check=True,
)
print(done.stdout)
openpyxl.load_workbook(folder / "cli-report.xlsx").sheetnames
""",
        "cli-report",
    ),
]

DESK: list[Cell] = [
    md("""
# A deal desk for the Norway bid

`bidfit.desk(case, bid)` puts one bid on a desk of controls (it needs the `bidfit[jupyter]` extra,
ipywidgets): the one-time price, the recurring fees (all together or each), the contract term and
the scope options. Every change re-analyses the case at once: the verdict, NPV, payback, the policy
outcome, the vendor's floor and the deal map move with the controls. Drag them in a live notebook;
here they are set in code so that the story reads the same everywhere.
"""),
    py("""
import bidfit

case = bidfit.load_sample("norway_roaming")
desk = bidfit.desk(case, "Vendor A")
desk
"""),
    md("""
## No price works at the quoted fee

Give the platform and the installation away: a one-time price of zero. The fees of EUR 520k a year
are still above the EUR 380k of roaming revenue at stake in every year.
"""),
    py("""
desk.price.value = 0
print(desk)
"""),
    md("""
## The three-country scope does

Back at the quoted price, add Sweden and Denmark: more revenue at stake for each euro of fees.
"""),
    py("""
desk.price.value = 920_000
desk.options["Sweden"].value = True
desk.options["Denmark"].value = True
print(desk)
"""),
    md("""
## Apply, and continue in code

"Apply" (or `desk.apply()`) stores a copy of the case with the chosen values on `desk.case`; the
case loaded above is unchanged.
"""),
    py("""
desk.apply_button.click()
three_countries = desk.case
print(three_countries.bid("Vendor A").scope)
print(case.bid("Vendor A").scope)  # the original is untouched
"""),
    py("""
result = bidfit.analyze(three_countries)
result
"""),
    py(
        """
bidfit.deal_map(result, "Vendor A").plot();
""",
        "deal-map",
    ),
    md("""
## The customer's business case

What the bid team attaches to its proposal: one self-contained HTML page for the customer's CFO, in
the customer's currency and at the customer's discount rate (open it in any browser, print it to
PDF). Nothing of the vendor's own side is in it. Here it is written to a temporary folder.
"""),
    py("""
import re
import tempfile
from pathlib import Path

page = result.business_case("Vendor A")
path = Path(tempfile.mkdtemp()) / "business-case-vendor-a.html"
path.write_text(page, encoding="utf-8")
text = re.sub(r"\\s+", " ", re.sub(r"<style.*?</style>|<svg.*?</svg>|<[^>]+>", " ", page, flags=re.S))
print(f"business case written: {path.name}, {len(page) // 1024} kB")
print(text.strip()[:600])
"""),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01_norway_roaming.ipynb": NORWAY,
    "02_uncertainty_and_sensitivity.ipynb": UNCERTAINTY,
    "03_excel_workflow.ipynb": EXCEL,
    "04_deal_desk.ipynb": DESK,
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook of these cells, without outputs, with fixed cell ids."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source, tags) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell["id"] = f"cell-{i:02d}"
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def text_of(cells: list[Cell]) -> str:
    """The notebook file as written: nbformat's JSON with a final newline."""
    return nbformat.writes(build(cells)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check that the stored notebooks are current"
    )
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = FOLDER / name
        text = text_of(cells)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            FOLDER.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date (run python tools/make_notebooks.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
