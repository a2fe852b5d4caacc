"""Building blocks shared by every domain's API types."""

import graphene
from django.conf import settings
from django.conf.global_settings import LANGUAGES
from graphene import relay

from .pagination import Page


def _language_enum_name(code: str) -> str:
    return code.replace("-", "_").upper()


LANGUAGE_CODES = {_language_enum_name(code): code for code, _ in LANGUAGES}
LanguageCodeEnum = graphene.Enum(
    "LanguageCodeEnum", [(name, name) for name in sorted(LANGUAGE_CODES)]
)


def language_code(enum_value) -> str:
    """Django's language code (`zh-hans`) for a LanguageCodeEnum value (`ZH_HANS`)."""
    name = getattr(enum_value, "value", enum_value)
    return LANGUAGE_CODES.get(name, str(name).lower().replace("_", "-"))


class OrderDirection(graphene.Enum):
    ASC = "ASC"
    DESC = "DESC"


class ThumbnailFormatEnum(graphene.Enum):
    ORIGINAL = "ORIGINAL"
    AVIF = "AVIF"
    WEBP = "WEBP"


class Image(graphene.ObjectType):
    url = graphene.String(required=True, description="The URL of the image.")
    alt = graphene.String(description="Alt text for an image.")


class File(graphene.ObjectType):
    url = graphene.String(required=True)
    content_type = graphene.String()


class CountryDisplay(graphene.ObjectType):
    code = graphene.String(required=True)
    country = graphene.String(required=True)


class LanguageDisplay(graphene.ObjectType):
    code = graphene.Field(LanguageCodeEnum, required=True)
    language = graphene.String(required=True)


class PositiveInt(graphene.Int):
    """An Int that must be positive (Saleor's PositiveInt scalar)."""

    @staticmethod
    def parse_literal(ast, _variables=None):
        value = graphene.Int.parse_literal(ast)
        return value if value is not None and value > 0 else None

    @staticmethod
    def parse_value(value):
        value = graphene.Int.parse_value(value)
        return value if value is not None and value > 0 else None


class CountableConnection(relay.Connection):
    """A relay connection with Saleor's `totalCount` and Saleor's nullability.

    Saleor declares `edges: [XCountableEdge!]!` and `node: X!`; storefront
    code generated from that schema reads `edge.node.name` without a null
    check, so a connection with nullable edges or nodes fails its type
    check. Every connection is built from a page of rows (`connection_from_page`),
    never from a list with holes, so the strict types always hold.
    """

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, strict_types=True, **options):
        super().__init_subclass_with_meta__(strict_types=strict_types, **options)

    total_count = graphene.Int(description="A total count of items in the collection.")

    @staticmethod
    def resolve_total_count(root, _info):
        return root.page.total_count()


def connection_from_page(connection_type, page: Page, wrap=lambda row: row):
    edge_type = connection_type.Edge
    edges = [
        edge_type(node=wrap(row), cursor=cursor)
        for row, cursor in zip(page.rows, page.cursors, strict=True)
    ]
    connection = connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        ),
    )
    connection.page = page
    return connection


def absolute_url(info, path: str) -> str:
    """An absolute URL for a path, as Saleor returns (storefronts load images cross-origin)."""
    if path.startswith(("http://", "https://")):
        return path
    request = info.context
    if hasattr(request, "build_absolute_uri"):
        return request.build_absolute_uri(path)
    return f"{settings.PUBLIC_URL}{path}"


def connection_field(connection_type, **args):
    """A relay connection field whose resolver may return a DataLoader future.

    graphene's own ConnectionField insists on a finished connection, which
    would force a query per parent; this one lets batching work.
    """
    return graphene.Field(
        connection_type,
        before=graphene.String(),
        after=graphene.String(),
        first=graphene.Int(),
        last=graphene.Int(),
        **args,
    )
