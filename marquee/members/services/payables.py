"""Backer subscriptions as a payable source of the payment API (merch.payments.sources).

A fan pays a subscription exactly as a checkout is paid: transactionInitialize
with the subscription's global ID (``BackerSubscription:<pk>``), then
transactionProcess or the provider's webhook. The payment services call back
here when the subscription's transactions charge its amount (`backing.mark_paid`)
or have given it all back (`backing.mark_refunded`).

A subscription takes a payment only while it is pending and not past its
time; one read past its time is expired on the spot (the sweep would do it
within the minute anyway), so it answers "nothing to pay".
"""

from __future__ import annotations

from django.utils import timezone

from marquee.merch.payments import sources

from ..models import BackerSubscription, SubscriptionStatus
from . import backing

KIND = "BackerSubscription"


def _payable(sub: BackerSubscription) -> sources.Payable:
    return sources.Payable(
        kind=KIND,
        key=str(sub.pk),
        currency=sub.currency,
        amount=sub.amount,
        accepts_payment=sub.status == SubscriptionStatus.PENDING
        and (sub.expires_at is None or sub.expires_at > timezone.now()),
    )


def find(key: str, requester) -> sources.Payable | None:
    sub = backing.subscription_for(requester, key)
    if sub is None:
        return None
    if backing.expire_subscription(sub.pk):
        sub.refresh_from_db()
    return _payable(sub)


def lock(key: str) -> sources.Payable | None:
    try:
        pk = int(key)
    except (TypeError, ValueError):
        return None
    sub = BackerSubscription.objects.select_for_update().filter(pk=pk).first()
    return _payable(sub) if sub is not None else None


def paid(key: str, _transaction) -> None:
    backing.mark_paid(int(key))


def refunded(key: str, _transaction) -> None:
    backing.mark_refunded(int(key))


def register() -> None:
    sources.register(
        sources.PayableKind(kind=KIND, find=find, lock=lock, paid=paid, refunded=refunded),
        codes=("NOT_FOUND",),
    )
