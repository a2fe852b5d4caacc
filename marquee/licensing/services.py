"""Every write to the licence register, each in one transaction.

Services validate (see `validation.py`), write, and keep the licence history:
each changed field of a licence becomes a `LicenceChange` with who, when,
the old and the new value. Exclusivity checks run under a PostgreSQL
advisory lock, so two overlapping exclusive licences written at the same
moment cannot both pass.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from marquee.core.exceptions import DomainError, ErrorDetail

from . import validation
from .models import (
    STAGE_ORDER,
    ApprovalEvent,
    ApprovalStage,
    ExchangeRate,
    Licence,
    LicenceChange,
    LicenceStatus,
    Licensor,
    LicensorUser,
    ProductApproval,
    Property,
    RoyaltyTerms,
    RoyaltyTier,
)

_EXCLUSIVITY_LOCK = zlib.crc32(b"marquee.licensing.exclusivity")
LICENSOR_FIELDS = (
    "name",
    "legal_name",
    "country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "payee_name",
    "payee_bank",
    "payee_account",
    "statement_currency",
    "withholding_tax_rate",
)


# --- licensors and properties -------------------------------------------------------


def _licensor_errors(data: dict) -> list[ErrorDetail]:
    errors = []
    if "name" in data and not (data["name"] or "").strip():
        errors.append(ErrorDetail("REQUIRED", "A licensor needs a name.", "name"))
    if "statement_currency" in data:
        errors += validation.currency(data["statement_currency"], "statement_currency")
    if data.get("withholding_tax_rate") is not None:
        errors += validation.percentage(
            data["withholding_tax_rate"], "withholding_tax_rate", "The withholding-tax rate"
        )
    return errors


@transaction.atomic
def create_licensor(*, slug: str | None = None, **data) -> Licensor:
    if not (slug or "").strip():
        raise DomainError.single("REQUIRED", "A licensor needs a slug.", "slug")
    validation.raise_if(_licensor_errors({"name": data.get("name"), **data}))
    if Licensor.objects.filter(slug=slug).exists():
        raise DomainError.single("UNIQUE", f"A licensor with slug {slug!r} exists.", "slug")
    return Licensor.objects.create(slug=slug, **data)


@transaction.atomic
def update_licensor(licensor: Licensor, **data) -> Licensor:
    data = {k: v for k, v in data.items() if k in LICENSOR_FIELDS and v is not None}
    validation.raise_if(_licensor_errors(data))
    for name, value in data.items():
        setattr(licensor, name, value)
    licensor.save()
    return licensor


@transaction.atomic
def add_licensor_user(licensor: Licensor, user) -> LicensorUser:
    """Link an account to a licensor; staff accounts act for the shop, never for a licensor."""
    if user.is_staff:
        raise DomainError.single(
            "INVALID", "A staff account cannot also act for a licensor.", "user"
        )
    membership, _ = LicensorUser.objects.update_or_create(
        user=user, defaults={"licensor": licensor}
    )
    return membership


@transaction.atomic
def create_property(*, licensor: Licensor, name: str, slug: str, kind: str, films=()) -> Property:
    if not name.strip():
        raise DomainError.single("REQUIRED", "A property needs a name.", "name")
    if Property.objects.filter(slug=slug).exists():
        raise DomainError.single("UNIQUE", f"A property with slug {slug!r} exists.", "slug")
    prop = Property.objects.create(licensor=licensor, name=name, slug=slug, kind=kind)
    prop.films.set(films)
    return prop


# --- licences ---------------------------------------------------------------------------


@dataclass
class LicenceData:
    licensor: Licensor | None  # None is refused (REQUIRED) by `licence_errors`
    reference: str
    term_start: date
    term_end: date
    territories: list[str]
    properties: list[Property] = field(default_factory=list)
    channels: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    name: str = ""
    sell_off_days: int = 180
    exclusive: bool = False
    status: str = LicenceStatus.DRAFT


SCALAR_FIELDS = (
    "reference",
    "name",
    "term_start",
    "term_end",
    "sell_off_days",
    "exclusive",
    "status",
    "territories",
)
RELATED_FIELDS = ("properties", "channels", "categories")


def _snapshot(licence: Licence | None, related: dict | None = None) -> dict[str, str]:
    """A licence as text per field, the form the history stores."""
    if licence is None:
        return {}
    values = {}
    for name in SCALAR_FIELDS:
        value = getattr(licence, name)
        if name == "territories":
            value = ",".join(sorted(value))
        values[name] = "" if value is None else str(value)
    for name in RELATED_FIELDS:
        objects = related[name] if related else list(getattr(licence, name).all())
        values[name] = ", ".join(sorted(str(obj) for obj in objects))
    return values


def _record(licence: Licence, before: dict, after: dict, actor) -> list[LicenceChange]:
    now = timezone.now()
    changes = [
        LicenceChange(
            licence=licence,
            changed_by=actor if actor is not None and actor.is_authenticated else None,
            changed_at=now,
            field=name,
            old_value=before.get(name, ""),
            new_value=value,
        )
        for name, value in after.items()
        if before.get(name, "") != value
    ]
    return LicenceChange.objects.bulk_create(changes)


def licence_errors(data: LicenceData, pk: int | None = None) -> list[ErrorDetail]:
    """Everything wrong with a licence as it would be written (exclusivity included)."""
    if data.licensor is None:
        return [ErrorDetail("REQUIRED", "A licence needs a licensor.", "licensor")]
    errors = validation.term(data.term_start, data.term_end)
    errors += validation.territories(data.territories)
    if not (data.reference or "").strip():
        errors.append(ErrorDetail("REQUIRED", "A licence needs a reference.", "reference"))
    elif Licence.objects.filter(reference=data.reference).exclude(pk=pk).exists():
        errors.append(
            ErrorDetail("UNIQUE", f"Licence reference {data.reference!r} is taken.", "reference")
        )
    if data.sell_off_days is None or data.sell_off_days < 0:
        errors.append(
            ErrorDetail("INVALID", "The sell-off period cannot be negative.", "sell_off_days")
        )
    if data.status not in LicenceStatus.values:
        errors.append(ErrorDetail("INVALID", f"Unknown status {data.status!r}.", "status"))
    foreign = [p.name for p in data.properties if p.licensor_id != data.licensor.pk]
    if foreign:
        errors.append(
            ErrorDetail(
                "PROPERTY_NOT_OWNED",
                f"{data.licensor.name} does not own {', '.join(sorted(foreign))}.",
                "properties",
            )
        )
    if not data.properties:
        errors.append(
            ErrorDetail("REQUIRED", "A licence needs at least one property.", "properties")
        )
    if not errors:
        conflict = exclusivity_conflict(data, pk)
        if conflict:
            errors.append(conflict)
    return errors


def _categories_overlap(mine, theirs) -> list:
    """Pairs of categories where one contains the other (a licence covers subcategories)."""
    pairs = []
    for a in mine:
        for b in theirs:
            if a.tree_id == b.tree_id and (
                (a.lft <= b.lft and a.rght >= b.rght) or (b.lft <= a.lft and b.rght >= a.rght)
            ):
                pairs.append((a, b))
    return pairs


def exclusivity_conflict(data: LicenceData, pk: int | None = None) -> ErrorDetail | None:
    """Two exclusive licences may not share a property, category, territory and dates."""
    if not data.exclusive or data.status == LicenceStatus.TERMINATED:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_EXCLUSIVITY_LOCK])
    candidates = (
        Licence.objects.filter(
            exclusive=True,
            properties__in=[p.pk for p in data.properties],
            territories__overlap=list(data.territories),
            term_start__lte=data.term_end,
            term_end__gte=data.term_start,
        )
        .exclude(status=LicenceStatus.TERMINATED)
        .exclude(pk=pk)
        .distinct()
        .prefetch_related("categories", "properties")
        .order_by("reference")
    )
    for other in candidates:
        pairs = _categories_overlap(data.categories, other.categories.all())
        if not pairs:
            continue
        shared_props = sorted(
            p.name for p in other.properties.all() if p.pk in {x.pk for x in data.properties}
        )
        shared_lands = sorted(set(data.territories) & set(other.territories))
        return ErrorDetail(
            "EXCLUSIVITY_CONFLICT",
            f"Exclusive licence {other.reference} already covers {', '.join(shared_props)} "
            f"for category {pairs[0][1].name} in {', '.join(shared_lands)} from "
            f"{other.term_start} to {other.term_end}; exclusive licences cannot overlap.",
            "exclusive",
            {"licence": other.pk},
        )
    return None


def _set_related(licence: Licence, data: LicenceData) -> None:
    licence.properties.set(data.properties)
    licence.channels.set(data.channels)
    licence.categories.set(data.categories)


def _related_of(data: LicenceData) -> dict:
    return {"properties": data.properties, "channels": data.channels, "categories": data.categories}


@transaction.atomic
def create_licence(data: LicenceData, actor=None) -> Licence:
    data.territories = sorted({code.upper() for code in data.territories})
    validation.raise_if(licence_errors(data))
    licence = Licence.objects.create(
        licensor=data.licensor,
        **{name: getattr(data, name) for name in SCALAR_FIELDS},
    )
    _set_related(licence, data)
    _record(licence, {}, _snapshot(licence, _related_of(data)), actor)
    return licence


def data_of(licence: Licence) -> LicenceData:
    return LicenceData(
        licensor=licence.licensor,
        reference=licence.reference,
        name=licence.name,
        term_start=licence.term_start,
        term_end=licence.term_end,
        territories=list(licence.territories),
        properties=list(licence.properties.all()),
        channels=list(licence.channels.all()),
        categories=list(licence.categories.all()),
        sell_off_days=licence.sell_off_days,
        exclusive=licence.exclusive,
        status=licence.status,
    )


@transaction.atomic
def update_licence(licence: Licence, changes: dict, actor=None) -> Licence:
    """Apply the given fields (None or absent: unchanged) and record what changed.

    A licence never changes licensor: a `licensor` in `changes` (any value) is refused.
    """
    if changes.get("licensor") is not None:
        raise DomainError.single(
            "INVALID", "A licence's licensor cannot change; grant a new licence.", "licensor"
        )
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    data = data_of(licence)
    before = _snapshot(licence, _related_of(data))
    for name, value in changes.items():
        if value is not None and hasattr(data, name) and name != "licensor":
            setattr(data, name, list(value) if name in RELATED_FIELDS else value)
    data.territories = sorted({code.upper() for code in data.territories})
    validation.raise_if(licence_errors(data, licence.pk))
    for name in SCALAR_FIELDS:
        setattr(licence, name, getattr(data, name))
    licence.save()
    _set_related(licence, data)
    _record(licence, before, _snapshot(licence, _related_of(data)), actor)
    return licence


def record_admin_change(licence: Licence, before: dict, actor) -> None:
    """History for an edit made in the admin (the form has saved the licence)."""
    _record(licence, before, _snapshot(licence), actor)


snapshot = _snapshot


@transaction.atomic
def expire_licences(today: date | None = None) -> int:
    """Mark active licences whose term has ended as expired (their sell-off still runs)."""
    today = today or timezone.localdate()
    count = 0
    for licence in Licence.objects.select_for_update().filter(
        status=LicenceStatus.ACTIVE, term_end__lt=today
    ):
        before = _snapshot(licence)
        licence.status = LicenceStatus.EXPIRED
        licence.save(update_fields=["status", "updated_at"])
        _record(licence, before, _snapshot(licence), None)
        count += 1
    return count


# --- royalty terms ----------------------------------------------------------------------


@dataclass
class TermsData:
    effective_from: date
    rate_percent: Decimal
    currency: str
    per_unit_amount: Decimal = Decimal(0)
    per_unit_minimum: Decimal | None = None
    base: str = "net"
    tier_basis: str = "none"
    tiers: list[validation.TierSpec] = field(default_factory=list)
    advance_amount: Decimal = Decimal(0)
    advance_recoupable: bool = True
    minimum_guarantee: Decimal = Decimal(0)
    exchange_rate_source: str = ""
    exchange_rate_date: str = "transaction"


def terms_errors(licence: Licence, data: TermsData) -> list[ErrorDetail]:
    errors = validation.percentage(data.rate_percent, "rate_percent", "The royalty rate")
    errors += validation.currency(data.currency)
    errors += validation.non_negative(
        data.per_unit_amount, "per_unit_amount", "The per-unit amount"
    )
    errors += validation.non_negative(
        data.per_unit_minimum, "per_unit_minimum", "The per-unit minimum"
    )
    errors += validation.non_negative(data.advance_amount, "advance_amount", "The advance")
    errors += validation.non_negative(
        data.minimum_guarantee, "minimum_guarantee", "The minimum guarantee"
    )
    if data.effective_from is None:
        errors.append(ErrorDetail("REQUIRED", "Terms need an effective date.", "effective_from"))
    elif not licence.term_start <= data.effective_from <= licence.term_end:
        errors.append(
            ErrorDetail(
                "INVALID",
                f"Terms must take effect within the licence term ({licence.term_start} to "
                f"{licence.term_end}), not on {data.effective_from}.",
                "effective_from",
            )
        )
    elif RoyaltyTerms.objects.filter(licence=licence, effective_from=data.effective_from).exists():
        errors.append(
            ErrorDetail(
                "UNIQUE",
                f"Terms taking effect on {data.effective_from} already exist for this licence.",
                "effective_from",
            )
        )
    if data.tier_basis == "none" and data.tiers:
        errors.append(
            ErrorDetail("INVALID_TIERS", "Tiers need a basis: units or revenue.", "tier_basis")
        )
    elif data.tier_basis != "none":
        if not data.tiers:
            errors.append(
                ErrorDetail("INVALID_TIERS", "A tier basis is set but no tiers are given.", "tiers")
            )
        errors += validation.tiers(data.tiers)
    foreign_currency = data.currency and data.currency != licence.licensor.statement_currency
    if foreign_currency and not data.exchange_rate_source.strip():
        errors.append(
            ErrorDetail(
                "REQUIRED",
                f"Terms in {data.currency} for a licensor paid in "
                f"{licence.licensor.statement_currency} need an exchange-rate source.",
                "exchange_rate_source",
            )
        )
    return errors


@transaction.atomic
def add_royalty_terms(licence: Licence, data: TermsData, actor=None) -> RoyaltyTerms:
    """A new version of a licence's royalty terms, in force from `effective_from`."""
    licence = Licence.objects.select_for_update().select_related("licensor").get(pk=licence.pk)
    validation.raise_if(terms_errors(licence, data))
    terms = RoyaltyTerms.objects.create(
        licence=licence,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **{name: getattr(data, name) for name in TermsData.__dataclass_fields__ if name != "tiers"},
    )
    RoyaltyTier.objects.bulk_create(
        RoyaltyTier(
            terms=terms,
            lower_bound=tier.lower_bound,
            upper_bound=tier.upper_bound,
            rate_percent=tier.rate_percent,
        )
        for tier in data.tiers
    )
    before = {"royalty_terms": ""}
    after = {"royalty_terms": f"version from {terms.effective_from}: {terms.rate_percent} %"}
    _record(licence, before, after, actor)
    return terms


@transaction.atomic
def set_exchange_rate(*, source: str, base: str, quote: str, on: date, rate: Decimal):
    errors = validation.currency(base, "base_currency") + validation.currency(
        quote, "quote_currency"
    )
    if rate is None or Decimal(rate) <= 0:
        errors.append(ErrorDetail("INVALID", "An exchange rate must be above 0.", "rate"))
    if not source.strip():
        errors.append(ErrorDetail("REQUIRED", "An exchange rate needs its source.", "source"))
    validation.raise_if(errors)
    row, _ = ExchangeRate.objects.update_or_create(
        source=source, base_currency=base, quote_currency=quote, date=on, defaults={"rate": rate}
    )
    return row


# --- product approvals ------------------------------------------------------------------


@transaction.atomic
def submit_product(product, declarations: list[tuple[Licence, Decimal]], actor=None, comment=""):
    """Declare the licences a product uses and their shares; approval starts over at concept.

    Resubmitting replaces the declarations: a changed design needs the
    licensor's eyes again, so every licence's approval restarts.
    """
    errors = validation.shares([share for _, share in declarations])
    licence_ids = [licence.pk for licence, _ in declarations]
    if len(set(licence_ids)) != len(licence_ids):
        errors.append(ErrorDetail("INVALID", "A licence is declared twice.", "licences"))
    for licence, _ in declarations:
        if licence.status == LicenceStatus.TERMINATED:
            errors.append(
                ErrorDetail("INVALID", f"Licence {licence.reference} was terminated.", "licences")
            )
    validation.raise_if(errors)
    existing = {
        a.licence_id: a
        for a in ProductApproval.objects.select_for_update().filter(product_id=product.pk)
    }
    stale = [a.pk for lid, a in existing.items() if lid not in licence_ids]
    ApprovalEvent.objects.filter(approval_id__in=stale).delete()
    ProductApproval.objects.filter(pk__in=stale).delete()
    approvals = []
    for licence, share in declarations:
        approval = existing.get(licence.pk) or ProductApproval(product=product, licence=licence)
        approval.share_percent = share
        approval.stage = ApprovalStage.CONCEPT
        approval.submitted_at = timezone.now()
        approval.save()
        ApprovalEvent.objects.create(
            approval=approval, stage=ApprovalStage.CONCEPT, comment=comment, actor=_user(actor)
        )
        approvals.append(approval)
    return approvals


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _check_property(approval: ProductApproval) -> None:
    product, licence = approval.product, approval.licence
    owns = (
        product.film_id is not None
        and Property.objects.filter(
            licensor_id=licence.licensor_id, licences=licence, films=product.film_id
        ).exists()
    )
    if not owns:
        film = product.film.title if product.film_id else "no film"
        raise DomainError.single(
            "PROPERTY_NOT_OWNED",
            f"{licence.licensor.name} cannot approve {product.name}: it derives from {film}, "
            f"which is not a property of {licence.licensor.name} under licence "
            f"{licence.reference}.",
            "id",
        )


def _locked(approval: ProductApproval) -> ProductApproval:
    return (
        ProductApproval.objects.select_for_update(of=("self",))
        .select_related("product__film", "licence__licensor")
        .get(pk=approval.pk)
    )


@transaction.atomic
def approve_stage(approval: ProductApproval, licensor_id: int, actor=None, comment=""):
    """The licensor passes the product to the next stage; after the production sample, approved."""
    approval = _locked(approval)
    if approval.licence.licensor_id != licensor_id:
        raise DomainError.single("NOT_FOUND", "The approval does not exist.", "id")
    if approval.stage == ApprovalStage.REJECTED:
        raise DomainError.single(
            "INVALID_STAGE", "The product was rejected; it must be resubmitted first.", "id"
        )
    if approval.stage == ApprovalStage.APPROVED:
        raise DomainError.single("INVALID_STAGE", "The product is already approved.", "id")
    _check_property(approval)
    approval.stage = STAGE_ORDER[STAGE_ORDER.index(approval.stage) + 1]
    approval.save(update_fields=["stage", "updated_at"])
    ApprovalEvent.objects.create(
        approval=approval, stage=approval.stage, comment=comment, actor=_user(actor)
    )
    return approval


@transaction.atomic
def reject(approval: ProductApproval, licensor_id: int, comment: str, actor=None):
    """The licensor rejects the product at any stage, saying why (a comment is required)."""
    approval = _locked(approval)
    if approval.licence.licensor_id != licensor_id:
        raise DomainError.single("NOT_FOUND", "The approval does not exist.", "id")
    if not (comment or "").strip():
        raise DomainError.single("REQUIRED", "A rejection needs a comment saying why.", "comment")
    if approval.stage == ApprovalStage.REJECTED:
        raise DomainError.single("INVALID_STAGE", "The product is already rejected.", "id")
    _check_property(approval)
    approval.stage = ApprovalStage.REJECTED
    approval.save(update_fields=["stage", "updated_at"])
    ApprovalEvent.objects.create(
        approval=approval, stage=approval.stage, comment=comment, actor=_user(actor)
    )
    return approval
