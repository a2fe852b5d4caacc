"""Demand signals for a film's licensor: what its backers back and buy, by price and by city tier.

The question 娱乐宝 was meant to answer for the studios ("30, 50 or 100
yuan?", "which cities buy?"), as one read for the licensor portal to chart:

- backers: paid backing of the film's programmes, by the band of the unit
  price they backed at;
- member purchases: the film's merchandise bought by members of its
  programmes (members now: a membership holding paid units), on orders
  placed and not cancelled, less refunded units, by the band of the unit
  price they paid (the member price, when one applied) and by the city tier
  of the order's ship-to address.

Only counts and sums leave here, never a person: each cell says how many
people it describes, how many units and how much money. A cell describing
fewer than ``min_people`` people (see `data/city_tiers.toml`) is
suppressed: it keeps its label and says so, with no figures; and when a
group would have exactly one suppressed cell, the next smallest cell is
suppressed too, so the hidden one cannot be recovered from a published
total (a programme's units sold are public). Cells with nobody in them are
shown as zeros.

Every figure is aggregated in the database, one statement per table, so
the cost does not grow with the number of members in Python. Amounts are
rounded to the cent (ROUND_HALF_UP) once, after summing.

Who may see a film's signals (its licensor, staff) is the caller's to check.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Lower, Replace

from marquee.films.models import Film
from marquee.merch.models import OrderLine, OrderStatus, Product

from .models import BackerSubscription, Membership, SubscriptionStatus

DATA_FILE = Path(__file__).with_name("data") / "city_tiers.toml"
CENT = Decimal("0.01")
# Orders that count as purchases: placed (confirmed) and not cancelled.
EXCLUDED_ORDER_STATUSES = (OrderStatus.UNCONFIRMED, OrderStatus.CANCELED)
# Stripped from city names before matching, in SQL and in Python alike.
_IGNORED = (" ", "-", "'", "\u2019", "市", "city")


@dataclass(frozen=True)
class DemandCell:
    """One bar of a chart: a price band or a city tier, in one currency."""

    key: str  # the band's lower edge ("30") or the tier's slug ("tier-1")
    label: str
    currency: str
    people: int | None
    units: int | None
    amount: Decimal | None
    suppressed: bool = False


@dataclass(frozen=True)
class FilmDemand:
    film: str
    min_people: int
    backers_by_price_band: tuple[DemandCell, ...]
    purchases_by_price_band: tuple[DemandCell, ...]
    purchases_by_city_tier: tuple[DemandCell, ...]

    @property
    def note(self) -> str:
        return (
            f"Cells describing fewer than {self.min_people} people are suppressed "
            "(shown without figures), with one more cell where needed so that none "
            "can be worked out from a total."
        )


@dataclass(frozen=True)
class _Config:
    min_people: int
    tiers: tuple[tuple[str, str, frozenset[str]], ...]  # (slug, name, city keys)
    other: str
    abroad: str
    bands: dict[str, tuple[Decimal, ...]]


@cache
def config() -> _Config:
    with DATA_FILE.open("rb") as file:
        data = tomllib.load(file)
    return _Config(
        min_people=int(data["min_people"]),
        tiers=tuple(
            (tier["slug"], tier["name"], frozenset(city_key(c) for c in tier["cities"]))
            for tier in data["tiers"]
        ),
        other=data["fallback"]["other"],
        abroad=data["fallback"]["abroad"],
        bands={
            currency: tuple(sorted(Decimal(edge) for edge in edges))
            for currency, edges in data["price_bands"].items()
        },
    )


def city_key(name: str) -> str:
    """A city name as matched: lower case, without spaces, hyphens, apostrophes, 市 or "city"."""
    key = (name or "").lower()
    for ignored in _IGNORED:
        key = key.replace(ignored, "")
    return key


def _sql_city_key(field: str):
    expression = Lower(F(field))
    for ignored in _IGNORED:
        expression = Replace(expression, Value(ignored), Value(""))
    return expression


def film_demand(film: Film | str) -> FilmDemand:
    """The demand signals of one film (a `Film` or its slug); an unknown slug has none."""
    if isinstance(film, str):
        film = Film.objects.filter(slug=film).first() or Film(slug=film)
    conf = config()
    return FilmDemand(
        film=film.slug,
        min_people=conf.min_people,
        backers_by_price_band=_backers_by_band(film, conf),
        purchases_by_price_band=_purchases_by_band(film, conf),
        purchases_by_city_tier=_purchases_by_city_tier(film, conf),
    )


# --- the three reads ------------------------------------------------------------------


def _band_edge(price_field: str, conf: _Config):
    """SQL: the lower edge of the band a price falls in, in its currency's bands."""
    whens = [
        When(Q(currency=currency) & Q(**{f"{price_field}__gte": edge}), then=Value(edge))
        for currency, edges in conf.bands.items()
        for edge in sorted(edges, reverse=True)
    ]
    output = DecimalField(max_digits=20, decimal_places=4)
    return Case(*whens, default=Value(Decimal(0)), output_field=output)


def _backers_by_band(film: Film, conf: _Config) -> tuple[DemandCell, ...]:
    if film.pk is None:
        return ()
    rows = (
        BackerSubscription.objects.filter(programme__film=film, status=SubscriptionStatus.PAID)
        .annotate(edge=_band_edge("unit_price", conf))
        .values("currency", "edge")
        .annotate(
            people=Count("membership__user_id", distinct=True),
            units=Sum("units"),
            amount=Sum("amount"),
        )
    )
    return _band_cells(rows, conf)


def _member_lines(film: Film):
    members = Membership.objects.filter(programme__film=film, units_held__gt=0).values("user_id")
    return (
        OrderLine.objects.filter(
            order__user_id__in=members,
            product_id__in=Product.objects.filter(film=film).values("pk"),
        )
        .exclude(order__status__in=EXCLUDED_ORDER_STATUSES)
        .annotate(
            kept=F("quantity") - F("quantity_refunded"),
            paid=ExpressionWrapper(
                F("unit_price_gross_amount") * (F("quantity") - F("quantity_refunded")),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            ),
        )
        .filter(kept__gt=0)
    )


def _purchases_by_band(film: Film, conf: _Config) -> tuple[DemandCell, ...]:
    if film.pk is None:
        return ()
    rows = (
        _member_lines(film)
        .annotate(edge=_band_edge("unit_price_gross_amount", conf))
        .values("currency", "edge")
        .annotate(
            people=Count("order__user_id", distinct=True), units=Sum("kept"), amount=Sum("paid")
        )
    )
    return _band_cells(rows, conf)


def _purchases_by_city_tier(film: Film, conf: _Config) -> tuple[DemandCell, ...]:
    if film.pk is None:
        return ()
    # The city first, then the province field; outside China "abroad", else "other".
    whens = [When(Q(city_key__in=keys), then=Value(slug)) for slug, _name, keys in conf.tiers] + [
        When(Q(area_key__in=keys), then=Value(slug)) for slug, _name, keys in conf.tiers
    ]
    whens.append(When(~Q(order__shipping_address__country="CN"), then=Value("abroad")))
    rows = (
        _member_lines(film)
        .filter(order__shipping_address__isnull=False)
        .annotate(
            city_key=_sql_city_key("order__shipping_address__city"),
            area_key=_sql_city_key("order__shipping_address__country_area"),
        )
        .annotate(tier=Case(*whens, default=Value("other"), output_field=CharField()))
        .values("currency", "tier")
        .annotate(
            people=Count("order__user_id", distinct=True), units=Sum("kept"), amount=Sum("paid")
        )
    )
    found = {(row["currency"], row["tier"]): row for row in rows}
    names = [(slug, name) for slug, name, _keys in conf.tiers]
    names += [("other", conf.other), ("abroad", conf.abroad)]
    cells = []
    for currency in sorted({currency for currency, _tier in found}):
        group = [_cell(slug, name, currency, found.get((currency, slug))) for slug, name in names]
        cells.extend(_suppress(group, conf.min_people))
    return tuple(cells)


# --- cells -------------------------------------------------------------------------------


def _band_cells(rows, conf: _Config) -> tuple[DemandCell, ...]:
    found = {(row["currency"], Decimal(row["edge"])): row for row in rows}
    cells = []
    for currency in sorted({currency for currency, _edge in found}):
        edges = conf.bands.get(currency, (Decimal(0),))
        group = []
        for index, edge in enumerate(edges):
            upper = edges[index + 1] if index + 1 < len(edges) else None
            label = (
                f"{currency} {_plain(edge)}–{_plain(upper)}"
                if upper is not None
                else f"{currency} {_plain(edge)}+"
            )
            group.append(_cell(_plain(edge), label, currency, found.get((currency, edge))))
        cells.extend(_suppress(group, conf.min_people))
    return tuple(cells)


def _plain(edge: Decimal) -> str:
    return f"{edge.normalize():f}"


def _cell(key: str, label: str, currency: str, row: dict | None) -> DemandCell:
    if row is None:
        return DemandCell(key, label, currency, people=0, units=0, amount=Decimal("0.00"))
    amount = Decimal(row["amount"] or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    return DemandCell(key, label, currency, row["people"], int(row["units"] or 0), amount)


def _hidden(cell: DemandCell) -> DemandCell:
    return DemandCell(cell.key, cell.label, cell.currency, None, None, None, suppressed=True)


def _suppress(group: list[DemandCell], min_people: int) -> list[DemandCell]:
    """Hide small cells, and one more when a single hidden cell could be worked out."""
    small = {i for i, c in enumerate(group) if 0 < (c.people or 0) < min_people}
    if len(small) == 1:
        shown = [i for i, c in enumerate(group) if i not in small and (c.people or 0) > 0]
        if shown:
            small.add(min(shown, key=lambda i: (group[i].people, group[i].units)))
    return [_hidden(c) if i in small else c for i, c in enumerate(group)]
