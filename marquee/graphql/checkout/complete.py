"""checkoutComplete: validation, payment check, order, stock - one transaction.

The mutation only translates arguments and results; the rules live in
`marquee.merch.orders.placement` (who may complete, the lock, the
transaction, and who sees the order unmasked).
"""

import graphene

from marquee.merch.orders.placement import complete_checkout

from ..core.idempotency import idempotency_key as request_key
from ..core.mutations import errors_field
from ..orders.types import Order, OrderView
from ..payments.scalars import JSON
from .errors import CheckoutError
from .ids import decode_uuid_id
from .mutations import CheckoutMutation


class CheckoutComplete(CheckoutMutation):
    # `complete_checkout` is one transaction of its own; no request transaction around it.
    owns_transactions = True

    class Arguments:
        id = graphene.ID(description="Checkout ID.")
        payment_data = JSON(description="Accepted for compatibility; transactions pay instead.")
        redirect_url = graphene.String()
        store_source = graphene.Boolean(default_value=False)
        metadata = graphene.List(graphene.NonNull(graphene.JSONString))
        customer_note = graphene.String()
        idempotency_key = graphene.String(
            description="The same key again (or the Idempotency-Key header) returns the order "
            "the first attempt placed, never a second one."
        )

    order = graphene.Field(Order)
    confirmation_needed = graphene.Boolean(required=True)
    confirmation_data = graphene.JSONString()
    errors = errors_field(CheckoutError)
    default_error_code = "INVALID"

    @classmethod
    def perform(cls, root, info, id=None, customer_note=None, idempotency_key=None, **_unused):
        token = decode_uuid_id(id, "Checkout", "id")
        placed = complete_checkout(
            token,
            user=info.context.user,
            customer_note=customer_note,
            idempotency_key=request_key(info, idempotency_key),
        )
        return cls(
            order=OrderView(placed.order, placed.full_access),
            confirmation_needed=False,
            confirmation_data=None,
            errors=[],
        )

    @classmethod
    def failure(cls, details):
        payload = super().failure(details)
        payload.confirmation_needed = False
        return payload
