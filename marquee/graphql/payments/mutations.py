"""paymentGatewayInitialize, transactionInitialize and transactionProcess (Saleor's API)."""

import graphene

from marquee.core.exceptions import DomainError
from marquee.merch.models import Checkout, Order
from marquee.merch.payments import services
from marquee.merch.payments.gateways import GATEWAYS, enabled_gateways

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


def payment_source(info, global_id, *, lock: bool = False) -> Checkout | Order:
    """The checkout or order a payment is for, from its global ID (the domain decides access)."""
    type_name, value = parse_uuid(global_id)
    found = None
    if value is not None:
        found = services.payment_source(type_name, value, info.context.user, lock=lock)
    if found is None:
        raise DomainError.single(
            "NOT_FOUND", f"No checkout or order with ID {global_id!r}.", field="id"
        )
    return found


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
        source = payment_source(info, id)
        amount = services.requested_amount(source, amount)
        requested = [g["id"] for g in payment_gateways or []] or [g.id for g in enabled_gateways()]
        configs = []
        for gateway_id in requested:
            gateway = GATEWAYS.get(gateway_id)
            if gateway is None or not gateway.is_enabled():
                configs.append(
                    PaymentGatewayConfig(
                        id=gateway_id,
                        data=None,
                        errors=[
                            PaymentGatewayConfigError(
                                field="id",
                                code="NOT_FOUND",
                                message=f"Payment gateway {gateway_id!r} is not available.",
                            )
                        ],
                    )
                )
                continue
            configs.append(
                PaymentGatewayConfig(
                    id=gateway.id,
                    data=gateway.config(currency=source.currency, amount=amount),
                    errors=[],
                )
            )
        return cls(gateway_configs=configs, errors=[])


class TransactionInitialize(BaseMutation):
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
        source = payment_source(info, id, lock=True)
        action = getattr(action, "value", action) or "CHARGE"
        done = services.initialize_transaction(
            source,
            gateway_id=payment_gateway["id"],
            action=action,
            amount=amount,
            data=payment_gateway.get("data") or {},
            idempotency_key=idempotency_key,
        )
        return cls(
            transaction=done.transaction,
            transaction_event=done.result.event,
            data=done.result.data,
            errors=[],
        )


class TransactionProcess(BaseMutation):
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
        item = None
        if type_name == "TransactionItem" and token is not None:
            item = services.transaction_for(token, info.context.user)
        if item is None:
            raise DomainError.single("NOT_FOUND", f"No transaction with ID {id!r}.", field="id")
        result = services.process_transaction(item, data)
        return cls(transaction=item, transaction_event=result.event, data=result.data, errors=[])


__all__ = [
    "PaymentGatewayInitialize",
    "TransactionInitialize",
    "TransactionProcess",
]
