import graphene


class AccountsQueries(graphene.ObjectType):
    pass


class AccountsMutations(graphene.ObjectType):
    pass
