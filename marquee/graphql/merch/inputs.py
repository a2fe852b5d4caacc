"""Saleor's product filter, where and sort inputs."""

import graphene

from ..core.descriptions import deprecated_input
from ..core.types import OrderDirection


class StockAvailability(graphene.Enum):
    IN_STOCK = "IN_STOCK"
    OUT_OF_STOCK = "OUT_OF_STOCK"


class PriceRangeInput(graphene.InputObjectType):
    gte = graphene.Float()
    lte = graphene.Float()


class DecimalRangeInput(graphene.InputObjectType):
    gte = graphene.Decimal()
    lte = graphene.Decimal()


class DecimalFilterInput(graphene.InputObjectType):
    eq = graphene.Decimal()
    one_of = graphene.List(graphene.NonNull(graphene.Decimal))
    range = graphene.Field(DecimalRangeInput)


class StringFilterInput(graphene.InputObjectType):
    eq = graphene.String()
    one_of = graphene.List(graphene.NonNull(graphene.String))


class GlobalIDFilterInput(graphene.InputObjectType):
    eq = graphene.ID()
    one_of = graphene.List(graphene.NonNull(graphene.ID))


class AttributeInput(graphene.InputObjectType):
    slug = graphene.String(required=True)
    values = graphene.List(graphene.NonNull(graphene.String))
    boolean = graphene.Boolean()


class ProductFilterInput(graphene.InputObjectType):
    is_published = graphene.Boolean()
    collections = graphene.List(graphene.NonNull(graphene.ID))
    categories = graphene.List(graphene.NonNull(graphene.ID))
    has_category = graphene.Boolean()
    attributes = graphene.List(graphene.NonNull(AttributeInput))
    stock_availability = graphene.Argument(StockAvailability)
    search = graphene.String()
    is_available = graphene.Boolean()
    is_visible_in_listing = graphene.Boolean()
    price = graphene.Field(PriceRangeInput)
    minimal_price = graphene.Field(PriceRangeInput)
    product_types = graphene.List(graphene.NonNull(graphene.ID))
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))
    films = graphene.List(
        graphene.NonNull(graphene.ID), description="Marquee: products derived from these films."
    )


class ProductWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    name = graphene.Field(StringFilterInput)
    slug = graphene.Field(StringFilterInput)
    product_type = graphene.Field(GlobalIDFilterInput)
    category = graphene.Field(GlobalIDFilterInput)
    collection = graphene.Field(GlobalIDFilterInput)
    film = graphene.Field(
        GlobalIDFilterInput, description="Marquee: the film products derive from."
    )
    is_available = graphene.Boolean()
    is_published = graphene.Boolean()
    is_visible_in_listing = graphene.Boolean()
    has_category = graphene.Boolean()
    price = graphene.Field(DecimalFilterInput)
    minimal_price = graphene.Field(DecimalFilterInput)
    attributes = graphene.List(graphene.NonNull(AttributeInput))
    stock_availability = graphene.Argument(StockAvailability)
    AND = graphene.List(graphene.NonNull(lambda: ProductWhereInput), name="AND")
    OR = graphene.List(graphene.NonNull(lambda: ProductWhereInput), name="OR")


class ProductOrderField(graphene.Enum):
    NAME = "name"
    RANK = "rank"
    PRICE = "price"
    MINIMAL_PRICE = "minimal_price"
    LAST_MODIFIED = "last_modified"
    DATE = "date"
    TYPE = "type"
    PUBLISHED = "published"
    PUBLICATION_DATE = "publication_date"
    PUBLISHED_AT = "published_at"
    LAST_MODIFIED_AT = "last_modified_at"
    RATING = "rating"
    CREATED_AT = "created_at"
    COLLECTION = "collection"


class ProductOrder(graphene.InputObjectType):
    direction = graphene.Argument(OrderDirection, required=True)
    attribute_id = graphene.ID()
    field = graphene.Argument(ProductOrderField)
    channel = graphene.String(
        description=deprecated_input(
            "Specifies the channel in which to sort the data.",
            "Use root-level channel argument instead.",
        )
    )
