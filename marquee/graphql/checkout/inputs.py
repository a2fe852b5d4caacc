"""Checkout inputs, as Saleor names them."""

import graphene

from ..accounts.types import AddressInput
from ..core.descriptions import deprecated_input
from ..core.types import LanguageCodeEnum


class CheckoutLineInput(graphene.InputObjectType):
    quantity = graphene.Int(required=True, description="The number of items purchased.")
    variant_id = graphene.ID(required=True, description="ID of the product variant.")
    force_new_line = graphene.Boolean(
        default_value=False, description="Accepted as in Saleor; lines are always merged."
    )


class CheckoutLineUpdateInput(graphene.InputObjectType):
    variant_id = graphene.ID(
        description=deprecated_input("ID of the product variant.", "Use `lineId` instead.")
    )
    quantity = graphene.Int(description="The new quantity; 0 removes the line.")
    line_id = graphene.ID(description="ID of the checkout line.")


class CheckoutAddressValidationRules(graphene.InputObjectType):
    check_required_fields = graphene.Boolean(default_value=True)
    check_fields_format = graphene.Boolean(default_value=True)
    enable_fields_normalization = graphene.Boolean(default_value=True)


class CheckoutValidationRules(graphene.InputObjectType):
    shipping_address = graphene.Field(CheckoutAddressValidationRules)
    billing_address = graphene.Field(CheckoutAddressValidationRules)


class CheckoutCreateInput(graphene.InputObjectType):
    channel = graphene.String(description="Slug of the channel the checkout sells in.")
    lines = graphene.List(graphene.NonNull(CheckoutLineInput))
    email = graphene.String()
    save_shipping_address = graphene.Boolean(description="Accepted as in Saleor.")
    shipping_address = graphene.Field(AddressInput)
    save_billing_address = graphene.Boolean(description="Accepted as in Saleor.")
    billing_address = graphene.Field(AddressInput)
    language_code = graphene.Field(LanguageCodeEnum)
    validation_rules = graphene.Field(CheckoutValidationRules)
