import graphene

from .mutations import PaymentGatewayInitialize, TransactionInitialize, TransactionProcess


class PaymentsQueries(graphene.ObjectType):
    pass


class PaymentsMutations(graphene.ObjectType):
    payment_gateway_initialize = PaymentGatewayInitialize.Field(
        description="Gateway configurations a storefront needs to show payment forms."
    )
    transaction_initialize = TransactionInitialize.Field(
        description="Start a payment for a checkout or an order."
    )
    transaction_process = TransactionProcess.Field(
        description="Continue a payment after the buyer acted (e.g. 3-D Secure)."
    )
