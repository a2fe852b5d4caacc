"""Checkout validators: the extension point every checkout rule plugs into.

Two registries (`marquee.core.registry`):

- line validators run, in their declared order, for every line a buyer adds or changes
  (checkoutCreate, checkoutLinesAdd, checkoutLinesUpdate) and for every line
  again when the checkout is completed;
- completion validators run once for the whole checkout before it becomes
  an order.

A validator receives a read-only description of what is being checked and
returns (or yields) `ErrorDetail`s; returning nothing means "fine". The
first line validator (lowest order) that objects to a line gives that
line's errors, so the order bands below say which problem a buyer hears
first: a line that is unlicensed and sold out is told about the licence.
Every validator declares the codes it may raise; the API's CheckoutErrorCode
enum is built from them. Merch
registers its own rules in `rules.py` exactly the way another app (the
licence gate, for instance) registers from its `AppConfig.ready()`, so a new
rule is a new registration, never an edit to checkout code:

    from marquee.merch.checkout.validators import register_line_validator

    @register_line_validator(order=RIGHTS, codes=["LICENCE_NOT_VALID"])
    def licensed(check):
        if not licence_covers(check.product, check.channel):
            yield ErrorDetail("LICENCE_NOT_VALID", "...", field="lines",
                              extra={"variants": [check.variant.pk]})

Errors carry `variants` / `lines` (primary keys) in `extra`; the API turns
them into global IDs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from marquee.core.exceptions import DomainError, ErrorDetail
from marquee.core.registry import Registry

from ..models import Checkout
from ..selectors import quantity_available
from .calculations import CheckoutTotals, calculate
from .info import CheckoutInfo, LineInfo, fetch_checkout_info

ADD = "add"
COMPLETE = "complete"


@dataclass(frozen=True)
class LineCheck:
    """One line as a validator sees it: the quantity the line would have after the change."""

    info: CheckoutInfo
    line: LineInfo
    quantity: int
    quantity_available: int
    stage: str  # ADD or COMPLETE

    @property
    def channel(self):
        return self.info.channel

    @property
    def variant(self):
        return self.line.variant

    @property
    def product(self):
        return self.line.product

    @property
    def user(self):
        return self.info.checkout.user if self.info.checkout.user_id else None

    @property
    def requester(self):
        """Who made the request being checked (may differ from the checkout's owner)."""
        return self.info.requester


LineValidator = Callable[[LineCheck], Iterable[ErrorDetail] | None]
CompletionValidator = Callable[[CheckoutInfo, CheckoutTotals], Iterable[ErrorDetail] | None]

# Order bands for line validators (lower speaks first; the first to object wins):
CHANNEL_AVAILABILITY = 100  # sold, published and purchasable in the channel
QUANTITY_INPUT = 200  # the quantity asked for is sensible
RIGHTS = 300  # the seller may sell it here (the licence gate)
ELIGIBILITY = 400  # this buyer may buy it (memberships, drops)
STOCK = 500  # there is enough of it

line_validators = Registry("checkout line validator")
completion_validators = Registry("checkout completion validator")


def register_line_validator(fn: LineValidator | None = None, *, order: int, codes: Iterable[str]):
    """Add a rule every checkout line must pass; usable as a decorator."""
    return line_validators.register(fn, order=order, codes=codes)


def unregister_line_validator(fn: LineValidator) -> None:
    line_validators.unregister(fn)


def register_completion_validator(
    fn: CompletionValidator | None = None, *, order: int, codes: Iterable[str]
):
    """Add a rule a whole checkout must pass before completion; usable as a decorator."""
    return completion_validators.register(fn, order=order, codes=codes)


def unregister_completion_validator(fn: CompletionValidator) -> None:
    completion_validators.unregister(fn)


def validator_codes() -> list[str]:
    """Every code a checkout validator may raise (the API's error enum is built from it)."""
    return list(dict.fromkeys(line_validators.codes() + completion_validators.codes()))


def _collect(result: Any) -> list[ErrorDetail]:
    if result is None:
        return []
    if isinstance(result, ErrorDetail):
        return [result]
    return list(result)


def judge_lines(
    info: CheckoutInfo, lines: list[LineInfo], stage: str
) -> list[tuple[LineCheck, list[ErrorDetail]]]:
    """Every line with the errors of the first validator that objects to it (or none).

    One stock query for all lines; the API's `problems` and the mutations both
    read this, so a buyer hears the same reason wherever they ask.
    """
    if not lines:
        return []
    available = quantity_available(
        [line.variant.pk for line in lines], info.channel.pk, checkout_id=info.checkout.pk
    )
    judged: list[tuple[LineCheck, list[ErrorDetail]]] = []
    for line in lines:
        check = LineCheck(
            info=info,
            line=line,
            quantity=line.quantity,
            quantity_available=available.get(line.variant.pk, 0),
            stage=stage,
        )
        found: list[ErrorDetail] = []
        for entry in line_validators:
            found = entry.check(_collect(entry.fn(check)), line_validators.name)
            if found:
                # One reason per line: a line not sold in the channel need not
                # also be told it is out of stock.
                break
        judged.append((check, found))
    return judged


def line_errors(info: CheckoutInfo, lines: list[LineInfo], stage: str) -> list[ErrorDetail]:
    """Run every line validator on the given lines (one stock query for all of them)."""
    return [error for _check, found in judge_lines(info, lines, stage) for error in found]


def validate_lines(info: CheckoutInfo, lines: list[LineInfo], stage: str = ADD) -> None:
    errors = line_errors(info, lines, stage)
    if errors:
        raise DomainError(*errors)


def validate_checkout_for_completion(
    checkout: Checkout, info: CheckoutInfo | None = None
) -> CheckoutTotals:
    """Raise DomainError with every reason the checkout cannot become an order.

    Runs the completion validators (email, addresses, delivery, voucher...)
    and every line validator on every line; stock is checked, not reserved.
    Returns the checkout's totals, so the caller need not compute them again.
    """
    info = info or fetch_checkout_info(checkout)
    totals = calculate(info)
    errors: list[ErrorDetail] = []
    for entry in completion_validators:
        errors.extend(entry.check(_collect(entry.fn(info, totals)), completion_validators.name))
    errors.extend(line_errors(info, info.lines, COMPLETE))
    if errors:
        raise DomainError(*errors)
    return totals
