"""Checkout queries and mutations (`checkoutComplete` lives with orders)."""

import graphene
from graphql import GraphQLError

from marquee.merch.checkout.selectors import checkout_for

from ..core.descriptions import deprecated_input
from ..core.errors import ErrorCode, client_error
from . import mutations
from .ids import parse_uuid_id
from .types import Checkout


class CheckoutQueries(graphene.ObjectType):
    checkout = graphene.Field(
        Checkout,
        id=graphene.ID(description="ID of the checkout."),
        token=graphene.UUID(
            description=deprecated_input("The checkout's token.", "Use `id` instead.")
        ),
        description="A checkout by its ID: whoever holds the ID may read it.",
    )

    @staticmethod
    def resolve_checkout(_root, info, id=None, token=None):
        if token is None:
            if id is None:
                raise client_error("Give the checkout's id.", ErrorCode.REQUIRED)
            token = parse_uuid_id(id, "Checkout")
            if token is None:
                raise GraphQLError(
                    f"Couldn't resolve id {id!r}: expected an ID of type Checkout.",
                    extensions={"exception": {"code": ErrorCode.INVALID_ID}},
                )
        return checkout_for(token, getattr(info.context, "user", None))


class CheckoutMutations(graphene.ObjectType):
    checkout_create = mutations.CheckoutCreate.Field()
    checkout_lines_add = mutations.CheckoutLinesAdd.Field()
    checkout_lines_update = mutations.CheckoutLinesUpdate.Field()
    checkout_lines_delete = mutations.CheckoutLinesDelete.Field()
    checkout_line_delete = mutations.CheckoutLineDelete.Field(
        deprecation_reason="Use `checkoutLinesDelete` instead."
    )
    checkout_email_update = mutations.CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = mutations.CheckoutShippingAddressUpdate.Field()
    checkout_billing_address_update = mutations.CheckoutBillingAddressUpdate.Field()
    checkout_delivery_method_update = mutations.CheckoutDeliveryMethodUpdate.Field()
    checkout_shipping_method_update = mutations.CheckoutShippingMethodUpdate.Field(
        deprecation_reason="Use `checkoutDeliveryMethodUpdate` instead."
    )
    checkout_add_promo_code = mutations.CheckoutAddPromoCode.Field()
    checkout_remove_promo_code = mutations.CheckoutRemovePromoCode.Field()
    checkout_customer_attach = mutations.CheckoutCustomerAttach.Field()
    checkout_customer_detach = mutations.CheckoutCustomerDetach.Field()
    checkout_language_code_update = mutations.CheckoutLanguageCodeUpdate.Field()
    delivery_options_calculate = mutations.DeliveryOptionsCalculate.Field()
