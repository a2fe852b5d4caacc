"""Categories and collections, each able to list its products in a channel."""

import graphene
from graphene import relay

from marquee.merch import selectors

from ...core.types import CountableConnection, Image, ThumbnailFormatEnum, connection_field
from ..thumbnails import image_url
from .context import node_attribute_resolver
from .translations import (
    CategoryTranslation,
    CollectionTranslation,
    resolve_translation,
    translation_field,
)


def product_connection_field(with_channel: bool):
    from ..inputs import ProductFilterInput, ProductOrder, ProductWhereInput
    from .products import ProductCountableConnection

    args = {
        "filter": graphene.Argument(ProductFilterInput),
        "where": graphene.Argument(ProductWhereInput),
        "sort_by": graphene.Argument(ProductOrder),
        "search": graphene.String(),
    }
    if with_channel:
        args["channel"] = graphene.String(description="Slug of a channel.")
    return connection_field(lambda: ProductCountableConnection, **args)


def _background(info, kind, obj, size, format):
    if not obj.background_image:
        return None
    return Image(
        url=image_url(info, kind, obj.pk, obj.background_image, size, format),
        alt=obj.background_image_alt or obj.name,
    )


class Category(graphene.ObjectType):
    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    slug = graphene.String(required=True)
    parent = graphene.Field(lambda: Category)
    level = graphene.Int(required=True)
    updated_at = graphene.DateTime(required=True)
    children = connection_field(lambda: CategoryCountableConnection)
    products = product_connection_field(with_channel=True)
    background_image = graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    )
    translation = translation_field(CategoryTranslation)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_seo_title(root, _info):
        return root.seo_title or None

    @staticmethod
    def resolve_seo_description(root, _info):
        return root.seo_description or None

    @staticmethod
    def resolve_parent(root, info):
        from ..dataloaders import CategoryByIdLoader

        return CategoryByIdLoader(info.context).load(root.parent_id) if root.parent_id else None

    @staticmethod
    def resolve_children(root, _info, **kwargs):
        from ...core.pagination import SortKey, paginate
        from ...core.types import connection_from_page

        page = paginate(
            root.get_children(), connection="children", sort_keys=[SortKey("name")], **kwargs
        )
        return connection_from_page(CategoryCountableConnection, page)

    @staticmethod
    def resolve_products(root, info, channel=None, **kwargs):
        from ..product_queries import resolve_product_connection

        return resolve_product_connection(
            info,
            channel,
            scope=lambda qs, _channel: selectors.category_products(root, qs),
            **kwargs,
        )

    @staticmethod
    def resolve_background_image(root, info, size=None, format="ORIGINAL"):
        return _background(info, "category", root, size, format)

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root, language_code, "Category")


class Collection(graphene.ObjectType):
    """Resolved on a ChannelContext: a collection is published per channel."""

    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    slug = graphene.String(required=True)
    channel = graphene.String()
    products = product_connection_field(with_channel=False)
    background_image = graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    )
    translation = translation_field(CollectionTranslation)

    class Meta:
        interfaces = (relay.Node,)
        default_resolver = node_attribute_resolver

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug if root.channel else None

    @staticmethod
    def resolve_products(root, info, **kwargs):
        from ..product_queries import resolve_product_connection

        collection = root.node
        return resolve_product_connection(
            info,
            root.channel.slug if root.channel else None,
            scope=lambda qs, _channel: selectors.collection_products(collection, qs),
            in_collection=True,
            **kwargs,
        )

    @staticmethod
    def resolve_background_image(root, info, size=None, format="ORIGINAL"):
        return _background(info, "collection", root.node, size, format)

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root.node, language_code, "Collection")


class CategoryCountableConnection(CountableConnection):
    class Meta:
        node = Category


class CollectionCountableConnection(CountableConnection):
    class Meta:
        node = Collection
