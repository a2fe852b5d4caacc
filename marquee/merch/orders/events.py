"""The order's audit trail: one OrderEvent per status change, with who and when."""

from __future__ import annotations

from django.utils import timezone

from ..models import OrderEvent


def _actor(user):
    """Only a real account is recorded; an anonymous buyer is recorded as nobody."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def record(order, type_: str, *, user=None, **parameters) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, type=type_, user=_actor(user), date=timezone.now(), parameters=parameters
    )
