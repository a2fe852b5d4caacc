"""Writes the investor-members demo of `data/members.toml`: programmes, backers, prices, perks.

The backers are imported the way an operator imports a backer list bought
elsewhere, through `members.services.imports`, so the demo's memberships,
tiers and programme counters are what that service writes (the sold-out
programme is sold out because its list fills it). The demo member logins
are made first, with their password, so the import finds them; the other
backers on the list get accounts without a password, as imported backers do.

It runs after the demo's sales, so the member prices do not touch the
closed quarter's orders.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from marquee.films.models import Film
from marquee.members.models import (
    BackerProgramme,
    BackerTier,
    MemberPriceRule,
    MemberVariantPrice,
    Perk,
)
from marquee.members.services.imports import import_backers
from marquee.merch.models import (
    AssignedVariantAttributeValue,
    AttributeValue,
    Channel,
    ProductVariant,
    ProductVariantChannelListing,
    Stock,
    Voucher,
    VoucherChannelListing,
    Warehouse,
)
from marquee.merch.search import refresh_search_documents

from .richtext import names

# The open programme; its presence marks a loaded members demo.
LOADED_MARKER = "ne-zha-backers"


def write_members(data: dict, now: datetime, log) -> dict[str, int]:
    """Write the members demo; return counts of what was made."""
    channels = {channel.slug: channel for channel in Channel.objects.all()}
    _member_logins(data)
    programmes = _programmes(data, channels, now)
    report = import_backers(_backer_csv(data["backer_list"]["rows"]), data["backer_list"]["name"])
    if report.errors:
        reasons = "; ".join(f"row {r.row} {r.code}: {r.message}" for r in report.errors)
        raise ValueError(f"The demo backer list does not import cleanly: {reasons}")
    log(f"Imported the demo backer list: {report.summary()}.")
    variants = _member_variants(data, channels, now)
    rules = _price_rules(data, programmes, channels)
    vouchers = _vouchers(data, channels, now)
    perks = _perks(data, programmes, variants, vouchers, now)
    return {
        "backer programmes": len(programmes),
        "backers imported": report.imported,
        "member variants": len(variants),
        "member price rules": rules,
        "perks": perks,
    }


def _days(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now + timedelta(days=days)


def _member_logins(data: dict) -> None:
    users = get_user_model().objects
    for spec in data["members"]:
        users.create_user(
            email=spec["email"],
            password=data["member_password"],
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
        )


def _programmes(data: dict, channels: dict, now: datetime) -> dict[str, BackerProgramme]:
    films = Film.objects.in_bulk([spec["film"] for spec in data["programmes"]], field_name="slug")
    programmes = {}
    for spec in data["programmes"]:
        programme = BackerProgramme.objects.create(
            film=films[spec["film"]],
            channel=channels[spec["channel"]],
            slug=spec["slug"],
            name=spec["name"],
            description=spec.get("description", ""),
            expected_return_text=spec.get("expected_return_text", ""),
            unit_price=Decimal(spec["unit_price"]),
            currency=spec["currency"],
            total_units=spec["total_units"],
            per_member_cap=spec["per_member_cap"],
            opens_at=_days(now, spec["opens_in_days"]),
            closes_at=_days(now, spec["closes_in_days"]),
            payment_minutes=spec.get("payment_minutes", 15),
            status=spec["status"],
            created_at=_days(now, spec["opens_in_days"] - 7),
        )
        BackerTier.objects.bulk_create(
            BackerTier(programme=programme, **tier) for tier in spec["tiers"]
        )
        programmes[programme.slug] = programme
    return programmes


def _backer_csv(rows: list[list]) -> io.StringIO:
    """The demo's rows as the CSV an operator would upload."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "film", "units", "programme"])
    writer.writerows(rows)
    out.seek(0)
    return out


def _member_variants(data: dict, channels: dict, now: datetime) -> dict[str, ProductVariant]:
    warehouses = {w.slug: w for w in Warehouse.objects.all()}
    made = {}
    for spec in data.get("member_variants", ()):
        sibling = ProductVariant.objects.select_related("product").get(sku=spec["product_variant"])
        product = sibling.product
        last = product.variants.order_by("-sort_order").values_list("sort_order", flat=True)
        variant = ProductVariant.objects.create(
            product=product,
            sku=spec["sku"],
            name=spec["name"],
            sort_order=(last.first() or 0) + 1,
            weight_grams=sibling.weight_grams,
            created_at=now,
            translations=names(spec),
        )
        ProductVariantChannelListing.objects.bulk_create(
            ProductVariantChannelListing(
                variant=variant,
                channel=channels[slug],
                currency=channels[slug].currency_code,
                price_amount=Decimal(price),
            )
            for slug, price in spec["prices"].items()
        )
        Stock.objects.bulk_create(
            Stock(warehouse=warehouses[slug], product_variant=variant, quantity=quantity)
            for slug, quantity in spec["stock"].items()
        )
        # The selection attributes its siblings carry (the edition, for a figure).
        AssignedVariantAttributeValue.objects.bulk_create(
            AssignedVariantAttributeValue(
                variant=variant,
                value=AttributeValue.objects.get(attribute__slug=attribute, slug=value),
                sort_order=order,
            )
            for order, (attribute, value) in enumerate(spec.get("attributes", {}).items())
        )
        made[variant.sku] = variant
    refresh_search_documents({variant.product_id for variant in made.values()})
    return made


def _price_rules(data: dict, programmes: dict, channels: dict) -> int:
    for spec in data.get("price_rules", ()):
        programme = programmes[spec["programme"]]
        rule = MemberPriceRule.objects.create(
            programme=programme,
            tier=programme.tiers.get(slug=spec["tier"]),
            name=spec["name"],
            kind=spec["kind"],
            percentage=Decimal(spec["percentage"]) if "percentage" in spec else None,
        )
        prices = spec.get("prices", ())
        variants = ProductVariant.objects.in_bulk([p["variant"] for p in prices], field_name="sku")
        MemberVariantPrice.objects.bulk_create(
            MemberVariantPrice(
                rule=rule,
                variant=variants[p["variant"]],
                channel=channels[p["channel"]],
                price=Decimal(p["price"]),
            )
            for p in prices
        )
    return len(data.get("price_rules", ()))


def _vouchers(data: dict, channels: dict, now: datetime) -> dict[str, Voucher]:
    made = {}
    for spec in data.get("vouchers", ()):
        voucher = Voucher.objects.create(
            code=spec["code"],
            name=spec["name"],
            discount_type=spec["discount_type"],
            end_date=_days(now, spec.get("ends_in_days")),
        )
        VoucherChannelListing.objects.bulk_create(
            VoucherChannelListing(
                voucher=voucher,
                channel=channels[slug],
                currency=channels[slug].currency_code,
                discount_value=Decimal(listing["value"]),
            )
            for slug, listing in spec["channels"].items()
        )
        made[voucher.code] = voucher
    return made


def _perks(data: dict, programmes: dict, variants: dict, vouchers: dict, now) -> int:
    for spec in data.get("perks", ()):
        programme = programmes[spec["programme"]]
        Perk.objects.create(
            programme=programme,
            tier=programme.tiers.get(slug=spec["tier"]),
            kind=spec["kind"],
            slug=spec["slug"],
            name=spec["name"],
            description=spec.get("description", ""),
            total_quantity=spec["total_quantity"],
            per_member_quota=spec["per_member_quota"],
            expires_at=_days(now, spec["expires_in_days"]),
            variant=variants.get(spec.get("variant")),
            voucher=vouchers.get(spec.get("voucher")),
            venue=spec.get("venue", ""),
            event_at=_days(now, spec.get("event_in_days")),
            entries_close_at=_days(now, spec.get("entries_close_in_days")),
        )
    return len(data.get("perks", ()))
