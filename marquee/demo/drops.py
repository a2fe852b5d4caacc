"""Writes the demo drops of `data/drops.toml` through `merch.drops.services.schedule_drop`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.text import slugify

from marquee.merch.drops.services import DropInput, schedule_drop
from marquee.merch.models import Channel, Drop, Product, ProductVariant


def write_drops(data: dict, now: datetime) -> dict[str, int]:
    if Drop.objects.exists():
        return {}
    channels = {channel.slug: channel for channel in Channel.objects.all()}
    written = 0
    for spec in data.get("drops", []):
        product = Product.objects.get(slug=slugify(_product_name(spec["product"])))
        variants = ProductVariant.objects.in_bulk(
            [item["sku"] for item in spec["variants"]], field_name="sku"
        )
        starts_at = now + timedelta(hours=spec["starts_in_hours"])
        early = spec.get("early_access_hours")
        schedule_drop(
            DropInput(
                slug=spec["slug"],
                name=spec["name"],
                channel_id=channels[spec["channel"]].pk,
                product_id=product.pk,
                variants=[(variants[i["sku"]].pk, i["quantity"]) for i in spec["variants"]],
                starts_at=starts_at,
                early_access_starts_at=starts_at - timedelta(hours=early) if early else None,
                per_customer_limit=spec.get("per_customer_limit"),
                reservation_minutes=spec.get("reservation_minutes", 10),
                admission_rate=spec.get("admission_rate"),
                admission_burst=spec.get("admission_burst", 50),
            )
        )
        written += 1
    return {"drops": written}


def _product_name(stem: str) -> str:
    from . import files

    for spec in files.read("products")["products"]:
        if spec["sku"] == stem:
            return spec["name"]
    raise LookupError(f"No demo product {stem!r}")
