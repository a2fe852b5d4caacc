"""A schema for the tests of the rate-limit mechanism: the shop's, plus three demonstrations.

`demoPing` declares the drop limits (per IP and per account) the way a drop
mutation does; `demoJoin` takes a waiting-room ticket (UNAVAILABLE when the
store is down); `demoTicket` is a query whose resolver lets the store's
error through. Served by `rate_limited_urls` (in-process tests) and by
gunicorn with `rate_limited_settings`.
"""

import graphene

from marquee.core import admission
from marquee.graphql.api import ALL_ASSIGNED_TYPES, DIRECTIVES
from marquee.graphql.api import Mutation as ShopMutation
from marquee.graphql.api import Query as ShopQuery
from marquee.graphql.core.mutations import BaseMutation, error_type, errors_field
from marquee.graphql.core.rate_limits import RateLimit


class DemoErrorCode(graphene.Enum):
    INVALID = "INVALID"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"


DemoError = error_type("DemoError", DemoErrorCode)


class DemoPing(BaseMutation):
    class Arguments:
        note = graphene.String()

    ok = graphene.Boolean()
    errors = errors_field(DemoError)

    error_type_class = DemoError
    rate_limits = RateLimit.per_ip_and_account(
        "demo",
        ip="DROP_RATE_LIMIT_PER_IP",
        account="DROP_RATE_LIMIT_PER_ACCOUNT",
        window="DROP_RATE_LIMIT_WINDOW_SECONDS",
    )

    @classmethod
    def perform(cls, root, info, note=None):
        return cls(ok=True)


class DemoJoin(BaseMutation):
    class Arguments:
        room = graphene.String(required=True)

    number = graphene.Int()
    errors = errors_field(DemoError)

    error_type_class = DemoError

    @classmethod
    def perform(cls, root, info, room):
        return cls(number=admission.join(room, rate=1.0, burst=1).number)


class Query(ShopQuery):
    demo_sold_out = graphene.Boolean(room=graphene.String(required=True))

    @staticmethod
    def resolve_demo_sold_out(root, info, room):
        return admission.is_sold_out(room)


class Mutation(ShopMutation):
    demo_ping = DemoPing.Field()
    demo_join = DemoJoin.Field()


schema = graphene.Schema(
    query=Query, mutation=Mutation, types=ALL_ASSIGNED_TYPES, directives=DIRECTIVES
)
