"""From GraphQL arguments to a page of products: channel, filters, sort, cursor."""

from decimal import Decimal, InvalidOperation

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from marquee.core.exceptions import DomainError
from marquee.merch import search as product_search
from marquee.merch import selectors
from marquee.merch.models import Product, ProductChannelListing

from ..core.errors import ErrorCode, client_error, not_found
from ..core.ids import decode_global_id, decode_global_ids
from ..core.pagination import SortKey, paginate, validate_page_args
from ..core.types import connection_from_page
from .pricing import viewer
from .types.context import ChannelContext


def resolve_channel(info, slug):
    """The channel a request asks for (`selectors.storefront_channel`), as a client error if not.

    Looked up once per request and slug.
    """
    cache = info.context.__dict__.setdefault("_channels_by_slug", {})
    key = slug or ""
    if key in cache:
        return cache[key]
    try:
        channel = selectors.storefront_channel(slug)
    except DomainError as error:
        detail = error.details[0]
        if detail.code == ErrorCode.NOT_FOUND:
            raise not_found("Channel", "slug", str(slug)[: selectors.MAX_SLUG_LENGTH]) from None
        raise client_error(detail.message, detail.code) from None
    cache[key] = channel
    return channel


def _decimal(value, field):
    if value is None:
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise client_error(f"{field} must be a number.", ErrorCode.INVALID) from exc
    if not result.is_finite():
        raise client_error(f"{field} must be a finite number.", ErrorCode.INVALID)
    return result


def _attributes(inputs, field):
    values, booleans = [], []
    for item in inputs or []:
        if item.get("values") is not None:
            values.append((item["slug"], list(item["values"])))
        elif item.get("boolean") is not None:
            booleans.append((item["slug"], item["boolean"]))
        else:
            raise client_error(
                f"{field}: attribute {item['slug']!r} needs `values` or `boolean`.",
                ErrorCode.INVALID,
            )
    return values or None, booleans or None


def filter_from_input(data) -> tuple[selectors.ProductFilter, dict]:
    """A ProductFilterInput as a domain filter, plus the parts that need annotations."""
    data = data or {}
    flt = selectors.ProductFilter(search=data.get("search"))
    if data.get("ids") is not None:
        flt.ids = decode_global_ids(data["ids"], "Product", "filter.ids")
    if data.get("slugs") is not None:
        flt.slugs = list(data["slugs"])
    if data.get("categories") is not None:
        flt.category_ids = decode_global_ids(data["categories"], "Category", "filter.categories")
    if data.get("collections") is not None:
        flt.collection_ids = decode_global_ids(
            data["collections"], "Collection", "filter.collections"
        )
    if data.get("product_types") is not None:
        flt.product_type_ids = decode_global_ids(
            data["product_types"], "ProductType", "filter.productTypes"
        )
    if data.get("films") is not None:
        flt.film_ids = decode_global_ids(data["films"], "Film", "filter.films")
    flt.has_category = data.get("has_category")
    if data.get("price"):
        flt.price_gte = _decimal(data["price"].get("gte"), "filter.price.gte")
        flt.price_lte = _decimal(data["price"].get("lte"), "filter.price.lte")
    if data.get("stock_availability"):
        flt.in_stock = _enum(data["stock_availability"]) == "IN_STOCK"
    flt.is_available = data.get("is_available")
    flt.attribute_values, flt.attribute_booleans = _attributes(
        data.get("attributes"), "filter.attributes"
    )
    extra = {}
    if data.get("minimal_price"):
        extra["minimal_price"] = (
            _decimal(data["minimal_price"].get("gte"), "filter.minimalPrice.gte"),
            _decimal(data["minimal_price"].get("lte"), "filter.minimalPrice.lte"),
        )
    extra["hidden"] = (
        data.get("is_published") is False or data.get("is_visible_in_listing") is False
    )
    return flt, extra


def _enum(value):
    return getattr(value, "value", getattr(value, "name", value))


def _id_filter(data, type_name, field):
    if not data:
        return None
    if data.get("eq") is not None:
        return [decode_global_id(data["eq"], type_name, f"{field}.eq")]
    if data.get("one_of") is not None:
        return decode_global_ids(data["one_of"], type_name, f"{field}.oneOf")
    return None


def _string_filter(data):
    if not data:
        return None
    if data.get("eq") is not None:
        return [data["eq"]]
    if data.get("one_of") is not None:
        return list(data["one_of"])
    return None


def _decimal_filter_q(data, field_name, label):
    if not data:
        return Q()
    if data.get("eq") is not None:
        return Q(**{field_name: _decimal(data["eq"], f"{label}.eq")})
    if data.get("one_of") is not None:
        return Q(**{f"{field_name}__in": [_decimal(v, f"{label}.oneOf") for v in data["one_of"]]})
    bounds = data.get("range") or {}
    q = Q()
    if bounds.get("gte") is not None:
        q &= Q(**{f"{field_name}__gte": _decimal(bounds["gte"], f"{label}.range.gte")})
    if bounds.get("lte") is not None:
        q &= Q(**{f"{field_name}__lte": _decimal(bounds["lte"], f"{label}.range.lte")})
    return q


MAX_WHERE_NESTING = 5


def where_queryset(data, channel, depth=0):
    """Products matching a ProductWhereInput (AND/OR nest up to 5 levels)."""
    if depth > MAX_WHERE_NESTING:
        raise client_error(
            f"`where` nests AND/OR more than {MAX_WHERE_NESTING} levels.", ErrorCode.INVALID
        )
    queryset = selectors.with_price(Product.objects.all(), channel)
    flt = selectors.ProductFilter()
    if data.get("ids") is not None:
        flt.ids = decode_global_ids(data["ids"], "Product", "where.ids")
    flt.names = _string_filter(data.get("name"))
    flt.slugs = _string_filter(data.get("slug"))
    flt.product_type_ids = _id_filter(data.get("product_type"), "ProductType", "where.productType")
    flt.category_ids = _id_filter(data.get("category"), "Category", "where.category")
    flt.collection_ids = _id_filter(data.get("collection"), "Collection", "where.collection")
    flt.film_ids = _id_filter(data.get("film"), "Film", "where.film")
    flt.has_category = data.get("has_category")
    flt.is_available = data.get("is_available")
    if data.get("stock_availability"):
        flt.in_stock = _enum(data["stock_availability"]) == "IN_STOCK"
    flt.attribute_values, flt.attribute_booleans = _attributes(
        data.get("attributes"), "where.attributes"
    )
    queryset = selectors.filter_products(queryset, flt, channel)
    if data.get("price"):
        priced = selectors.priced_listings(channel).filter(
            _decimal_filter_q(data["price"], "price_amount", "where.price")
        )
        queryset = queryset.filter(pk__in=priced.values("variant__product_id"))
    queryset = queryset.filter(
        _decimal_filter_q(data.get("minimal_price"), "min_price_amount", "where.minimalPrice")
    )
    if data.get("is_published") is False or data.get("is_visible_in_listing") is False:
        queryset = queryset.none()
    for sub in data.get("AND") or []:
        queryset = queryset.filter(pk__in=where_queryset(sub, channel, depth + 1).values("pk"))
    if data.get("OR"):
        either = Q()
        for sub in data["OR"]:
            either |= Q(pk__in=where_queryset(sub, channel, depth + 1).values("pk"))
        queryset = queryset.filter(either)
    return queryset


def sort_products(queryset, sort_by, channel, *, search, in_collection):
    """Annotate the sort key and return (queryset, keys) for keyset pagination."""
    field = _enum(sort_by.get("field")) if sort_by else None
    descending = bool(sort_by) and _enum(sort_by.get("direction")) == "DESC"
    if sort_by and sort_by.get("attribute_id"):
        raise client_error("Sorting by attribute is not supported.", ErrorCode.INVALID)
    if field is None:
        field = "collection" if in_collection and not sort_by else ("rank" if search else "name")
    if field == "name":
        return queryset, [SortKey("name", descending)]
    if field in {"price", "minimal_price"}:
        return queryset, [SortKey("min_price_amount", descending), SortKey("name", descending)]
    if field in {"last_modified", "last_modified_at", "date"}:
        return queryset, [SortKey("updated_at", descending)]
    if field == "created_at":
        return queryset, [SortKey("created_at", descending)]
    if field == "type":
        queryset = queryset.annotate(sort_type_name=F("product_type__name"))
        return queryset, [SortKey("sort_type_name", descending), SortKey("name", descending)]
    if field == "rating":
        queryset = queryset.annotate(sort_rating=Coalesce("rating", Decimal(0)))
        return queryset, [SortKey("sort_rating", descending), SortKey("name", descending)]
    if field in {"published", "publication_date", "published_at"}:
        published_at = ProductChannelListing.objects.filter(
            product_id=OuterRef("pk"), channel=channel
        ).values("published_at")[:1]
        queryset = queryset.annotate(
            sort_published_at=Coalesce(Subquery(published_at), F("created_at"))
        )
        return queryset, [SortKey("sort_published_at", descending)]
    if field == "rank":
        if not search:
            raise client_error(
                "Sorting by RANK is available only with the `search` filter.", ErrorCode.INVALID
            )
        queryset = product_search.ranked(queryset, search)
        # Best match first; ASC in Saleor's terms means "most relevant first" too.
        return queryset, [SortKey(product_search.RANK_FIELD, True), SortKey("name", False)]
    if field == "collection":
        if not in_collection:
            raise client_error(
                "Sorting by COLLECTION is available only on a collection's products.",
                ErrorCode.INVALID,
            )
        return queryset, [SortKey("collection_sort_order", descending)]
    raise client_error(f"Unsupported sort field {field!r}.", ErrorCode.INVALID)


def resolve_product_connection(
    info,
    channel_slug,
    *,
    scope=None,
    in_collection=False,
    filter=None,
    where=None,
    sort_by=None,
    search=None,
    first=None,
    last=None,
    after=None,
    before=None,
):
    from .types.products import ProductCountableConnection

    validate_page_args("products", first, last, after, before)
    channel = resolve_channel(info, channel_slug)
    shopper = viewer(info.context)
    visible = selectors.visible_products(channel, listed_only=True, viewer=shopper)
    queryset = selectors.with_price(visible, channel, shopper)
    if scope is not None:
        queryset = scope(queryset, channel)
    flt, extra = filter_from_input(filter)
    if search:
        flt.search = search
    queryset = selectors.filter_products(queryset, flt, channel)
    if "minimal_price" in extra:
        gte, lte = extra["minimal_price"]
        if gte is not None:
            queryset = queryset.filter(min_price_amount__gte=gte)
        if lte is not None:
            queryset = queryset.filter(min_price_amount__lte=lte)
    if extra["hidden"]:
        queryset = queryset.none()
    if where:
        queryset = queryset.filter(pk__in=where_queryset(where, channel).values("pk"))
    queryset, keys = sort_products(
        queryset, sort_by, channel, search=flt.search, in_collection=in_collection
    )
    page = paginate(
        queryset,
        connection="products",
        sort_keys=keys,
        first=first,
        last=last,
        after=after,
        before=before,
    )
    prime_products(info, page.rows)
    return connection_from_page(
        ProductCountableConnection, page, wrap=lambda product: ChannelContext(product, channel)
    )


def prime_products(info, products):
    """Variants resolve their product through a loader; it needs no second fetch."""
    from .dataloaders import ProductByIdLoader

    loader = ProductByIdLoader(info.context)
    for product in products:
        loader.prime(product.pk, product)
