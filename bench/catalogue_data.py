"""Bench data: a catalogue wide enough that a page of 100 products holds 100.

The demo shop lists 44 products in channel "china", so a `first: 100` page
would answer 44 and flatter the figure. `widen` copies demo products until
the channel lists at least the products asked for. A copy carries everything
the storefront's product list reads, so it is sold and shown exactly as its
original: the product (same film, category, type, translations), its media,
attribute assignments, collection memberships and licence declarations (the
licence gate lists a product only when every licence it declares covers the
channel, so the copy keeps the original's licences, under the same film and
category), its channel listings; and for every variant a new SKU, the
variant's channel listings and prices, member prices, stock (none of it
allocated or reserved), attribute assignments, media and member perks (a
member-only variant is hidden from other viewers by its perk; the copy's
perk has none of it redeemed). Drops, order lines and perk redemptions are
not copied: they are events and history, not catalogue.

Copies are written with `bulk_create` in one transaction, in a Django
process started with the bench server's environment (like the benches'
other `manage.py` steps), so they count as any catalogue write does.

Run by the benches through `widen(env, channel, products)`; as a script it
is that Django process:

    .venv/bin/python bench/catalogue_data.py --channel china --products 120
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PRODUCTS = 120  # products the benches' channel lists after widening
COMMAND_TIMEOUT = 900.0  # seconds for the copying process


def widen(env: dict[str, str], channel: str, products: int) -> dict:
    """Copy demo products until `channel` lists at least `products`; what it did.

    Returns {"listed_before", "copied", "listed"}: products listed in the
    channel before and after, and how many copies were made.
    """
    argv = [sys.executable, str(Path(__file__).resolve()), "--channel", channel]
    argv += ["--products", str(products)]
    print(f"$ bench/catalogue_data.py --channel {channel} --products {products}", file=sys.stderr)
    result = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"widening the catalogue failed:\n{result.stderr[-4000:]}")
    outcome = json.loads(lines[-1])
    if outcome["listed"] < products:
        raise RuntimeError(
            f"the catalogue lists {outcome['listed']} products in {channel}, "
            f"{products} were asked for"
        )
    return outcome


# --- Inside the Django process ----------------------------------------------


def _clone(row, **changes):
    """An unsaved copy of `row`: every concrete column but the key, with `changes`."""
    model = type(row)
    values = {
        field.attname: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    values.update(changes)
    return model(**values)


def _suffixed(value: str | None, suffix: str) -> str | None:
    return f"{value}-{suffix}" if value else value


def _copy_products(channel_slug: str, wanted: int) -> dict:
    from django.db import transaction

    from marquee.licensing.models import ProductApproval
    from marquee.members.models.perks import Perk
    from marquee.members.models.prices import MemberVariantPrice
    from marquee.merch.models import (
        AssignedProductAttributeValue,
        AssignedVariantAttributeValue,
        CollectionProduct,
        Product,
        ProductChannelListing,
        ProductMedia,
        ProductVariant,
        ProductVariantChannelListing,
        Stock,
    )
    from marquee.merch.selectors import channel_by_slug, visible_products

    channel = channel_by_slug(channel_slug)
    if channel is None:
        raise SystemExit(f"no channel {channel_slug!r}")

    def listed() -> int:
        return visible_products(channel, listed_only=True).count()

    before = listed()
    missing = max(0, wanted - before)
    # Products that are not drops: a copy of a drop would be a second drop.
    sources = list(
        visible_products(channel, listed_only=True).filter(drops__isnull=True).order_by("pk")
    )
    if missing and not sources:
        raise SystemExit(f"channel {channel_slug!r} lists no product to copy")
    plan = [(sources[k % len(sources)], f"bench{k // len(sources) + 2}") for k in range(missing)]

    def rows_of(model, key, ids):
        grouped: dict[int, list] = {}
        for row in model.objects.filter(**{f"{key}__in": ids}).order_by("pk"):
            grouped.setdefault(getattr(row, f"{key}_id"), []).append(row)
        return grouped

    with transaction.atomic():
        source_ids = {source.pk for source, _ in plan}
        copies = Product.objects.bulk_create(
            [
                _clone(
                    source,
                    slug=f"{source.slug}-{suffix}",
                    translations={
                        language: {**values, "slug": _suffixed(values.get("slug"), suffix)}
                        if isinstance(values, dict) and values.get("slug")
                        else values
                        for language, values in (source.translations or {}).items()
                    },
                )
                for source, suffix in plan
            ]
        )
        pairs = [
            (source, copy, suffix) for (source, suffix), copy in zip(plan, copies, strict=True)
        ]

        product_children = [
            (ProductChannelListing, {}),
            (AssignedProductAttributeValue, {}),
            (CollectionProduct, {}),
            (ProductApproval, {}),
        ]
        for model, changes in product_children:
            grouped = rows_of(model, "product", source_ids)
            model.objects.bulk_create(
                [
                    _clone(row, product_id=copy.pk, **changes)
                    for source, copy, _ in pairs
                    for row in grouped.get(source.pk, [])
                ]
            )

        media_of = rows_of(ProductMedia, "product", source_ids)
        media_plan = [
            (media, copy) for source, copy, _ in pairs for media in media_of.get(source.pk, [])
        ]
        new_media = ProductMedia.objects.bulk_create(
            [_clone(media, product_id=copy.pk) for media, copy in media_plan]
        )
        # (old media pk, product copy pk) -> the copy's media, for variants' media.
        media_map = {
            (media.pk, copy.pk): made
            for (media, copy), made in zip(media_plan, new_media, strict=True)
        }

        variants_of = rows_of(ProductVariant, "product", source_ids)
        variant_plan = [
            (variant, copy, suffix)
            for source, copy, suffix in pairs
            for variant in variants_of.get(source.pk, [])
        ]
        new_variants = ProductVariant.objects.bulk_create(
            [
                _clone(variant, product_id=copy.pk, sku=_suffixed(variant.sku, suffix))
                for variant, copy, suffix in variant_plan
            ]
        )
        variant_pairs = [
            (variant, made, copy, suffix)
            for (variant, copy, suffix), made in zip(variant_plan, new_variants, strict=True)
        ]
        variant_ids = {variant.pk for variant, *_ in variant_pairs}
        variant_children = [
            (ProductVariantChannelListing, "variant", {}),
            (AssignedVariantAttributeValue, "variant", {}),
            (MemberVariantPrice, "variant", {}),
            (Stock, "product_variant", {"quantity_allocated": 0, "quantity_reserved": 0}),
        ]
        for model, key, changes in variant_children:
            grouped = rows_of(model, key, variant_ids)
            model.objects.bulk_create(
                [
                    _clone(row, **{f"{key}_id": made.pk}, **changes)
                    for variant, made, *_ in variant_pairs
                    for row in grouped.get(variant.pk, [])
                ]
            )
        # A member-only variant is hidden from other viewers by its perk: the copy
        # gets its own perk, none of it redeemed yet.
        perks = rows_of(Perk, "variant", variant_ids)
        Perk.objects.bulk_create(
            [
                _clone(perk, variant_id=made.pk, slug=f"{perk.slug}-{suffix}", redeemed=0)
                for variant, made, _, suffix in variant_pairs
                for perk in perks.get(variant.pk, [])
            ]
        )

        VariantMedia = ProductVariant.media.through
        variant_media = rows_of(VariantMedia, "productvariant", variant_ids)
        VariantMedia.objects.bulk_create(
            [
                VariantMedia(
                    productvariant_id=made.pk,
                    productmedia_id=media_map[(link.productmedia_id, copy.pk)].pk,
                )
                for variant, made, copy, _ in variant_pairs
                for link in variant_media.get(variant.pk, [])
            ]
        )

    return {"listed_before": before, "copied": len(copies), "listed": listed()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Widen the bench catalogue by copying products.")
    parser.add_argument("--channel", default="china", help="channel slug")
    parser.add_argument("--products", type=int, default=DEFAULT_PRODUCTS, help="products listed")
    args = parser.parse_args(argv)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()
    print(json.dumps(_copy_products(args.channel, args.products)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
