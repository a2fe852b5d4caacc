import graphene


class ProgrammeQueries(graphene.ObjectType):
    pass


class ProgrammeMutations(graphene.ObjectType):
    pass
