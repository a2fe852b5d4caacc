import graphene


class PerkQueries(graphene.ObjectType):
    pass


class PerkMutations(graphene.ObjectType):
    pass
