"""The licence gate: may this product be shown or sold here, today?

A product may be published or bought in a channel, for a country, on a date
when it declares at least one licence and, for *every* licence it declares:

- the licensor has approved the product (stage `approved`);
- the licence is active, or expired but still inside its sell-off period
  (`term_start <= date <= term_end + sell_off_days`); draft and terminated
  licences cover nothing;
- the licence's territories include the country, its channels the channel,
  and one of its categories is the product's category or an ancestor of it.

Two forms of the same rule:

- `catalogue_filter` is one SQL expression (two EXISTS) for the catalogue,
  so listing products costs no extra statement;
- `verdicts` loads every declaration of a set of products in ONE statement
  and explains in words why a product fails, for checkout and publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from marquee.merch.models import Category

from .models import SELLING_STATUSES, ApprovalStage, Licence, LicenceStatus, ProductApproval

CODE = "LICENCE_NOT_VALID"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    in_sell_off: bool = False


def _channel_covered(channel_id: int) -> Exists:
    return Exists(
        Licence.channels.through.objects.filter(
            licence_id=OuterRef("licence_id"), channel_id=channel_id
        )
    )


def _category_covered() -> Exists:
    """The licence has the product's category, or one of its ancestors (MPTT bounds)."""
    return Exists(
        Category.objects.filter(
            licences=OuterRef("licence_id"),
            tree_id=OuterRef("product__category__tree_id"),
            lft__lte=OuterRef("product__category__lft"),
            rght__gte=OuterRef("product__category__rght"),
        )
    )


def covering(channel_id: int, country: str, on_date: date) -> Q:
    """ProductApproval rows that allow a sale: approved, under a licence in scope on the date."""
    return Q(
        _channel_covered(channel_id),
        _category_covered(),
        stage=ApprovalStage.APPROVED,
        licence__status__in=SELLING_STATUSES,
        licence__term_start__lte=on_date,
        licence__sell_off_until__gte=on_date,
        licence__territories__contains=[country],
    )


def catalogue_filter(queryset, channel, now):
    """Hide products not licensed in the channel's default country today."""
    on_date = timezone.localdate(now)
    declared = ProductApproval.objects.filter(product_id=OuterRef("pk"))
    failing = declared.exclude(covering(channel.pk, channel.default_country.code, on_date))
    return queryset.filter(Exists(declared), ~Exists(failing))


def verdicts(product_ids, channel, country: str, on_date: date) -> dict[int, Verdict]:
    """Whether each product may be sold, in one SQL statement for all of them."""
    product_ids = set(product_ids)
    rows = (
        ProductApproval.objects.filter(product_id__in=product_ids)
        .select_related("licence__licensor")
        .annotate(
            channel_covered=_channel_covered(channel.pk),
            category_covered=_category_covered(),
            category_name=F("product__category__name"),
        )
        .order_by("product_id", "licence__reference")
    )
    by_product: dict[int, list[ProductApproval]] = {pid: [] for pid in product_ids}
    for row in rows:
        by_product[row.product_id].append(row)
    return {
        pid: _verdict(approvals, channel, country, on_date) for pid, approvals in by_product.items()
    }


def _verdict(approvals, channel, country: str, on_date: date) -> Verdict:
    if not approvals:
        return Verdict(False, "no licence covers this product (none is declared for it)")
    in_sell_off = False
    for approval in approvals:
        reason = _problem(approval, channel, country, on_date)
        if reason:
            return Verdict(False, reason)
        in_sell_off = in_sell_off or on_date > approval.licence.term_end
    return Verdict(True, in_sell_off=in_sell_off)


def _problem(approval: ProductApproval, channel, country: str, on_date: date) -> str:
    licence = approval.licence
    name = f"licence {licence.reference} ({licence.licensor.name})"
    if approval.stage == ApprovalStage.REJECTED:
        return f"the product was rejected by {licence.licensor.name}"
    if approval.stage != ApprovalStage.APPROVED:
        return (
            f"the product is not approved by {licence.licensor.name} yet "
            f"(stage: {approval.get_stage_display().lower()})"
        )
    if licence.status == LicenceStatus.DRAFT:
        return f"{name} is a draft, not active"
    if licence.status == LicenceStatus.TERMINATED:
        return f"{name} was terminated"
    if on_date < licence.term_start:
        return f"{name} only starts on {licence.term_start}"
    if on_date > licence.sell_off_until:
        return (
            f"{name} expired on {licence.term_end} and its sell-off period ended on "
            f"{licence.sell_off_until}"
        )
    if country not in licence.territories:
        return f"{name} does not cover the territory {country}"
    if not approval.channel_covered:
        return f"{name} does not cover the sales channel {channel.slug!r}"
    if not approval.category_covered:
        if approval.category_name is None:
            return "the product has no category, so no licence can cover it"
        return f"{name} does not cover the product category {approval.category_name!r}"
    return ""


def verdict(product, channel, country: str | None = None, on_date: date | None = None) -> Verdict:
    country = country or channel.default_country.code
    on_date = on_date or timezone.localdate()
    return verdicts([product.pk], channel, country, on_date)[product.pk]
