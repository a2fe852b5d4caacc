"""The GraphQL schema: Saleor's storefront API plus Marquee's film types."""

import graphene

from .accounts.schema import AccountsMutations, AccountsQueries
from .checkout.schema import CheckoutMutations, CheckoutQueries
from .core.directives import DIRECTIVES
from .drops.schema import DropMutations, DropQueries
from .films.schema import FilmQueries
from .licensing.schema import LicensingMutations, LicensingQueries
from .members.schema import MembersMutations, MembersQueries
from .merch.schema import MerchQueries
from .merch.types.attributes import ALL_ASSIGNED_TYPES
from .metadata.schema import MetadataMutations
from .orders.schema import OrdersMutations, OrdersQueries
from .payments.schema import PaymentsMutations, PaymentsQueries
from .royalties.schema import RoyaltyMutations, RoyaltyQueries
from .shop.schema import ShopQueries


class Query(
    MerchQueries,
    FilmQueries,
    ShopQueries,
    AccountsQueries,
    CheckoutQueries,
    OrdersQueries,
    PaymentsQueries,
    LicensingQueries,
    RoyaltyQueries,
    MembersQueries,
    DropQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    AccountsMutations,
    CheckoutMutations,
    OrdersMutations,
    PaymentsMutations,
    LicensingMutations,
    RoyaltyMutations,
    MembersMutations,
    MetadataMutations,
    DropMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(
    query=Query,
    mutation=Mutation if Mutation._meta.fields else None,
    types=ALL_ASSIGNED_TYPES,
    directives=DIRECTIVES,
)
