"""Statement periods (calendar months, quarters, half-years, years) and contract years.

A licence's statement periods are calendar-aligned blocks of
`Licence.statement_period_months` months (3 by default: calendar
quarters). A close covers one calendar period; a licence is stated in it
when the close's last day is the last day of one of the licence's periods,
and its statement then covers that whole licence period (a yearly licence
is stated in the December close, for January to December).

A contract year is twelve months from the licence's `term_start` (year 1:
term_start to the day before its first anniversary, and so on): tiers and
the minimum guarantee count within it.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from marquee.core.exceptions import DomainError

PERIOD_INVALID = "PERIOD_INVALID"
PERIOD_NOT_ENDED = "PERIOD_NOT_ENDED"


def month_end(day: date) -> date:
    return day + relativedelta(day=31)


def validate_period(start: date, end: date, today: date) -> None:
    """A close covers whole calendar months (normally a quarter) that have ended."""
    if start.day != 1 or end != month_end(end) or end < start:
        raise DomainError.single(
            PERIOD_INVALID,
            f"A royalty period runs from the first day of a month to the last day of a month; "
            f"{start}–{end} does not.",
            field="periodStart",
        )
    if end >= today:
        raise DomainError.single(
            PERIOD_NOT_ENDED,
            f"The period {start}–{end} has not ended yet; it can be closed from "
            f"{end + timedelta(days=1)}.",
            field="periodEnd",
        )


def licence_period_start(months: int, day: date) -> date:
    """The first day of the licence's calendar period that contains `day`."""
    return date(day.year, ((day.month - 1) // months) * months + 1, 1)


def period_of(months: int, day: date) -> tuple[date, date]:
    """The calendar period of `months` months holding `day`, first and last day inclusive."""
    start = licence_period_start(months, day)
    return start, month_end(start + relativedelta(months=months - 1))


def licence_window(months: int, close_start: date, close_end: date) -> date | None:
    """Where a licence's statement in this close starts, or None if it is not stated in it.

    It is stated when the close ends where one of its periods ends; the
    statement covers its whole period, or the whole close if the close is
    longer (a monthly licence in a quarterly close is stated for the quarter).
    """
    if close_end.month % months != 0:
        return None
    return min(close_start, licence_period_start(months, close_end))


def contract_years_ending(term_start: date, window_start: date, window_end: date):
    """(year_start, year_end) of each contract year whose last day falls in the window."""
    n = 1
    while True:
        year_end = term_start + relativedelta(years=n) - timedelta(days=1)
        if year_end > window_end:
            return
        if year_end >= window_start:
            yield term_start + relativedelta(years=n - 1), year_end
        n += 1
