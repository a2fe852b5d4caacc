"""Tax: one flat rate per delivery country, and net/gross of an entered amount.

This is the single tax source of the catalogue, checkout and orders: the
`TaxRate` row of the country the goods go to (the shipping address, else the
channel's default country); a country without a row is taxed at 0 %.

Looking a rate up costs a statement, so it is done once per (channel object,
country) and remembered on that channel object, which lives for one request.
Channels fetched for the catalogue carry their default country's rate
already (`with_default_tax_rate`, a subquery in the channel's own
statement), so a catalogue page prices its products without an extra
statement.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from prices import TaxedMoney

from ..models import TaxRate
from .money import quantize_price

_CACHE_ATTR = "_marquee_tax_rates"
DEFAULT_RATE_ANNOTATION = "default_tax_rate"


def with_default_tax_rate(queryset: QuerySet) -> QuerySet:
    """Channels annotated with their default country's rate (NULL: no row, 0 %)."""
    return queryset.annotate(
        **{
            DEFAULT_RATE_ANNOTATION: Subquery(
                TaxRate.objects.filter(country=OuterRef("default_country")).values("rate")[:1]
            )
        }
    )


def rate_for_country(country_code: str) -> Decimal:
    """Percent, e.g. Decimal("13.000"); one statement."""
    rate = TaxRate.objects.filter(country=country_code).values_list("rate", flat=True).first()
    return Decimal(rate) if rate is not None else Decimal(0)


def rate_for(channel, country_code: str) -> Decimal:
    """The rate for deliveries to `country_code` in `channel`, looked up at most once."""
    cache = channel.__dict__.setdefault(_CACHE_ATTR, {})
    if country_code in cache:
        return cache[country_code]
    default = getattr(channel.default_country, "code", channel.default_country)
    if country_code == default and DEFAULT_RATE_ANNOTATION in channel.__dict__:
        annotated = channel.__dict__[DEFAULT_RATE_ANNOTATION]
        rate = Decimal(annotated) if annotated is not None else Decimal(0)
    else:
        rate = rate_for_country(country_code)
    cache[country_code] = rate
    return rate


def taxed(amount: Decimal, rate: Decimal, entered_with_tax: bool, currency: str) -> TaxedMoney:
    """Net and gross of an amount as entered in the channel, both rounded.

    Gross-entered channel: ``gross = round(amount)``, ``net = round(amount /
    (1 + r))``; net-entered: ``net = round(amount)``, ``gross = round(amount *
    (1 + r))``; with r = rate / 100. At 0 % both are the entered amount.
    """
    factor = 1 + rate / 100
    entered = quantize_price(amount, currency)
    if rate == 0:
        return TaxedMoney(net=entered, gross=entered)
    if entered_with_tax:
        return TaxedMoney(net=quantize_price(amount / factor, currency), gross=entered)
    return TaxedMoney(net=entered, gross=quantize_price(amount * factor, currency))
