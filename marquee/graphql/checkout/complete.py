"""checkoutComplete: validation, payment check, order, stock - one transaction.

The mutation only translates arguments and results; the rules live in
`marquee.merch.orders.placement`.
"""

import graphene
from graphql_relay import to_global_id

from marquee.merch.orders.placement import complete_checkout

from ..core.mutations import BaseMutation, errors_field
from ..orders.types import Order, OrderView
from ..payments.scalars import JSON
from .errors import CheckoutError
from .ids import decode_uuid_id


class CheckoutComplete(BaseMutation):
    class Arguments:
        id = graphene.ID(description="Checkout ID.")
        payment_data = JSON(description="Accepted for compatibility; transactions pay instead.")
        redirect_url = graphene.String()
        store_source = graphene.Boolean(default_value=False)
        metadata = graphene.List(graphene.NonNull(graphene.JSONString))
        customer_note = graphene.String()

    order = graphene.Field(Order)
    confirmation_needed = graphene.Boolean(required=True)
    confirmation_data = graphene.JSONString()
    errors = errors_field(CheckoutError)
    error_type_class = CheckoutError
    default_error_code = "INVALID"

    @classmethod
    def perform(cls, root, info, id=None, customer_note=None, **_unused):
        token = decode_uuid_id(id, "Checkout", "id")
        placed = complete_checkout(token, user=info.context.user, customer_note=customer_note)
        return cls(
            order=OrderView(placed.order, True),
            confirmation_needed=False,
            confirmation_data=None,
            errors=[],
        )

    @classmethod
    def failure(cls, details):
        for detail in details:
            if "variants" in detail.extra:
                detail.extra["variants"] = [
                    to_global_id("ProductVariant", pk) for pk in detail.extra["variants"]
                ]
            if "lines" in detail.extra:
                detail.extra["lines"] = [
                    to_global_id("CheckoutLine", pk) for pk in detail.extra["lines"]
                ]
        payload = super().failure(details)
        payload.confirmation_needed = False
        return payload
