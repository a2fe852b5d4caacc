"""Reads of checkouts: who may see which checkout."""

from __future__ import annotations

import uuid

from ..models import Checkout


def checkout_for(token: uuid.UUID, user) -> Checkout | None:
    """The checkout with this token if `user` may use it.

    Anyone holding the token may use an anonymous checkout (the token is the
    secret, as in Saleor); a checkout attached to a customer is that
    customer's alone. Anything else reads as "not found", never "forbidden",
    so a token reveals nothing about checkouts one may not see.
    """
    checkout = Checkout.objects.filter(pk=token).select_related("channel").first()
    if checkout is None:
        return None
    if checkout.user_id is None:
        return checkout
    if user is not None and user.is_authenticated and user.pk == checkout.user_id:
        return checkout
    return None
