"""Writes the demo licence register of `data/licensing.toml` through the licensing services.

Everything goes through the services, so the licence history of the demo is
written like any other and the same validation applies. One rule is the
loader's own rather than the data's: every catalogue product is submitted
under its film's licence and walked to approved, so the demo shop sells all
it shows; `approval_histories` names the exceptions.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from marquee.films.models import Film
from marquee.licensing.models import Licence, Licensor
from marquee.licensing.services import approvals, licences, licensors, royalty_terms
from marquee.licensing.validation import TierSpec
from marquee.merch.models import Category, Channel, Product, ProductType
from marquee.merch.search import refresh_search_documents

LOADED_MARKER = "china-film"  # the first licensor; its presence marks a loaded register

WALK = ("approve", "approve", "approve")  # concept -> pre-production -> sample -> approved


def write_licensing(data: dict, slugs: dict[str, str], today: date) -> dict[str, int]:
    """Write the licence register; return counts of what was made.

    `slugs` maps the SKU stems the data names products by to product slugs.
    """
    by_slug, properties = _licensors(data)
    _licensor_users(data, by_slug)
    rates = _exchange_rates(data, today)
    channels = list(Channel.objects.all())
    categories = list(Category.objects.filter(slug__in=data["categories"]))
    by_reference = {}
    for spec in data["licences"]:
        licence = licences.create_licence(
            licences.LicenceData(
                licensor=by_slug[spec["licensor"]],
                reference=spec["reference"],
                name=spec.get("name", ""),
                term_start=_day(spec, "term_start", today),
                term_end=_day(spec, "term_end", today),
                territories=spec.get("territories", data["territories"]),
                properties=[properties[spec["licensor"]]],
                channels=channels,
                categories=categories,
                exclusive=spec.get("exclusive", False),
                status=spec["status"],
            )
        )
        by_reference[licence.reference] = licence
    terms = _royalty_terms(data, by_reference, today)
    count = _approvals(data, slugs, by_reference)
    count += _designs(data, by_reference)
    return {
        "licensors": len(by_slug),
        "licences": len(by_reference),
        "royalty terms": terms,
        "exchange rates": rates,
        "product approvals": count,
    }


def _day(spec: dict, name: str, today: date) -> date:
    """A fixed date (`term_start`) or one counted from the load (`term_start_in_days`)."""
    if name in spec:
        return spec[name]
    return today + timedelta(days=spec[f"{name}_in_days"])


def _licensors(data: dict) -> tuple[dict[str, Licensor], dict]:
    wanted = [slug for spec in data["licensors"] for slug in spec["property"]["films"]]
    films = Film.objects.in_bulk(wanted, field_name="slug")
    by_slug, properties = {}, {}
    for spec in data["licensors"]:
        licensor = licensors.create_licensor(
            slug=spec["slug"],
            name=spec["name"],
            legal_name=spec.get("legal_name", ""),
            country=spec["country"],
            statement_currency=spec["statement_currency"],
            withholding_tax_rate=Decimal(spec["withholding_tax_rate"]),
            contact_email=spec["contact_email"],
            payee_name=spec["payee_name"],
        )
        by_slug[licensor.slug] = licensor
        prop = spec["property"]
        properties[licensor.slug] = licensors.create_property(
            licensor=licensor,
            name=prop["name"],
            slug=prop["slug"],
            kind=prop["kind"],
            films=[films[slug] for slug in prop["films"] if slug in films],
        )
    return by_slug, properties


def _licensor_users(data: dict, by_slug: dict[str, Licensor]) -> None:
    users = get_user_model()
    for spec in data["licensors"]:
        if "login" not in spec:
            continue
        user = users.objects.filter(email=spec["login"]).first()
        if user is None:
            user = users.objects.create_user(
                email=spec["login"], password=data["licensor_password"]
            )
        licensors.add_licensor_user(by_slug[spec["slug"]], user)


def _exchange_rates(data: dict, today: date) -> int:
    for spec in data["exchange_rates"]:
        royalty_terms.set_exchange_rate(
            source=data["exchange_rate_source"],
            base=spec["base"],
            quote=spec["quote"],
            on=today - timedelta(days=spec["days_ago"]),
            rate=Decimal(spec["rate"]),
        )
    return len(data["exchange_rates"])


TERMS_DECIMALS = (
    "rate_percent",
    "per_unit_amount",
    "per_unit_minimum",
    "advance_amount",
    "minimum_guarantee",
)


def _royalty_terms(data: dict, by_reference: dict[str, Licence], today: date) -> int:
    count = 0
    for spec in data["royalty_terms"]:
        licence = by_reference[spec["licence"]]
        if spec["effective_from"] == "term_start":
            effective_from = licence.term_start
        else:  # "new_year": a version from 1 January, if that falls after the start
            effective_from = date(today.year, 1, 1)
            if effective_from <= licence.term_start:
                continue
        fields = {k: v for k, v in spec.items() if k not in ("licence", "effective_from")}
        for name in TERMS_DECIMALS:
            if name in fields:
                fields[name] = Decimal(fields[name])
        fields["tiers"] = [
            TierSpec(
                Decimal(tier["from"]),
                Decimal(tier["to"]) if "to" in tier else None,
                Decimal(tier["rate_percent"]),
            )
            for tier in fields.get("tiers", ())
        ]
        royalty_terms.add_royalty_terms(
            licence, royalty_terms.TermsData(effective_from=effective_from, **fields)
        )
        count += 1
    return count


def _walk(licence: Licence, history: list[dict], product: Product) -> None:
    """Take the steps of an approval history (a `submit` first), as the licensor's login."""
    approval = None
    member = licence.licensor.users.select_related("user").first()
    actor = member.user if member else None
    for step in history:
        ((action, comment),) = step.items()
        if action == "submit":
            (approval,) = approvals.submit_product(
                product, [(licence, Decimal(100))], comment=comment
            )
        elif action == "approve":
            approvals.approve_stage(approval, licence.licensor_id, actor, comment)
        else:
            approvals.reject(approval, licence.licensor_id, comment, actor)


def _approvals(data: dict, slugs: dict[str, str], by_reference) -> int:
    """Every catalogue product under its film's licence, walked through the stages."""
    film_licence = {}
    for spec in data["licences"]:
        if spec["status"] == "draft":
            continue
        licensor = next(x for x in data["licensors"] if x["slug"] == spec["licensor"])
        for film_slug in licensor["property"]["films"]:
            film_licence.setdefault(film_slug, by_reference[spec["reference"]])
    histories = {slugs[spec["product"]]: spec["history"] for spec in data["approval_histories"]}
    default = [{"submit": ""}] + [{step: ""} for step in WALK]
    count = 0
    for product in Product.objects.select_related("film").order_by("pk"):
        licence = film_licence.get(product.film.slug if product.film_id else "")
        if licence is None:
            continue
        _walk(licence, histories.get(product.slug, default), product)
        count += 1
    return count


def _designs(data: dict, by_reference: dict[str, Licence]) -> int:
    """Products not yet for sale, waiting on the licensor at a stage of their own."""
    count = 0
    for spec in data["designs"]:
        film = Film.objects.filter(slug=spec["film"]).first()
        product_type = ProductType.objects.filter(slug=spec["product_type"]).first()
        licence = by_reference.get(spec["licence"])
        if film is None or product_type is None or licence is None:
            continue
        product = Product.objects.create(
            product_type=product_type,
            category=Category.objects.filter(slug=spec["category"]).first(),
            film=film,
            name=spec["name"],
            slug=slugify(spec["name"]),
        )
        refresh_search_documents([product.pk])
        _walk(licence, spec["history"], product)
        count += 1
    return count
