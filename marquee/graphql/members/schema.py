"""Backer programmes, memberships and perks in the API (Marquee's own types)."""

import graphene

from .perks import PerkMutations, PerkQueries
from .programmes import ProgrammeMutations, ProgrammeQueries


class MembersQueries(ProgrammeQueries, PerkQueries, graphene.ObjectType):
    pass


class MembersMutations(ProgrammeMutations, PerkMutations, graphene.ObjectType):
    pass
