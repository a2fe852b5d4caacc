"""What stands between a checkout and an order, line by line, as the checkout shows it.

`Checkout.problems` and `CheckoutLine.problems` must tell a buyer what
`checkoutComplete` would refuse, so they run the same registered line
validators (`validators.judge_lines`) at the completion stage instead of
re-deriving "published, priced, in stock" on their own. A rule registered by
another app (the licence gate's LICENCE_NOT_VALID, a membership check) shows
up here with no edit to this module or to the API.

Each refused line gives one problem: the first validator that objects, in
the registry's order. `quantity_available` is set when the reason is stock,
so a storefront can offer the quantity that is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from .info import CheckoutInfo, LineInfo
from .validators import COMPLETE, judge_lines

INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"


@dataclass(frozen=True)
class LineProblem:
    line: LineInfo
    code: str
    message: str
    quantity_available: int | None = None

    @property
    def is_stock_shortage(self) -> bool:
        return self.code == INSUFFICIENT_STOCK


def checkout_problems(info: CheckoutInfo) -> list[LineProblem]:
    """One problem per line that completion would refuse, in line order.

    Costs what the validators cost on completion: one stock statement for
    all lines, plus whatever registered rules batch (the licence gate: one).
    """
    problems = []
    for check, errors in judge_lines(info, info.lines, COMPLETE):
        if not errors:
            continue
        first = errors[0]
        problems.append(
            LineProblem(
                line=check.line,
                code=first.code,
                message=first.message,
                quantity_available=(
                    check.quantity_available if first.code == INSUFFICIENT_STOCK else None
                ),
            )
        )
    return problems
