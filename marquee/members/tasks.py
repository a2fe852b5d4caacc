"""Celery tasks of the members domain (eager in-process without a broker)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger("marquee.members.tasks")


@shared_task
def expire_overdue_subscriptions() -> int:
    """Beat: unpaid subscriptions past their time give their units back."""
    from .services import backing

    expired = backing.expire_overdue()
    if expired:
        logger.info("expired %s unpaid backer subscription(s)", expired)
    return expired


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def refund_subscription_payment(subscription_pk: int) -> str:
    """Give back a payment that came for a subscription whose units are gone.

    It is never turned into units beyond the programme's total; the refund
    goes through the gateway that took it (idempotently), and the
    transaction's events record both the charge and the refund.
    """
    from marquee.merch.payments import services as payments

    from .services.payables import KIND

    amount = payments.refund_source(KIND, str(subscription_pk))
    logger.warning("refunded %s for ended backer subscription %s", amount, subscription_pk)
    return str(amount)


@shared_task
def draw_closed_lotteries() -> int:
    """Beat: meet-and-greet lotteries whose entries have closed are drawn, once each."""
    from .services import lottery

    drawn = lottery.draw_due()
    for draw in drawn:
        logger.info("drew lottery %s: %s winner(s)", draw.perk_id, len(draw.winners))
    return len(drawn)
