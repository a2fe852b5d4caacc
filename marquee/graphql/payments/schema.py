import graphene


class PaymentsQueries(graphene.ObjectType):
    pass


class PaymentsMutations(graphene.ObjectType):
    pass
