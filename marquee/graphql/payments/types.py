"""Saleor's transaction API types."""

import graphene
from graphene import relay

from marquee.merch.payments.gateways.base import Gateway
from marquee.merch.pricing import quantize_price

from ..core.money import Money
from .dataloaders import EventsByTransactionIdLoader
from .scalars import JSON


class TransactionFlowStrategyEnum(graphene.Enum):
    AUTHORIZATION = "AUTHORIZATION"
    CHARGE = "CHARGE"


class TransactionActionEnum(graphene.Enum):
    CHARGE = "CHARGE"
    REFUND = "REFUND"
    CANCEL = "CANCEL"


TransactionEventTypeEnum = graphene.Enum(
    "TransactionEventTypeEnum",
    [
        (name, name)
        for name in (
            "AUTHORIZATION_SUCCESS",
            "AUTHORIZATION_FAILURE",
            "AUTHORIZATION_ADJUSTMENT",
            "AUTHORIZATION_REQUEST",
            "AUTHORIZATION_ACTION_REQUIRED",
            "CHARGE_ACTION_REQUIRED",
            "CHARGE_SUCCESS",
            "CHARGE_FAILURE",
            "CHARGE_BACK",
            "CHARGE_REQUEST",
            "REFUND_SUCCESS",
            "REFUND_FAILURE",
            "REFUND_REVERSE",
            "REFUND_REQUEST",
            "CANCEL_SUCCESS",
            "CANCEL_FAILURE",
            "CANCEL_REQUEST",
            "INFO",
        )
    ],
)


def _money(amount, currency):
    return quantize_price(amount, currency)


class TransactionEvent(graphene.ObjectType):
    created_at = graphene.DateTime(required=True)
    psp_reference = graphene.String(required=True)
    message = graphene.String(required=True)
    external_url = graphene.String(required=True)
    amount = graphene.Field(Money, required=True)
    type = graphene.Field(TransactionEventTypeEnum)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_external_url(_root, _info):
        return ""

    @staticmethod
    def resolve_amount(root, _info):
        return _money(root.amount_value, root.currency)


class TransactionItem(graphene.ObjectType):
    token = graphene.UUID(required=True)
    created_at = graphene.DateTime(required=True)
    modified_at = graphene.DateTime(required=True)
    actions = graphene.NonNull(graphene.List(graphene.NonNull(TransactionActionEnum)))
    authorized_amount = graphene.Field(Money, required=True)
    charged_amount = graphene.Field(Money, required=True)
    refunded_amount = graphene.Field(Money, required=True)
    canceled_amount = graphene.Field(Money, required=True)
    name = graphene.String(required=True)
    message = graphene.String(required=True)
    psp_reference = graphene.String(required=True)
    external_url = graphene.String(required=True)
    events = graphene.NonNull(graphene.List(graphene.NonNull(TransactionEvent)))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_id(root, _info):
        return str(root.token)

    @staticmethod
    def resolve_modified_at(root, _info):
        return root.updated_at

    @staticmethod
    def resolve_actions(root, _info):
        """What staff may still do: refund what was charged, cancel what is only authorized."""
        actions = []
        if root.authorized_value > 0:
            actions += ["CHARGE", "CANCEL"]
        if root.charged_value > 0:
            actions.append("REFUND")
        return actions

    @staticmethod
    def resolve_authorized_amount(root, _info):
        return _money(root.authorized_value, root.currency)

    @staticmethod
    def resolve_charged_amount(root, _info):
        return _money(root.charged_value, root.currency)

    @staticmethod
    def resolve_refunded_amount(root, _info):
        return _money(root.refunded_value, root.currency)

    @staticmethod
    def resolve_canceled_amount(root, _info):
        return _money(root.canceled_value, root.currency)

    @staticmethod
    def resolve_message(_root, _info):
        return ""

    @staticmethod
    def resolve_external_url(_root, _info):
        return ""

    @staticmethod
    def resolve_events(root, info):
        return EventsByTransactionIdLoader(info.context).load(root.pk)


class GatewayConfigLine(graphene.ObjectType):
    field = graphene.String(required=True)
    value = graphene.String()


class PaymentGateway(graphene.ObjectType):
    """A payment provider the storefront can offer (`Checkout.availablePaymentGateways`)."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    currencies = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))
    config = graphene.NonNull(graphene.List(graphene.NonNull(GatewayConfigLine)))

    @staticmethod
    def from_gateway(gateway: Gateway, currency: str):
        return PaymentGateway(id=gateway.id, name=gateway.name, currencies=[currency], config=[])


class PaymentGatewayConfigErrorCode(graphene.Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


class PaymentGatewayConfigError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(PaymentGatewayConfigErrorCode, required=True)


class PaymentGatewayConfig(graphene.ObjectType):
    id = graphene.String(required=True)
    data = JSON()
    errors = graphene.List(graphene.NonNull(PaymentGatewayConfigError))


class PaymentGatewayToInitialize(graphene.InputObjectType):
    id = graphene.String(required=True, description="Gateway id, e.g. marquee.payments.stripe.")
    data = JSON(description="Data for the gateway.")
