"""Products and variants as a buyer sees them in one channel."""

import graphene
from graphene import relay

from marquee.merch import availability
from marquee.merch.pricing.catalogue import product_prices

from ...accounts.types import AddressInput
from ...core.dataloaders import gather, then
from ...core.money import TaxedMoney, TaxedMoneyRange
from ...core.pagination import paginate_list
from ...core.types import (
    CountableConnection,
    Image,
    PositiveInt,
    ThumbnailFormatEnum,
    connection_field,
    connection_from_page,
)
from .. import dataloaders as loaders
from .. import pricing as catalogue_pricing
from ..thumbnails import image_url
from .attributes import (
    AssignedAttribute,
    SelectedAttribute,
    VariantAttributeScope,
    resolve_assigned_attribute,
    resolve_assigned_attributes,
    selected_attributes,
)
from .context import ChannelContext, node_attribute_resolver
from .translations import (
    ProductTranslation,
    ProductVariantTranslation,
    resolve_translation,
    translation_field,
)


class ProductMediaType(graphene.Enum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


class ProductMedia(graphene.ObjectType):
    sort_order = graphene.Int()
    alt = graphene.String(required=True)
    type = graphene.Field(ProductMediaType, required=True)
    oembed_data = graphene.JSONString(required=True)
    url = graphene.String(
        required=True,
        size=graphene.Int(description="Size of the image; rounded up to a rendered size."),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    )
    product_id = graphene.ID()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_oembed_data(_root, _info):
        return {}

    @staticmethod
    def resolve_url(root, info, size=None, format="ORIGINAL"):
        if root.external_url:
            return root.external_url
        return image_url(info, "product-media", root.pk, root.image, size, format)

    @staticmethod
    def resolve_product_id(root, _info):
        return relay.Node.to_global_id("Product", root.product_id)


class ProductType(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    has_variants = graphene.Boolean(required=True)
    is_shipping_required = graphene.Boolean(required=True)

    class Meta:
        interfaces = (relay.Node,)


class ProductPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean()
    discount = graphene.Field(TaxedMoney)
    display_gross_prices = graphene.Boolean(required=True)
    price_range = graphene.Field(TaxedMoneyRange)
    price_range_undiscounted = graphene.Field(TaxedMoneyRange)


class VariantPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean()
    discount = graphene.Field(TaxedMoney)
    price = graphene.Field(TaxedMoney)
    price_undiscounted = graphene.Field(TaxedMoney)


PRICING_ADDRESS = (
    "Destination address whose country's tax rate applies; the channel's default "
    "country when left out (as checkout does before an address is known)."
)


def _channel_id(root):
    return root.channel.pk if root.channel else None


def _priced_variants(info, root):
    """The product's variants that have a price in the channel, in variant order."""
    product = root.node
    channel_id = _channel_id(root)
    variants = loaders.VariantsByProductIdLoader(info.context).load(product.pk)
    if channel_id is None:
        return variants
    listings = loaders.VariantListingsByProductChannelLoader(info.context).load(
        (product.pk, channel_id)
    )

    def keep(results):
        all_variants, priced = results
        by_variant = loaders.VariantListingByVariantChannelLoader(info.context)
        for listing in priced:
            by_variant.prime((listing.variant_id, channel_id), listing)
        priced_ids = {listing.variant_id for listing in priced}
        return [v for v in all_variants if v.pk in priced_ids]

    return then(gather([variants, listings]), keep)


def _wrap_variants(root, variants):
    return [ChannelContext(variant, root.channel) for variant in variants]


class Product(graphene.ObjectType):
    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    product_type = graphene.Field(ProductType, required=True)
    slug = graphene.String(required=True)
    category = graphene.Field("marquee.graphql.merch.types.categories.Category")
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    rating = graphene.Float()
    channel = graphene.String(description="Channel given to retrieve this product.")
    thumbnail = graphene.Field(
        Image,
        size=graphene.Int(description="Size of thumbnail; rounded up to a rendered size."),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    )
    pricing = graphene.Field(
        ProductPricingInfo, address=graphene.Argument(AddressInput, description=PRICING_ADDRESS)
    )
    is_available = graphene.Boolean(description="Whether the product is in stock and available.")
    is_available_for_purchase = graphene.Boolean()
    available_for_purchase_at = graphene.DateTime()
    attribute = graphene.Field(SelectedAttribute, slug=graphene.String(required=True))
    attributes = graphene.NonNull(graphene.List(graphene.NonNull(SelectedAttribute)))
    assigned_attribute = graphene.Field(AssignedAttribute, slug=graphene.String(required=True))
    assigned_attributes = graphene.NonNull(
        graphene.List(graphene.NonNull(AssignedAttribute)),
        limit=PositiveInt(default_value=100),
    )
    variants = graphene.List(graphene.NonNull(lambda: ProductVariant))
    product_variants = connection_field(
        lambda: ProductVariantCountableConnection,
    )
    default_variant = graphene.Field(lambda: ProductVariant)
    media = graphene.List(graphene.NonNull(ProductMedia))
    collections = graphene.List(
        graphene.NonNull("marquee.graphql.merch.types.categories.Collection")
    )
    translation = translation_field(ProductTranslation)
    film = graphene.Field(
        "marquee.graphql.films.types.Film", description="The film this merchandise derives from."
    )
    drop = graphene.Field(
        "marquee.graphql.drops.types.Drop",
        description="The product's current or next limited drop in the channel; null when none.",
    )

    class Meta:
        interfaces = (relay.Node,)
        default_resolver = node_attribute_resolver

    @staticmethod
    def resolve_created(root, _info):
        return root.node.created_at

    @staticmethod
    def resolve_rating(root, _info):
        return float(root.node.rating) if root.node.rating is not None else None

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug if root.channel else None

    @staticmethod
    def resolve_drop(root, info):
        from ...drops.types import product_drop

        return product_drop(root, info)

    @staticmethod
    def resolve_product_type(root, info):
        return loaders.ProductTypeByIdLoader(info.context).load(root.node.product_type_id)

    @staticmethod
    def resolve_category(root, info):
        if root.node.category_id is None:
            return None
        return loaders.CategoryByIdLoader(info.context).load(root.node.category_id)

    @staticmethod
    def resolve_film(root, info):
        from ...films.dataloaders import FilmByIdLoader

        if root.node.film_id is None:
            return None
        return FilmByIdLoader(info.context).load(root.node.film_id)

    @staticmethod
    def resolve_thumbnail(root, info, size=None, format="ORIGINAL"):
        def first_image(media):
            images = [m for m in media if m.image]
            if not images:
                return None
            image = images[0]
            return Image(
                url=image_url(info, "product-media", image.pk, image.image, size, format),
                alt=image.alt or root.node.name,
            )

        return then(loaders.MediaByProductIdLoader(info.context).load(root.node.pk), first_image)

    @staticmethod
    def resolve_media(root, info):
        return loaders.MediaByProductIdLoader(info.context).load(root.node.pk)

    @staticmethod
    def resolve_collections(root, info):
        return then(
            loaders.CollectionsByProductIdLoader(info.context).load(root.node.pk),
            lambda collections: [ChannelContext(c, root.channel) for c in collections],
        )

    @staticmethod
    def resolve_pricing(root, info, address=None):
        channel_id = _channel_id(root)
        if channel_id is None:
            return None
        country = catalogue_pricing.country_argument(address)

        def price(listings):
            return catalogue_pricing.load_prices(
                info.context, root.channel, country, root.node.pk, listings
            )

        def build(variant_prices):
            prices = product_prices(variant_prices)
            if prices is None:
                return None
            return ProductPricingInfo(
                on_sale=prices.on_sale,
                discount=prices.discount,
                display_gross_prices=True,
                price_range=prices.price_range,
                price_range_undiscounted=prices.price_range_undiscounted,
            )

        listings = loaders.VariantListingsByProductChannelLoader(info.context).load(
            (root.node.pk, channel_id)
        )
        return then(then(listings, price), build)

    @staticmethod
    def _listing(root, info):
        channel_id = _channel_id(root)
        if channel_id is None:
            return None
        return loaders.ProductListingByProductChannelLoader(info.context).load(
            (root.node.pk, channel_id)
        )

    @staticmethod
    def resolve_available_for_purchase_at(root, info):
        return then(
            Product._listing(root, info),
            lambda listing: listing.available_for_purchase_at if listing else None,
        )

    @staticmethod
    def resolve_is_available_for_purchase(root, info):
        return then(
            Product._listing(root, info),
            lambda listing: bool(listing and listing.is_available_for_purchase()),
        )

    @staticmethod
    def resolve_is_available(root, info, **_kwargs):
        channel_id = _channel_id(root)
        if channel_id is None:
            return False

        def available(results):
            listing, variants = results
            if not availability.on_sale(listing):
                return False  # no stock to read
            counted = availability.tracked(variants)
            return then(
                gather(
                    [
                        loaders.QuantityAvailableByVariantChannelLoader(info.context).load(
                            (variant.pk, channel_id)
                        )
                        for variant in counted
                    ]
                ),
                lambda quantities: availability.is_product_available(
                    listing,
                    variants,
                    dict(zip((v.pk for v in counted), quantities, strict=True)),
                ),
            )

        return then(gather([Product._listing(root, info), _priced_variants(info, root)]), available)

    @staticmethod
    def _type_attributes_and_values(root, info):
        return gather(
            [
                loaders.TypeAttributesByProductTypeIdLoader(info.context).load(
                    root.node.product_type_id
                ),
                loaders.ValuesByProductIdLoader(info.context).load(root.node.pk),
            ]
        )

    @staticmethod
    def resolve_attributes(root, info):
        def build(results):
            type_attributes, values = results
            product_level = [ta for ta in type_attributes if not ta.on_variant]
            return selected_attributes(product_level, values)

        return then(Product._type_attributes_and_values(root, info), build)

    @staticmethod
    def resolve_attribute(root, info, slug):
        return then(
            Product.resolve_attributes(root, info),
            lambda selected: next((s for s in selected if s.attribute.slug == slug), None),
        )

    @staticmethod
    def resolve_assigned_attributes(root, info, limit=100):
        return resolve_assigned_attributes(
            loaders.ValuesByProductIdLoader(info.context), root.node.pk, limit
        )

    @staticmethod
    def resolve_assigned_attribute(root, info, slug):
        return resolve_assigned_attribute(
            loaders.ValuesByProductIdLoader(info.context), root.node.pk, slug
        )

    @staticmethod
    def resolve_variants(root, info):
        return then(_priced_variants(info, root), lambda variants: _wrap_variants(root, variants))

    @staticmethod
    def resolve_default_variant(root, info):
        return then(
            _priced_variants(info, root),
            lambda variants: ChannelContext(variants[0], root.channel) if variants else None,
        )

    @staticmethod
    def resolve_product_variants(root, info, first=None, last=None, after=None, before=None):
        def build(variants):
            page = paginate_list(
                variants,
                connection="productVariants",
                first=first,
                last=last,
                after=after,
                before=before,
            )
            return connection_from_page(
                ProductVariantCountableConnection,
                page,
                wrap=lambda variant: ChannelContext(variant, root.channel),
            )

        return then(_priced_variants(info, root), build)

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root.node, language_code, "Product")


class ProductVariant(graphene.ObjectType):
    name = graphene.String(required=True)
    sku = graphene.String()
    product = graphene.Field(Product, required=True)
    track_inventory = graphene.Boolean(required=True)
    quantity_limit_per_customer = graphene.Int()
    channel = graphene.String()
    pricing = graphene.Field(
        VariantPricingInfo, address=graphene.Argument(AddressInput, description=PRICING_ADDRESS)
    )
    attributes = graphene.NonNull(
        graphene.List(graphene.NonNull(SelectedAttribute)),
        variant_selection=graphene.Argument(VariantAttributeScope),
    )
    assigned_attribute = graphene.Field(AssignedAttribute, slug=graphene.String(required=True))
    assigned_attributes = graphene.NonNull(
        graphene.List(graphene.NonNull(AssignedAttribute)),
        limit=PositiveInt(default_value=100),
    )
    media = graphene.List(graphene.NonNull(ProductMedia))
    translation = translation_field(ProductVariantTranslation)
    quantity_available = graphene.Int(
        country_code=graphene.String(),
        description=(
            "Quantity a buyer can add to a checkout, capped at the per-line limit "
            "(MAX_CHECKOUT_LINE_QUANTITY)."
        ),
    )
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    class Meta:
        interfaces = (relay.Node,)
        default_resolver = node_attribute_resolver

    @staticmethod
    def resolve_created(root, _info):
        return root.node.created_at

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug if root.channel else None

    @staticmethod
    def resolve_product(root, info):
        return then(
            loaders.ProductByIdLoader(info.context).load(root.node.product_id),
            lambda product: ChannelContext(product, root.channel),
        )

    @staticmethod
    def resolve_pricing(root, info, address=None):
        channel_id = _channel_id(root)
        if channel_id is None:
            return None
        country = catalogue_pricing.country_argument(address)

        def price(listing):
            if listing is None:
                return None
            return then(
                catalogue_pricing.VariantPriceLoader(info.context).load(
                    catalogue_pricing.PriceKey(root.channel, country, root.node.product_id, listing)
                ),
                lambda vp: VariantPricingInfo(
                    on_sale=vp.on_sale,
                    discount=vp.discount,
                    price=vp.price,
                    price_undiscounted=vp.price_undiscounted,
                ),
            )

        return then(
            loaders.VariantListingByVariantChannelLoader(info.context).load(
                (root.node.pk, channel_id)
            ),
            price,
        )

    @staticmethod
    def resolve_quantity_available(root, info, country_code=None):
        channel_id = _channel_id(root)
        if not root.node.track_inventory or channel_id is None:
            return availability.quantity_for_sale(root.node, 0)
        return then(
            loaders.QuantityAvailableByVariantChannelLoader(info.context).load(
                (root.node.pk, channel_id)
            ),
            lambda available: availability.quantity_for_sale(root.node, available),
        )

    @staticmethod
    def resolve_attributes(root, info, variant_selection=None):
        scope = getattr(variant_selection, "value", variant_selection) or "all"

        def with_type(product):
            return gather(
                [
                    loaders.TypeAttributesByProductTypeIdLoader(info.context).load(
                        product.product_type_id
                    ),
                    loaders.ValuesByVariantIdLoader(info.context).load(root.node.pk),
                ]
            )

        def build(results):
            type_attributes, values = results
            chosen = [ta for ta in type_attributes if ta.on_variant]
            if scope == "variant_selection":
                chosen = [ta for ta in chosen if ta.variant_selection]
            elif scope == "not_variant_selection":
                chosen = [ta for ta in chosen if not ta.variant_selection]
            return selected_attributes(chosen, values)

        product = loaders.ProductByIdLoader(info.context).load(root.node.product_id)
        return then(then(product, with_type), build)

    @staticmethod
    def resolve_assigned_attributes(root, info, limit=100):
        return resolve_assigned_attributes(
            loaders.ValuesByVariantIdLoader(info.context), root.node.pk, limit
        )

    @staticmethod
    def resolve_assigned_attribute(root, info, slug):
        return resolve_assigned_attribute(
            loaders.ValuesByVariantIdLoader(info.context), root.node.pk, slug
        )

    @staticmethod
    def resolve_media(root, info):
        return loaders.MediaByVariantIdLoader(info.context).load(root.node.pk)

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root.node, language_code, "ProductVariant")


class ProductCountableConnection(CountableConnection):
    class Meta:
        node = Product


class ProductVariantCountableConnection(CountableConnection):
    class Meta:
        node = ProductVariant
