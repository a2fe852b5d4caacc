"""The per-line snapshot: what a sale owes under, frozen in the sale's transaction.

For every order line, one `SaleSnapshot` per licence the product sells
under (its approved `ProductApproval` rows), with the licensor's share,
the `RoyaltyTerms` version in force on the sale date (the latest version
whose `effective_from` is on or before it), the product's category, the
channel, the ship-to country and the line's net totals at list price and
as paid (after price rules and the line's voucher share, before tax).

The checkout is refused (a completion validator, `terms_in_force`, so the
codes are in the API's enum; nothing is written, the checkout stays) when
a licence has no terms in force on the sale date, or when its terms carry
per-unit amounts in another currency than the sale's: better no sale than
a sale whose royalty cannot be computed. The licence gate has already
refused products without a valid licence, so these are register gaps
staff must fix; a customer hears only that the product cannot be sold now.
The placement hook checks again (the date may have turned in between) and
refuses the order the same way.

Cost: one SELECT (approvals with their terms, by subquery; made by the
validator and reused by the hook through `CheckoutInfo.extra`) and one bulk
INSERT, whatever the number of lines. With the licence gate off (test
suites of other domains) both do nothing.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from marquee.core.exceptions import DomainError, ErrorDetail

from ..models import ApprovalStage, ProductApproval, RoyaltyTerms, SaleSnapshot

TERMS_MISSING = "ROYALTY_TERMS_MISSING"
CURRENCY_MISMATCH = "ROYALTY_CURRENCY_MISMATCH"
CODES = (TERMS_MISSING, CURRENCY_MISMATCH)


def _terms_in_force(on_date, field: str) -> Subquery:
    return Subquery(
        RoyaltyTerms.objects.filter(licence_id=OuterRef("licence_id"), effective_from__lte=on_date)
        .order_by("-effective_from")
        .values(field)[:1]
    )


def declarations(product_ids, on_date) -> dict[int, list[dict]]:
    """Each product's approved licences with the terms in force on `on_date`, in one SELECT."""
    rows = (
        ProductApproval.objects.filter(product_id__in=product_ids, stage=ApprovalStage.APPROVED)
        .annotate(
            terms_id=_terms_in_force(on_date, "pk"),
            terms_currency=_terms_in_force(on_date, "currency"),
            terms_per_unit=_terms_in_force(on_date, "per_unit_amount"),
            terms_minimum=_terms_in_force(on_date, "per_unit_minimum"),
        )
        .order_by("product_id", "licence_id")
        .values(
            "product_id",
            "licence_id",
            "licence__licensor_id",
            "share_percent",
            "terms_id",
            "terms_currency",
            "terms_per_unit",
            "terms_minimum",
        )
    )
    by_product: dict[int, list[dict]] = {}
    for row in rows:
        by_product.setdefault(row["product_id"], []).append(row)
    return by_product


_CACHE_KEY = "licensing.declarations"


def cached_declarations(info, product_ids, on_date) -> dict[int, list[dict]]:
    """`declarations`, loaded once per CheckoutInfo and date."""
    cached = info.extra.get(_CACHE_KEY)
    if cached is None or cached[0] != on_date or not set(product_ids) <= cached[1]:
        cached = (on_date, set(product_ids), declarations(product_ids, on_date))
        info.extra[_CACHE_KEY] = cached
    return cached[2]


def _problem(row: dict, label: str, currency: str, on_date, extra: dict) -> ErrorDetail | None:
    if row["terms_id"] is None:
        return ErrorDetail(
            TERMS_MISSING,
            f"{label} cannot be sold right now: its royalty terms for {on_date} are not set up.",
            "lines",
            extra,
        )
    per_unit = row["terms_per_unit"] or 0
    minimum = row["terms_minimum"] or 0
    if (per_unit or minimum) and row["terms_currency"] != currency:
        return ErrorDetail(
            CURRENCY_MISMATCH,
            f"{label} cannot be sold in {currency} right now: its per-unit royalty is "
            f"set in {row['terms_currency']}.",
            "lines",
            extra,
        )
    return None


def terms_in_force(info, totals):
    """Completion validator: every licence of every line has usable terms today."""
    from ..hooks import enabled

    if not enabled():
        return
    on_date = timezone.localdate()
    by_product = cached_declarations(info, {line.product.pk for line in info.lines}, on_date)
    seen = set()
    for line in info.lines:
        for row in by_product.get(line.product.pk, ()):
            extra = {"variants": [line.variant.pk]}
            problem = _problem(row, line.product.name, totals.currency, on_date, extra)
            if problem is not None and (problem.code, line.product.pk) not in seen:
                seen.add((problem.code, line.product.pk))
                yield problem


def build(placement) -> list[SaleSnapshot]:
    """The snapshots of a placement (unsaved); raises `DomainError` on a register gap."""
    order = placement.order
    sold_at = order.created_at
    on_date = timezone.localdate(sold_at)
    pairs = zip(placement.lines, placement.info.lines, strict=True)
    products = {line.pk: info.product for line, info in pairs}
    by_product = cached_declarations(placement.info, {p.pk for p in products.values()}, on_date)
    snapshots, problems = [], []
    for line in placement.lines:
        product = products[line.pk]
        for row in by_product.get(product.pk, ()):
            extra = {"lines": [str(line.pk)]}
            problem = _problem(row, line.product_name, line.currency, on_date, extra)
            if problem is not None:
                problems.append(problem)
                continue
            snapshots.append(
                SaleSnapshot(
                    order_line=line,
                    licence_id=row["licence_id"],
                    licensor_id=row["licence__licensor_id"],
                    terms_id=row["terms_id"],
                    share_percent=row["share_percent"],
                    category_id=product.category_id,
                    channel_id=order.channel_id,
                    country=placement.country,
                    sold_at=sold_at,
                    currency=line.currency,
                    quantity=line.quantity,
                    list_total_net=line.undiscounted_total_price_net_amount,
                    net_total=line.total_price_net_amount,
                )
            )
    if problems:
        raise DomainError(*problems)
    return snapshots


def snapshot_licences(placement) -> None:
    """The placement hook: one bulk INSERT of every line's snapshots."""
    from ..hooks import enabled

    if not enabled():
        return
    snapshots = build(placement)
    if snapshots:
        SaleSnapshot.objects.bulk_create(snapshots)
