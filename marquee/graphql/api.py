"""The GraphQL schema: Saleor's storefront API plus Marquee's film types."""

import graphene

from .films.schema import FilmQueries
from .merch.schema import MerchQueries
from .merch.types.attributes import ALL_ASSIGNED_TYPES
from .shop.schema import ShopQueries


class Query(MerchQueries, FilmQueries, ShopQueries, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, types=ALL_ASSIGNED_TYPES)
