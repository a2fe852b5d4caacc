"""Checkout mutations. Each decodes its arguments and calls one service.

Arguments follow Saleor, including the deprecated `checkoutId` and `token`
beside `id`. Every refusal comes back in `errors` (CheckoutError) with a
stable code and the input field; nothing is written when a mutation fails.
"""

from __future__ import annotations

import graphene

from marquee.core.exceptions import DomainError
from marquee.merch.checkout import services, shipping
from marquee.merch.checkout.calculations import calculate
from marquee.merch.checkout.info import fetch_checkout_info
from marquee.merch.checkout.selectors import checkout_for

from ..accounts.types import AddressInput, address_input_data
from ..core.descriptions import deprecated_input
from ..core.mutations import BaseMutation, errors_field
from ..core.types import LanguageCodeEnum, language_code
from .errors import CheckoutError, DeliveryOptionsCalculateError
from .ids import decode_int_id, decode_uuid_id, line_global_id, to_global_id
from .inputs import (
    CheckoutAddressValidationRules,
    CheckoutCreateInput,
    CheckoutLineInput,
    CheckoutLineUpdateInput,
)
from .types import Checkout, Delivery, ShippingOption


def _user(info):
    user = getattr(info.context, "user", None)
    return user if user is not None and user.is_authenticated else None


def find_checkout(info, id=None, checkout_id=None, token=None):
    """The checkout named by `id` (or the deprecated `checkoutId` / `token`).

    Who may use it is `checkout_for`'s to say (the ID is the key to it).
    """
    if token is not None:
        pk = token
        field = "token"
    else:
        given = id if id is not None else checkout_id
        field = "id" if id is not None else "checkout_id"
        if given is None:
            raise DomainError.single("REQUIRED", "Give the checkout's id.", field="id")
        pk = decode_uuid_id(given, "Checkout", field)
    checkout = checkout_for(pk, _user(info))
    if checkout is None:
        raise DomainError.single("NOT_FOUND", "Checkout not found.", field=field)
    return checkout


def _address_rules(rules) -> services.AddressRules:
    rules = rules or {}
    return services.AddressRules(
        check_required_fields=rules.get("check_required_fields", True) is not False,
        check_fields_format=rules.get("check_fields_format", True) is not False,
    )


def _variant_pk(global_id, field: str) -> int:
    return decode_int_id(global_id, ("ProductVariant",), field)


def _line_inputs(lines) -> list[services.LineInput]:
    return [
        services.LineInput(
            variant_id=_variant_pk(line["variant_id"], f"lines.{index}.variant_id"),
            quantity=line["quantity"],
        )
        for index, line in enumerate(lines or [])
    ]


class CheckoutMutation(BaseMutation):
    """Shared payload (`checkout`, `errors`) and the translation of line/variant IDs in errors."""

    class Meta:
        abstract = True

    error_type_class = CheckoutError

    @classmethod
    def failure(cls, details):
        for detail in details:
            if "variants" in detail.extra:
                detail.extra["variants"] = [
                    to_global_id("ProductVariant", pk) for pk in detail.extra["variants"]
                ]
            if "lines" in detail.extra:
                detail.extra["lines"] = [line_global_id(pk) for pk in detail.extra["lines"]]
            if detail.field and detail.field.startswith(("shipping_address", "billing_address")):
                detail.extra.setdefault(
                    "address_type",
                    "SHIPPING" if detail.field.startswith("shipping") else "BILLING",
                )
        return super().failure(details)


class _Payload:
    checkout = graphene.Field(Checkout)
    errors = errors_field(CheckoutError)
    checkout_errors = graphene.NonNull(
        graphene.List(graphene.NonNull(CheckoutError)),
        deprecation_reason="Use `errors` field instead.",
    )

    @staticmethod
    def resolve_checkout_errors(root, _info):
        return root.errors or []


class CheckoutCreate(_Payload, CheckoutMutation):
    """Create a checkout in a channel, optionally with lines, email and addresses."""

    created = graphene.Boolean(deprecation_reason="Always returns `true`.")

    class Arguments:
        input = CheckoutCreateInput(required=True)

    @classmethod
    def perform(cls, _root, info, input):
        rules = input.get("validation_rules") or {}
        language = input.get("language_code")
        data = services.NewCheckout(
            channel_slug=input.get("channel"),
            lines=_line_inputs(input.get("lines")),
            email=input.get("email"),
            shipping_address=address_input_data(input["shipping_address"])
            if input.get("shipping_address") is not None
            else None,
            billing_address=address_input_data(input["billing_address"])
            if input.get("billing_address") is not None
            else None,
            language_code=language_code(language) if language is not None else None,
            shipping_rules=_address_rules(rules.get("shipping_address")),
            billing_rules=_address_rules(rules.get("billing_address")),
        )
        checkout = services.create_checkout(data, user=_user(info))
        return cls(checkout=checkout, created=True)


USE_ID = "Use `id` instead."


class _ById:
    """Saleor's ways to name the checkout: `id`, or the deprecated `checkoutId` / `token`."""

    id = graphene.ID(description="ID of the checkout.")
    checkout_id = graphene.ID(description=deprecated_input("The ID of the checkout.", USE_ID))
    token = graphene.UUID(description=deprecated_input("Checkout token.", USE_ID))


class CheckoutLinesAdd(_Payload, CheckoutMutation):
    """Add lines; a variant already in the checkout has its quantity increased."""

    class Arguments(_ById):
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    @classmethod
    def perform(cls, _root, info, lines, **ids):
        checkout = find_checkout(info, **ids)
        return cls(checkout=services.add_lines(checkout, _line_inputs(lines), _user(info)))


def _line_updates(lines) -> list[services.LineUpdate]:
    updates = []
    for index, line in enumerate(lines or []):
        quantity = line.get("quantity")
        if quantity is None:
            raise DomainError.single(
                "REQUIRED", "Quantity is required.", field=f"lines.{index}.quantity"
            )
        line_id = variant_id = None
        if line.get("line_id") is not None:
            line_id = decode_uuid_id(line["line_id"], "CheckoutLine", f"lines.{index}.line_id")
        elif line.get("variant_id") is not None:
            variant_id = _variant_pk(line["variant_id"], f"lines.{index}.variant_id")
        updates.append(
            services.LineUpdate(quantity=quantity, line_id=line_id, variant_id=variant_id)
        )
    return updates


class CheckoutLinesUpdate(_Payload, CheckoutMutation):
    """Set line quantities by line (or variant) ID; quantity 0 removes the line."""

    class Arguments(_ById):
        lines = graphene.List(graphene.NonNull(CheckoutLineUpdateInput), required=True)

    @classmethod
    def perform(cls, _root, info, lines, **ids):
        checkout = find_checkout(info, **ids)
        return cls(checkout=services.update_lines(checkout, _line_updates(lines), _user(info)))


class CheckoutLinesDelete(CheckoutMutation):
    checkout = graphene.Field(Checkout)
    errors = errors_field(CheckoutError)

    class Arguments:
        id = graphene.ID(description="ID of the checkout.")
        token = graphene.UUID(description=deprecated_input("Checkout token.", USE_ID))
        lines_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    @classmethod
    def perform(cls, _root, info, lines_ids, **ids):
        checkout = find_checkout(info, **ids)
        line_ids = [decode_uuid_id(gid, "CheckoutLine", "lines_ids") for gid in lines_ids]
        return cls(checkout=services.delete_lines(checkout, line_ids))


class CheckoutLineDelete(_Payload, CheckoutMutation):
    """Saleor's older single-line delete, which Saleor's storefront still calls."""

    class Arguments(_ById):
        line_id = graphene.ID()

    @classmethod
    def perform(cls, _root, info, line_id=None, **ids):
        checkout = find_checkout(info, **ids)
        if line_id is None:
            raise DomainError.single("REQUIRED", "Give the line's ID.", field="line_id")
        pk = decode_uuid_id(line_id, "CheckoutLine", "line_id")
        return cls(checkout=services.delete_lines(checkout, [pk]))


class CheckoutEmailUpdate(_Payload, CheckoutMutation):
    class Arguments(_ById):
        email = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, info, email, **ids):
        checkout = find_checkout(info, **ids)
        return cls(checkout=services.update_email(checkout, email))


class CheckoutShippingAddressUpdate(_Payload, CheckoutMutation):
    """Set the shipping address; a shipping method that no longer applies is cleared."""

    class Arguments:
        id = graphene.ID(description="ID of the checkout.")
        token = graphene.UUID(description=deprecated_input("Checkout token.", USE_ID))
        shipping_address = AddressInput(required=True)
        save_address = graphene.Boolean(default_value=True, description="Accepted as in Saleor.")
        validation_rules = CheckoutAddressValidationRules()

    @classmethod
    def perform(cls, _root, info, shipping_address, validation_rules=None, **kwargs):
        kwargs.pop("save_address", None)
        checkout = find_checkout(info, **kwargs)
        checkout = services.update_shipping_address(
            checkout, address_input_data(shipping_address), _address_rules(validation_rules)
        )
        return cls(checkout=checkout)


class CheckoutBillingAddressUpdate(_Payload, CheckoutMutation):
    class Arguments:
        id = graphene.ID(description="ID of the checkout.")
        token = graphene.UUID(description=deprecated_input("Checkout token.", USE_ID))
        billing_address = AddressInput(required=True)
        save_address = graphene.Boolean(default_value=True, description="Accepted as in Saleor.")
        validation_rules = CheckoutAddressValidationRules()

    @classmethod
    def perform(cls, _root, info, billing_address, validation_rules=None, **kwargs):
        kwargs.pop("save_address", None)
        checkout = find_checkout(info, **kwargs)
        checkout = services.update_billing_address(
            checkout, address_input_data(billing_address), _address_rules(validation_rules)
        )
        return cls(checkout=checkout)


def _method_pk(global_id, field):
    # A Delivery ID (from `Checkout.delivery` / deliveryOptionsCalculate) names the same method.
    return decode_int_id(global_id, ("ShippingMethod", "Delivery"), field)


class CheckoutDeliveryMethodUpdate(CheckoutMutation):
    """Choose the shipping method (ID of a ShippingMethod or Delivery); null clears it."""

    checkout = graphene.Field(Checkout)
    errors = errors_field(CheckoutError)

    class Arguments:
        id = graphene.ID(description="ID of the checkout.")
        token = graphene.UUID(description=deprecated_input("Checkout token.", USE_ID))
        delivery_method_id = graphene.ID()

    @classmethod
    def perform(cls, _root, info, delivery_method_id=None, **ids):
        checkout = find_checkout(info, **ids)
        method = (
            None
            if delivery_method_id is None
            else _method_pk(delivery_method_id, "delivery_method_id")
        )
        return cls(checkout=services.set_delivery_method(checkout, method))


class CheckoutShippingMethodUpdate(_Payload, CheckoutMutation):
    class Arguments(_ById):
        shipping_method_id = graphene.ID()

    class Meta:
        deprecation_reason = "Use `checkoutDeliveryMethodUpdate` instead."

    @classmethod
    def perform(cls, _root, info, shipping_method_id=None, **ids):
        checkout = find_checkout(info, **ids)
        method = (
            None
            if shipping_method_id is None
            else _method_pk(shipping_method_id, "shipping_method_id")
        )
        checkout = services.set_delivery_method(
            checkout,
            method,
            field_name="shipping_method_id",
            code="SHIPPING_METHOD_NOT_APPLICABLE",
        )
        return cls(checkout=checkout)


class CheckoutAddPromoCode(_Payload, CheckoutMutation):
    class Arguments(_ById):
        promo_code = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, info, promo_code, **ids):
        checkout = find_checkout(info, **ids)
        return cls(checkout=services.add_promo_code(checkout, promo_code))


class CheckoutRemovePromoCode(_Payload, CheckoutMutation):
    class Arguments(_ById):
        promo_code = graphene.String()
        promo_code_id = graphene.ID()

    @classmethod
    def perform(cls, _root, info, promo_code=None, promo_code_id=None, **ids):
        checkout = find_checkout(info, **ids)
        if not promo_code and promo_code_id is None:
            raise DomainError.single(
                "REQUIRED", "Give promoCode or promoCodeId.", field="promo_code"
            )
        voucher_id = (
            None
            if promo_code_id is None
            else decode_int_id(promo_code_id, ("Voucher",), "promo_code_id")
        )
        return cls(checkout=services.remove_promo_code(checkout, promo_code, voucher_id))


class CheckoutCustomerAttach(_Payload, CheckoutMutation):
    """Attach the checkout to the signed-in customer (their email becomes its email)."""

    class Arguments(_ById):
        customer_id = graphene.ID(description="Accepted as in Saleor; only your own ID.")

    @classmethod
    def perform(cls, _root, info, customer_id=None, **ids):
        customer_pk = (
            None if customer_id is None else decode_int_id(customer_id, ("User",), "customer_id")
        )
        if _user(info) is None:
            raise DomainError.single("INVALID", "Sign in to attach the checkout to your account.")
        checkout = find_checkout(info, **ids)
        return cls(checkout=services.attach_customer(checkout, _user(info), customer_pk))


class CheckoutCustomerDetach(_Payload, CheckoutMutation):
    """Detach the checkout from the signed-in customer, who must be the one attached."""

    class Arguments(_ById):
        pass

    @classmethod
    def perform(cls, _root, info, **ids):
        if _user(info) is None:
            raise DomainError.single("INVALID", "Sign in to detach the checkout.")
        checkout = find_checkout(info, **ids)
        return cls(checkout=services.detach_customer(checkout, _user(info)))


class CheckoutLanguageCodeUpdate(_Payload, CheckoutMutation):
    class Arguments(_ById):
        language_code = graphene.Argument(LanguageCodeEnum, required=True)

    @classmethod
    def perform(cls, _root, info, language_code, **ids):
        from ..core.types import language_code as to_code

        checkout = find_checkout(info, **ids)
        return cls(checkout=services.update_language_code(checkout, to_code(language_code)))


class DeliveryOptionsCalculate(BaseMutation):
    """The delivery options of a checkout now (Saleor runs shipping webhooks here)."""

    error_type_class = DeliveryOptionsCalculateError
    deliveries = graphene.NonNull(graphene.List(graphene.NonNull(Delivery)))
    errors = errors_field(DeliveryOptionsCalculateError)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, _root, info, id):
        checkout = find_checkout(info, id=id)
        checkout_info = fetch_checkout_info(checkout)
        listings = shipping.available_listings(checkout_info, calculate(checkout_info))
        return cls(deliveries=[ShippingOption(listing) for listing in listings], errors=[])

    @classmethod
    def failure(cls, details):
        payload = super().failure(details)
        payload.deliveries = []
        return payload


__all__ = [
    "CheckoutAddPromoCode",
    "CheckoutBillingAddressUpdate",
    "CheckoutCreate",
    "CheckoutCustomerAttach",
    "CheckoutCustomerDetach",
    "CheckoutDeliveryMethodUpdate",
    "CheckoutEmailUpdate",
    "CheckoutLanguageCodeUpdate",
    "CheckoutLineDelete",
    "CheckoutLinesAdd",
    "CheckoutLinesDelete",
    "CheckoutLinesUpdate",
    "CheckoutRemovePromoCode",
    "CheckoutShippingAddressUpdate",
    "CheckoutShippingMethodUpdate",
    "DeliveryOptionsCalculate",
    "find_checkout",
]
