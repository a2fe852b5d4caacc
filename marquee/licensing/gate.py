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

A refusal is told two ways (`Reason`): in full, naming the licence, its
licensor, territories and dates, for staff and for the licensor whose
contract it is; and publicly, saying only what a shopper can act on ("Not
available for delivery to Italy."), because a refusal quoting the contract
lets anyone map a licensor's territories and terms by probing checkouts.
`may_read_contract` decides which form a viewer reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django_countries import countries

from marquee.merch.models import Category

from .models import SELLING_STATUSES, ApprovalStage, Licence, LicenceStatus, ProductApproval
from .selectors import Viewer

CODE = "LICENCE_NOT_VALID"

NOT_FOR_SALE = "Not available for sale."
NOT_YET = "Not available yet."
NO_LONGER = "No longer sold in this channel."
NOT_IN_CHANNEL = "Not sold in this channel."


@dataclass(frozen=True)
class Reason:
    """Why a product may not be sold: `full` quotes the contract, `public` does not.

    `licensor_id` is the licensor whose licence or approval the full form
    describes; None when it describes no contract (nothing declared).
    """

    full: str
    public: str
    licensor_id: int | None = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    why: Reason | None = None
    in_sell_off: bool = False

    @property
    def reason(self) -> str:
        """The full reason, for staff screens (the admin's publication check)."""
        return self.why.full if self.why else ""


def may_read_contract(viewer: Viewer, licensor_id: int | None) -> bool:
    """Staff read every contract; a licensor's users read their own licensor's."""
    if viewer.is_staff:
        return True
    return licensor_id is not None and viewer.licensor_id == licensor_id


def country_name(code: str) -> str:
    """The country's English name: public reasons are written in English."""
    with translation.override("en"):
        return str(countries.name(code)) or code


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
        return Verdict(
            False, Reason("no licence covers this product (none is declared for it)", NOT_FOR_SALE)
        )
    in_sell_off = False
    for approval in approvals:
        problem = _problem(approval, channel, country, on_date)
        if problem:
            full, public = problem
            return Verdict(False, Reason(full, public, approval.licence.licensor_id))
        in_sell_off = in_sell_off or on_date > approval.licence.term_end
    return Verdict(True, in_sell_off=in_sell_off)


def _problem(
    approval: ProductApproval, channel, country: str, on_date: date
) -> tuple[str, str] | None:
    """(full, public) reason this declaration blocks the sale, or None."""
    licence = approval.licence
    name = f"licence {licence.reference} ({licence.licensor.name})"
    if approval.stage == ApprovalStage.REJECTED:
        return f"the product was rejected by {licence.licensor.name}", NOT_FOR_SALE
    if approval.stage != ApprovalStage.APPROVED:
        return (
            f"the product is not approved by {licence.licensor.name} yet "
            f"(stage: {approval.get_stage_display().lower()})",
            NOT_YET,
        )
    if licence.status == LicenceStatus.DRAFT:
        return f"{name} is a draft, not active", NOT_FOR_SALE
    if licence.status == LicenceStatus.TERMINATED:
        return f"{name} was terminated", NO_LONGER
    if on_date < licence.term_start:
        return f"{name} only starts on {licence.term_start}", NOT_YET
    if on_date > licence.sell_off_until:
        return (
            f"{name} expired on {licence.term_end} and its sell-off period ended on "
            f"{licence.sell_off_until}",
            NO_LONGER,
        )
    if country not in licence.territories:
        return (
            f"{name} does not cover the territory {country}",
            f"Not available for delivery to {country_name(country)}.",
        )
    if not approval.channel_covered:
        return f"{name} does not cover the sales channel {channel.slug!r}", NOT_IN_CHANNEL
    if not approval.category_covered:
        if approval.category_name is None:
            return "the product has no category, so no licence can cover it", NOT_FOR_SALE
        return (
            f"{name} does not cover the product category {approval.category_name!r}",
            NOT_FOR_SALE,
        )
    return None


def verdict(product, channel, country: str | None = None, on_date: date | None = None) -> Verdict:
    country = country or channel.default_country.code
    on_date = on_date or timezone.localdate()
    return verdicts([product.pk], channel, country, on_date)[product.pk]
