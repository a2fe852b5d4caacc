"""paymentGatewayInitialize, transactionInitialize and transactionProcess (Saleor's API)."""

import binascii

import graphene
from graphql_relay import from_global_id

from marquee.core.exceptions import DomainError
from marquee.merch.payments import access, services

from ..core.idempotency import idempotency_key as request_key
from ..core.mutations import BaseMutation, error_type, errors_field
from ..orders.ids import parse_uuid
from .scalars import JSON, PositiveDecimal
from .types import (
    PaymentGatewayConfig,
    PaymentGatewayConfigError,
    PaymentGatewayToInitialize,
    TransactionEvent,
    TransactionFlowStrategyEnum,
)
from .types import (
    TransactionItem as TransactionItemType,
)


def _codes(name, codes):
    return graphene.Enum(name, [(c, c) for c in codes])


PaymentGatewayInitializeError = error_type(
    "PaymentGatewayInitializeError",
    _codes("PaymentGatewayInitializeErrorCode", ["GRAPHQL_ERROR", "INVALID", "NOT_FOUND"]),
)
TransactionInitializeError = error_type(
    "TransactionInitializeError",
    _codes(
        "TransactionInitializeErrorCode",
        ["GRAPHQL_ERROR", "INVALID", "NOT_FOUND", "UNIQUE", "CHECKOUT_COMPLETION_IN_PROGRESS"],
    ),
)
TransactionProcessError = error_type(
    "TransactionProcessError",
    _codes(
        "TransactionProcessErrorCode",
        [
            "GRAPHQL_ERROR",
            "INVALID",
            "NOT_FOUND",
            "TRANSACTION_ALREADY_PROCESSED",
            "MISSING_PAYMENT_APP_RELATION",
            "MISSING_PAYMENT_APP",
            "CHECKOUT_COMPLETION_IN_PROGRESS",
        ],
    ),
)


def _source_ref(global_id):
    """(kind, key) of a payable global ID; the domain decides who may reach it.

    Checkouts and orders are keyed by UUIDs; a registered kind (payments.sources)
    gets the ID's raw value and judges it itself.
    """
    type_name, value = parse_uuid(global_id)
    if type_name in access.KINDS:
        return type_name, value
    try:
        type_name, raw = from_global_id(str(global_id))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        return "", None
    return (type_name, raw) if access.is_kind(type_name) and raw else (type_name, None)


def _requester(info):
    return getattr(info.context, "user", None)


class PaymentGatewayInitialize(BaseMutation):
    class Arguments:
        id = graphene.ID(required=True, description="Checkout or order ID.")
        amount = PositiveDecimal()
        payment_gateways = graphene.List(graphene.NonNull(PaymentGatewayToInitialize))

    gateway_configs = graphene.List(graphene.NonNull(PaymentGatewayConfig))
    errors = errors_field(PaymentGatewayInitializeError)
    error_type_class = PaymentGatewayInitializeError

    @classmethod
    def perform(cls, root, info, id, amount=None, payment_gateways=None):
        kind, key = _source_ref(id)
        configs = services.gateway_configs(
            kind,
            key,
            _requester(info),
            amount=amount,
            gateway_ids=[g["id"] for g in payment_gateways or []],
            shown_id=id,
        )
        return cls(
            gateway_configs=[
                PaymentGatewayConfig(
                    id=config.id,
                    data=config.data,
                    errors=[]
                    if config.error is None
                    else [
                        PaymentGatewayConfigError(
                            field="id", code="NOT_FOUND", message=config.error
                        )
                    ],
                )
                for config in configs
            ],
            errors=[],
        )


class TransactionInitialize(BaseMutation):
    """Runs its own transactions: the provider is called with no lock and no transaction open."""

    owns_transactions = True

    class Arguments:
        id = graphene.ID(required=True, description="Checkout or order ID.")
        action = graphene.Argument(TransactionFlowStrategyEnum)
        amount = PositiveDecimal(description="Defaults to what is still to pay.")
        payment_gateway = PaymentGatewayToInitialize(required=True)
        idempotency_key = graphene.String(
            description="The same key returns the same transaction instead of a new one."
        )

    transaction = graphene.Field(TransactionItemType)
    transaction_event = graphene.Field(TransactionEvent)
    data = JSON()
    errors = errors_field(TransactionInitializeError)
    error_type_class = TransactionInitializeError

    @classmethod
    def perform(
        cls, root, info, id, payment_gateway, action=None, amount=None, idempotency_key=None
    ):
        kind, key = _source_ref(id)
        done = services.start_payment(
            kind,
            key,
            _requester(info),
            shown_id=id,
            gateway_id=payment_gateway["id"],
            action=getattr(action, "value", action) or "CHARGE",
            amount=amount,
            data=payment_gateway.get("data"),
            idempotency_key=request_key(info, idempotency_key),
        )
        return cls(
            transaction=done.transaction,
            transaction_event=done.result.event,
            data=done.result.data,
            errors=[],
        )


class TransactionProcess(BaseMutation):
    """Runs its own transactions: the provider is asked with no lock and no transaction open."""

    owns_transactions = True

    class Arguments:
        id = graphene.ID(required=True, description="Transaction ID.")
        data = JSON()

    transaction = graphene.Field(TransactionItemType)
    transaction_event = graphene.Field(TransactionEvent)
    data = JSON()
    errors = errors_field(TransactionProcessError)
    error_type_class = TransactionProcessError

    @classmethod
    def perform(cls, root, info, id, data=None):
        type_name, token = parse_uuid(id)
        if type_name != "TransactionItem" or token is None:
            raise DomainError.single("NOT_FOUND", f"No transaction with ID {id!r}.", field="id")
        item, result = services.process_transaction(token, _requester(info), data, shown_id=id)
        return cls(transaction=item, transaction_event=result.event, data=result.data, errors=[])


__all__ = [
    "PaymentGatewayInitialize",
    "TransactionInitialize",
    "TransactionProcess",
]
