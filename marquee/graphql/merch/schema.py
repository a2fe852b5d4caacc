"""Storefront catalogue queries, with Saleor's names and arguments."""

import graphene
from django.db.models import Q
from graphene.utils.str_converters import to_camel_case

from marquee.merch import models, selectors

from ..core.errors import ErrorCode, client_error, not_found
from ..core.ids import decode_global_id, decode_global_ids
from ..core.pagination import SortKey, paginate, validate_page_args
from ..core.types import (
    CountableConnection,
    LanguageCodeEnum,
    connection_field,
    connection_from_page,
    language_code,
)
from .inputs import ProductFilterInput, ProductOrder, ProductWhereInput, StringFilterInput
from .pricing import viewer
from .product_queries import prime_products, resolve_channel, resolve_product_connection
from .types.categories import (
    Category,
    CategoryCountableConnection,
    Collection,
    CollectionCountableConnection,
)
from .types.channel import Channel
from .types.content import Menu, Page
from .types.context import ChannelContext
from .types.products import (
    Product,
    ProductCountableConnection,
    ProductVariant,
    ProductVariantCountableConnection,
)


class CategoryFilterInput(graphene.InputObjectType):
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class CollectionFilterInput(graphene.InputObjectType):
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class PageWhereInput(graphene.InputObjectType):
    slug = graphene.Field(StringFilterInput)
    ids = graphene.List(graphene.NonNull(graphene.ID))


class PageFilterInput(graphene.InputObjectType):
    search = graphene.String()
    slugs = graphene.List(graphene.NonNull(graphene.String))
    ids = graphene.List(graphene.NonNull(graphene.ID))


class PageCountableConnection(CountableConnection):
    class Meta:
        node = Page


def _one_of(kind, **lookups):
    given = {k: v for k, v in lookups.items() if v is not None}
    if len(given) != 1:
        names = ", ".join(f"`{to_camel_case(k)}`" for k in lookups)
        raise client_error(
            f"Provide exactly one of {names} to look up a {kind}.", ErrorCode.REQUIRED
        )
    return given


def _by_slug(queryset, slug, slug_language_code):
    if len(slug) > 255:
        return None
    if slug_language_code is not None:
        code = language_code(slug_language_code)
        found = queryset.filter(**{f"translations__{code}__slug": slug}).first()
        if found is not None:
            return found
    return queryset.filter(slug=slug).first()


class MerchQueries(graphene.ObjectType):
    channel = graphene.Field(Channel, id=graphene.ID(), slug=graphene.String())
    channels = graphene.List(graphene.NonNull(Channel))
    products = connection_field(
        ProductCountableConnection,
        filter=ProductFilterInput(),
        where=ProductWhereInput(),
        sort_by=ProductOrder(),
        search=graphene.String(),
        channel=graphene.String(
            description="Slug of a channel for which the data should be returned."
        ),
    )
    product = graphene.Field(
        Product,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        external_reference=graphene.String(),
        channel=graphene.String(),
    )
    product_variant = graphene.Field(
        ProductVariant,
        id=graphene.ID(),
        sku=graphene.String(),
        external_reference=graphene.String(),
        channel=graphene.String(),
    )
    product_variants = connection_field(
        ProductVariantCountableConnection,
        ids=graphene.List(graphene.NonNull(graphene.ID)),
        channel=graphene.String(),
    )
    categories = connection_field(
        CategoryCountableConnection, filter=CategoryFilterInput(), level=graphene.Int()
    )
    category = graphene.Field(
        Category,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
    )
    collections = connection_field(
        CollectionCountableConnection, filter=CollectionFilterInput(), channel=graphene.String()
    )
    collection = graphene.Field(
        Collection,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        channel=graphene.String(),
    )
    menu = graphene.Field(
        Menu,
        id=graphene.ID(),
        name=graphene.String(),
        slug=graphene.String(),
        channel=graphene.String(),
    )
    page = graphene.Field(
        Page,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
    )
    pages = connection_field(
        PageCountableConnection,
        filter=PageFilterInput(),
        where=PageWhereInput(),
        channel=graphene.String(),
    )

    @staticmethod
    def resolve_channels(_root, _info):
        return list(selectors.active_channels())

    @staticmethod
    def resolve_channel(_root, info, id=None, slug=None):
        lookup = _one_of("channel", id=id, slug=slug)
        if "id" in lookup:
            channel = selectors.active_channel(decode_global_id(id, "Channel"))
            if channel is None:
                raise not_found("Channel", "id", id)
            return channel
        return resolve_channel(info, slug)

    @staticmethod
    def resolve_products(_root, info, channel=None, **kwargs):
        return resolve_product_connection(info, channel, **kwargs)

    @staticmethod
    def resolve_product(
        _root,
        info,
        id=None,
        slug=None,
        slug_language_code=None,
        channel=None,
        external_reference=None,
    ):
        lookup = _one_of("product", id=id, slug=slug, external_reference=external_reference)
        channel_obj = resolve_channel(info, channel)
        visible = selectors.visible_products(
            channel_obj, listed_only=False, viewer=viewer(info.context)
        )
        if "id" in lookup:
            product = visible.filter(pk=decode_global_id(id, "Product")).first()
        elif "slug" in lookup:
            product = _by_slug(visible, slug, slug_language_code)
        else:
            product = None
        if product is None:
            by, value = next(iter(lookup.items()))
            raise not_found("Product", by, value)
        prime_products(info, [product])
        return ChannelContext(product, channel_obj)

    @staticmethod
    def resolve_product_variant(
        _root, info, id=None, sku=None, channel=None, external_reference=None
    ):
        lookup = _one_of("product variant", id=id, sku=sku, external_reference=external_reference)
        channel_obj = resolve_channel(info, channel)
        variants = selectors.visible_variants(channel_obj, viewer=viewer(info.context))
        if "id" in lookup:
            variant = variants.filter(pk=decode_global_id(id, "ProductVariant")).first()
        elif "sku" in lookup:
            variant = variants.filter(sku=sku).first() if len(sku) <= 255 else None
        else:
            variant = None
        if variant is None:
            by, value = next(iter(lookup.items()))
            raise not_found("Product variant", by, value)
        return ChannelContext(variant, channel_obj)

    @staticmethod
    def resolve_product_variants(
        _root, info, ids=None, channel=None, first=None, last=None, after=None, before=None
    ):
        validate_page_args("productVariants", first, last, after, before)
        channel_obj = resolve_channel(info, channel)
        variants = selectors.visible_variants(channel_obj, viewer=viewer(info.context))
        if ids is not None:
            variants = variants.filter(pk__in=decode_global_ids(ids, "ProductVariant", "ids"))
        page = paginate(
            variants,
            connection="productVariants",
            sort_keys=[SortKey("sku")],
            first=first,
            last=last,
            after=after,
            before=before,
        )
        return connection_from_page(
            ProductVariantCountableConnection, page, wrap=lambda v: ChannelContext(v, channel_obj)
        )

    @staticmethod
    def resolve_categories(_root, _info, filter=None, level=None, **kwargs):
        validate_page_args("categories", kwargs.get("first"), kwargs.get("last"))
        queryset = models.Category.objects.all()
        filter = filter or {}
        if filter.get("search"):
            queryset = queryset.filter(
                Q(name__icontains=filter["search"]) | Q(slug__icontains=filter["search"])
            )
        if filter.get("ids") is not None:
            queryset = queryset.filter(
                pk__in=decode_global_ids(filter["ids"], "Category", "filter.ids")
            )
        if filter.get("slugs") is not None:
            queryset = queryset.filter(slug__in=filter["slugs"])
        if level is not None:
            queryset = queryset.filter(level=level)
        page = paginate(queryset, connection="categories", sort_keys=[SortKey("name")], **kwargs)
        return connection_from_page(CategoryCountableConnection, page)

    @staticmethod
    def resolve_category(_root, _info, id=None, slug=None, slug_language_code=None):
        lookup = _one_of("category", id=id, slug=slug)
        if "id" in lookup:
            category = models.Category.objects.filter(pk=decode_global_id(id, "Category")).first()
        else:
            category = _by_slug(models.Category.objects.all(), slug, slug_language_code)
        if category is None:
            raise not_found("Category", *next(iter(lookup.items())))
        return category

    @staticmethod
    def resolve_collections(_root, info, filter=None, channel=None, **kwargs):
        validate_page_args("collections", kwargs.get("first"), kwargs.get("last"))
        channel_obj = resolve_channel(info, channel)
        queryset = selectors.visible_collections(channel_obj)
        filter = filter or {}
        if filter.get("search"):
            queryset = queryset.filter(name__icontains=filter["search"])
        if filter.get("ids") is not None:
            queryset = queryset.filter(
                pk__in=decode_global_ids(filter["ids"], "Collection", "filter.ids")
            )
        if filter.get("slugs") is not None:
            queryset = queryset.filter(slug__in=filter["slugs"])
        page = paginate(queryset, connection="collections", sort_keys=[SortKey("name")], **kwargs)
        return connection_from_page(
            CollectionCountableConnection, page, wrap=lambda c: ChannelContext(c, channel_obj)
        )

    @staticmethod
    def resolve_collection(_root, info, id=None, slug=None, slug_language_code=None, channel=None):
        lookup = _one_of("collection", id=id, slug=slug)
        channel_obj = resolve_channel(info, channel)
        visible = selectors.visible_collections(channel_obj)
        if "id" in lookup:
            collection = visible.filter(pk=decode_global_id(id, "Collection")).first()
        else:
            collection = _by_slug(visible, slug, slug_language_code)
        if collection is None:
            raise not_found("Collection", *next(iter(lookup.items())))
        return ChannelContext(collection, channel_obj)

    @staticmethod
    def resolve_menu(_root, info, id=None, name=None, slug=None, channel=None):
        lookup = _one_of("menu", id=id, name=name, slug=slug)
        channel_obj = resolve_channel(info, channel)
        if "id" in lookup:
            menu = models.Menu.objects.filter(pk=decode_global_id(id, "Menu")).first()
        elif "slug" in lookup:
            menu = models.Menu.objects.filter(slug=slug).first()
        else:
            menu = models.Menu.objects.filter(name=name).first()
        if menu is None:
            raise not_found("Menu", *next(iter(lookup.items())))
        return ChannelContext(menu, channel_obj)

    @staticmethod
    def resolve_page(_root, _info, id=None, slug=None, slug_language_code=None):
        lookup = _one_of("page", id=id, slug=slug)
        visible = selectors.visible_pages()
        if "id" in lookup:
            page = visible.filter(pk=decode_global_id(id, "Page")).first()
        else:
            page = _by_slug(visible, slug, slug_language_code)
        if page is None:
            raise not_found("Page", *next(iter(lookup.items())))
        return page

    @staticmethod
    def resolve_pages(_root, _info, filter=None, where=None, channel=None, **kwargs):
        validate_page_args("pages", kwargs.get("first"), kwargs.get("last"))
        queryset = selectors.visible_pages()
        filter, where = filter or {}, where or {}
        if filter.get("search"):
            queryset = queryset.filter(title__icontains=filter["search"])
        if filter.get("slugs") is not None:
            queryset = queryset.filter(slug__in=filter["slugs"])
        for ids in (filter.get("ids"), where.get("ids")):
            if ids is not None:
                queryset = queryset.filter(pk__in=decode_global_ids(ids, "Page", "ids"))
        slug_filter = where.get("slug") or {}
        if slug_filter.get("eq") is not None:
            queryset = queryset.filter(slug=slug_filter["eq"])
        if slug_filter.get("one_of") is not None:
            queryset = queryset.filter(slug__in=slug_filter["one_of"])
        page = paginate(queryset, connection="pages", sort_keys=[SortKey("slug")], **kwargs)
        return connection_from_page(PageCountableConnection, page)
