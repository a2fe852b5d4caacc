"""Film data on the storefront API: what merchandise derives from."""

import graphene
from graphene import relay

from ..core.money import Money
from ..core.types import (
    CountableConnection,
    Image,
    ThumbnailFormatEnum,
    absolute_url,
    connection_field,
)
from ..merch.thumbnails import image_url
from . import dataloaders as loaders


class CreditRoleEnum(graphene.Enum):
    DIRECTOR = "director"
    CAST = "cast"
    WRITER = "writer"
    PRODUCER = "producer"
    COMPOSER = "composer"


class Genre(graphene.ObjectType):
    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    name_zh = graphene.String()


class Person(graphene.ObjectType):
    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    name_zh = graphene.String()
    name_en = graphene.String()

    class Meta:
        interfaces = (relay.Node,)


class Credit(graphene.ObjectType):
    person = graphene.Field(Person, required=True)
    role = graphene.Field(CreditRoleEnum, required=True)
    character = graphene.String()
    sort_order = graphene.Int(required=True)

    @staticmethod
    def resolve_character(root, _info):
        return root.character or None


class BoxOfficeFigure(graphene.ObjectType):
    market = graphene.String(
        required=True, description="ISO 3166 country code, or WW for the worldwide total."
    )
    gross = graphene.Field(Money, required=True, description="Cumulative gross, market currency.")
    as_of = graphene.Date(required=True)
    source = graphene.String()

    @staticmethod
    def resolve_gross(root, _info):
        from prices import Money as PricesMoney

        return PricesMoney(root.gross_amount, root.currency)

    @staticmethod
    def resolve_source(root, _info):
        return root.source or None


class Film(graphene.ObjectType):
    slug = graphene.String(required=True)
    title = graphene.String(required=True, description="Title as released in its home market.")
    title_zh = graphene.String()
    title_en = graphene.String()
    original_language = graphene.String()
    release_date = graphene.Date()
    runtime_minutes = graphene.Int()
    synopsis = graphene.String()
    genres = graphene.NonNull(graphene.List(graphene.NonNull(Genre)))
    poster = graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    )
    credits = graphene.NonNull(
        graphene.List(graphene.NonNull(Credit)), role=graphene.Argument(CreditRoleEnum)
    )
    box_office = graphene.NonNull(
        graphene.List(graphene.NonNull(BoxOfficeFigure)), market=graphene.String()
    )
    products = connection_field(
        "marquee.graphql.merch.types.products.ProductCountableConnection",
        channel=graphene.String(),
        sort_by=graphene.Argument("marquee.graphql.merch.inputs.ProductOrder"),
    )

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_title_zh(root, _info):
        return root.title_zh or None

    @staticmethod
    def resolve_title_en(root, _info):
        return root.title_en or None

    @staticmethod
    def resolve_synopsis(root, _info):
        return root.synopsis or None

    @staticmethod
    def resolve_genres(root, info):
        return loaders.GenresByFilmIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_poster(root, info, size=None, format="ORIGINAL"):
        if root.poster:
            return Image(
                url=image_url(info, "film-poster", root.pk, root.poster, size, format),
                alt=root.title,
            )
        if root.poster_url:
            return Image(url=absolute_url(info, root.poster_url), alt=root.title)
        return None

    @staticmethod
    def resolve_credits(root, info, role=None):
        from ..core.dataloaders import then

        wanted = getattr(role, "value", role)
        return then(
            loaders.CreditsByFilmIdLoader(info.context).load(root.pk),
            lambda credits: [c for c in credits if wanted is None or c.role == wanted],
        )

    @staticmethod
    def resolve_box_office(root, info, market=None):
        from ..core.dataloaders import then

        return then(
            loaders.BoxOfficeByFilmIdLoader(info.context).load(root.pk),
            lambda figures: [f for f in figures if market is None or f.market == market.upper()],
        )

    @staticmethod
    def resolve_products(root, info, channel=None, **kwargs):
        from ..merch.product_queries import resolve_product_connection

        return resolve_product_connection(
            info, channel, scope=lambda qs, _channel: qs.filter(film=root), **kwargs
        )


class FilmCountableConnection(CountableConnection):
    class Meta:
        node = Film
