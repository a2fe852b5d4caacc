"""Closing a royalty period: a Celery task per close, one transaction per licensor.

`close_period(start, end, user)` refuses a period that has not ended
(PERIOD_NOT_ENDED) and one that is not whole calendar months
(PERIOD_INVALID). Closing a period already closed (or being closed) is a
no-op that says so (`CloseRequest.already_closed`); a close that failed
(e.g. a missing exchange rate) is queued again and picks up where it
stopped: licensors with a statement keep it.

The task (`marquee.licensing.tasks.close_royalty_period`) closes licensor
by licensor, committing `licensors_done` after each, so progress is
visible while it runs. One licensor's close is one transaction: the
period-end postings (`postings`), the statement lines (`lines`), the
statement and its files; an error (a missing exchange rate names the pair
and date) rolls all of it back, is recorded on the close, and the next
licensor is closed.

Statement totals, in the statement currency:

    amount_payable = opening_balance + royalty + guarantee_true_up
                     - advances_recouped - withholding + fx_adjustment

- royalty: the sum of the lines' royalty in the statement currency;
- opening_balance: owed before the period (less royalties of windows not
  yet stated), less payments made during the period;
- guarantee_true_up, advances_recouped: as posted, converted at the
  period-end rate;
- fx_adjustment: what conversion added beyond those (the posted FX entries
  convert day-sums, the lines convert line by line);
- amount_payable: what the ledger says is owed at period end for what this
  statement covers (the statement always ties to the ledger).
- gross, discounts, returns, royalty base of lines in another currency are
  converted at the period-end rate (they are information; the royalty is
  converted at the contract's rate date).

An issued statement is immutable (PostgreSQL refuses edits, see migration
0005); `reissue_statement` issues version n+1 with a reason, superseding it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from marquee.core.exceptions import DomainError

from ..models import (
    EntryKind,
    Licence,
    Licensor,
    PeriodCloseStatus,
    RoyaltyPeriodClose,
    Statement,
)
from . import fx
from .ledger import SQL, ZERO, payable
from .lines import write_lines
from .periods import licence_period_start, licence_window, validate_period
from .postings import EARNED, cents, post_licence_period_end, post_withholding
from .rendering import render_statement_files

logger = logging.getLogger("marquee.licensing.statements")

STATEMENT_IMMUTABLE = "STATEMENT_IMMUTABLE"
STATEMENT_SUPERSEDED = "STATEMENT_SUPERSEDED"
REASON_REQUIRED = "REASON_REQUIRED"
DEFAULT_PAYMENT_TERMS_DAYS = 30


@dataclass
class CloseRequest:
    close: RoyaltyPeriodClose
    already_closed: bool
    message: str


def close_period(period_start: date, period_end: date, user=None, *, today=None) -> CloseRequest:
    validate_period(period_start, period_end, today or timezone.localdate())
    with transaction.atomic():
        existing = (
            RoyaltyPeriodClose.objects.select_for_update()
            .filter(period_start=period_start, period_end=period_end)
            .first()
        )
        if existing is not None and existing.status != PeriodCloseStatus.FAILED:
            return CloseRequest(
                existing,
                True,
                f"The period {period_start}–{period_end} is already "
                f"{'closed' if existing.status == PeriodCloseStatus.DONE else 'being closed'}; "
                "nothing was done.",
            )
        if existing is not None:
            existing.status = PeriodCloseStatus.PENDING
            existing.error = ""
            existing.save(update_fields=["status", "error"])
            close = existing
        else:
            try:
                with transaction.atomic():
                    close = RoyaltyPeriodClose.objects.create(
                        period_start=period_start, period_end=period_end, started_by=user
                    )
            except IntegrityError:  # closed concurrently by someone else
                close = RoyaltyPeriodClose.objects.get(
                    period_start=period_start, period_end=period_end
                )
                return CloseRequest(close, True, "The period is already being closed.")
        close_id = close.pk
        transaction.on_commit(lambda: _queue(close_id))
    return CloseRequest(close, False, f"Closing {period_start}–{period_end} has been queued.")


def _queue(close_id: int) -> None:
    from ..tasks import close_royalty_period

    close_royalty_period.delay(close_id)


def stated_windows(
    licensor: Licensor, start: date, end: date, journal=SQL
) -> list[tuple[Licence, date]]:
    """The licensor's licences stated in this close, each with its window start."""
    windows = []
    for licence in licensor.licences.filter(term_start__lte=end).order_by("pk"):
        window = licence_window(licence.statement_period_months, start, end)
        if window is None:
            continue
        active = licence.sell_off_until >= window
        if active or journal.has_entries(licence, window, end):
            windows.append((licence, window))
    return windows


def licensors_to_close(start: date, end: date) -> list[Licensor]:
    return [
        licensor
        for licensor in Licensor.objects.filter(licences__term_start__lte=end)
        .distinct()
        .order_by("pk")
        if stated_windows(licensor, start, end)
    ]


def run_close(close_id: int) -> RoyaltyPeriodClose:
    """Close every licensor of the period (the Celery task's body)."""
    close = RoyaltyPeriodClose.objects.get(pk=close_id)
    if close.status == PeriodCloseStatus.DONE:
        return close
    licensors = licensors_to_close(close.period_start, close.period_end)
    RoyaltyPeriodClose.objects.filter(pk=close_id).update(
        status=PeriodCloseStatus.RUNNING, licensors_total=len(licensors), licensors_done=0
    )
    errors = []
    for licensor in licensors:
        try:
            close_licensor(close, licensor)
        except DomainError as error:
            logger.warning("closing %s for %s failed: %s", close, licensor, error)
            errors.append(f"{licensor.slug}: {error}")
        else:
            RoyaltyPeriodClose.objects.filter(pk=close_id).update(
                licensors_done=F("licensors_done") + 1
            )
    RoyaltyPeriodClose.objects.filter(pk=close_id).update(
        status=PeriodCloseStatus.FAILED if errors else PeriodCloseStatus.DONE,
        error="\n".join(errors),
        finished_at=timezone.now(),
    )
    close.refresh_from_db()
    return close


@transaction.atomic
def close_licensor(
    close: RoyaltyPeriodClose,
    licensor: Licensor,
    *,
    version: int = 1,
    supersedes: Statement | None = None,
    reason: str = "",
) -> Statement:
    """Post one licensor's period-end entries and issue its statement (one transaction)."""
    start, end = close.period_start, close.period_end
    # One close of a licensor at a time (a redelivered task waits, then finds the statement).
    licensor = Licensor.objects.select_for_update().get(pk=licensor.pk)
    if version == 1:
        done = Statement.objects.filter(
            licensor=licensor, period_start=start, period_end=end
        ).first()
        if done is not None:
            return done
    currency = licensor.statement_currency
    windows, true_up, recouped = post_period_end(licensor, start, end, currency, version)
    withholding = _withheld(licensor, end, currency)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL marquee.statement_writing = 'on'")
    terms_days = getattr(settings, "ROYALTY_PAYMENT_TERMS_DAYS", DEFAULT_PAYMENT_TERMS_DAYS)
    statement = Statement.objects.create(
        licensor=licensor,
        period_close=close,
        period_start=start,
        period_end=end,
        version=version,
        supersedes=supersedes,
        reason=reason,
        currency=currency,
        due_date=end + timedelta(days=terms_days),
    )
    write_lines(statement.pk, licensor.pk, windows, end, currency)
    totals = _line_totals(statement, end)
    opening = _opening_balance(licensor, windows, start, end, currency)
    closing = _closing_balance(licensor, windows, end, currency)
    statement.units = totals["units"]
    statement.gross = totals["gross"]
    statement.discounts = totals["discounts"]
    statement.returns = totals["returns"]
    statement.royalty_base = totals["royalty_base"]
    statement.royalty = totals["royalty"]
    statement.opening_balance = opening
    statement.advances_recouped = recouped
    statement.guarantee_true_up = true_up
    statement.withholding = withholding
    statement.amount_payable = closing
    statement.fx_adjustment = closing - (
        opening + statement.royalty + true_up - recouped - withholding
    )
    statement.save()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL marquee.statement_writing = 'off'")
    render_statement_files(statement)
    return statement


def post_period_end(licensor, start, end, currency, version, journal=SQL):
    """The period-end entries of one licensor's statement (version `version`):
    each stated licence's, then the withholding. Returns the windows stated and
    the true-up and recoupment the statement shows."""
    windows = stated_windows(licensor, start, end, journal)
    true_up = recouped = ZERO
    for licence, window in windows:
        posted = post_licence_period_end(licence, window, end, currency, version, journal)
        true_up += posted.true_up
        recouped += posted.recouped
    post_withholding(licensor, windows, end, currency, version, journal)
    return windows, true_up, recouped


def _withheld(licensor, end, currency) -> Decimal:
    from ..models import AccountKind
    from .ledger import balance

    return balance(
        licensor,
        AccountKind.ROYALTY_PAYABLE,
        currency,
        licence=None,
        key_prefix=f"withholding:{licensor.pk}:{end}:",
    )


def _line_totals(statement: Statement, end: date) -> dict:
    fields = ("units", "gross", "discounts", "returns", "royalty_base")
    totals = dict.fromkeys(fields, ZERO)
    totals["units"] = 0
    totals["royalty"] = ZERO
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT currency, SUM(units), SUM(gross), SUM(discounts), SUM(returns),
                      SUM(royalty_base), SUM(royalty_in_statement_currency)
                 FROM licensing_statementline WHERE statement_id = %s GROUP BY currency""",
            [statement.pk],
        )
        for currency, units, *amounts in cursor.fetchall():
            rate = fx.rate(currency, statement.currency, end)
            totals["units"] += units
            for name, amount in zip(fields[1:], amounts[:4], strict=True):
                totals[name] += amount if rate == 1 else cents(amount * rate)
            totals["royalty"] += amounts[4]
    return totals


def _unstated(licensor, windows, end, currency, *, before=None) -> Decimal:
    """Royalties of licence periods still open at `end` (or, with `before`, of windows
    stated now but dated earlier): not part of the balance this statement starts from."""
    stated = {licence.pk: start for licence, start in windows}
    total = ZERO
    for licence in licensor.licences.all():
        if before is not None:
            if licence.pk not in stated or stated[licence.pk] >= before:
                continue
            total += payable(
                licensor,
                currency,
                licence=licence,
                since=stated[licence.pk],
                before=before,
                entry_kinds=EARNED,
            )
        elif licence.pk not in stated:
            since = licence_period_start(licence.statement_period_months, end)
            total += payable(
                licensor,
                currency,
                licence=licence,
                since=since,
                on_or_before=end,
                entry_kinds=EARNED,
            )
    return total


def _opening_balance(licensor, windows, start, end, currency) -> Decimal:
    before = payable(licensor, currency, before=start)
    paid = payable(
        licensor, currency, since=start, on_or_before=end, entry_kinds=(EntryKind.PAYMENT,)
    )
    unstated = _unstated(licensor, windows, end, currency, before=start)
    open_at_start = sum(
        (
            payable(
                licensor,
                currency,
                licence=licence,
                since=licence_period_start(licence.statement_period_months, start),
                before=start,
                entry_kinds=EARNED,
            )
            for licence in licensor.licences.exclude(pk__in=[lic.pk for lic, _ in windows])
        ),
        ZERO,
    )
    return before + paid - unstated - open_at_start


def _closing_balance(licensor, windows, end, currency) -> Decimal:
    return payable(licensor, currency, on_or_before=end) - _unstated(
        licensor, windows, end, currency
    )


def amend_statement(statement: Statement, **changes) -> None:
    """Issued statements never change; a correction is `reissue_statement`."""
    raise DomainError.single(
        STATEMENT_IMMUTABLE,
        f"Statement v{statement.version} for {statement.period_start}–{statement.period_end} "
        "is issued and cannot be edited; reissue it with a reason instead.",
    )


def reissue_statement(statement: Statement, reason: str, user=None) -> Statement:
    """A corrected statement: version n+1, superseding this one, for the same period.

    It is computed afresh from the ledger (corrections are ledger entries:
    late accruals, reversals, adjustments); period-end postings still
    missing are posted under the new version's keys.
    """
    if not (reason or "").strip():
        raise DomainError.single(REASON_REQUIRED, "Say why the statement is reissued.", "reason")
    with transaction.atomic():
        current = Statement.objects.select_for_update().get(pk=statement.pk)
        if Statement.objects.filter(supersedes=current).exists():
            raise DomainError.single(
                STATEMENT_SUPERSEDED,
                f"Version {current.version} has already been superseded; reissue the latest.",
            )
        latest = (
            Statement.objects.filter(
                Q(licensor=current.licensor),
                period_start=current.period_start,
                period_end=current.period_end,
            )
            .order_by("-version")
            .first()
        )
        memo = reason.strip() + (f" (by {user})" if user else "")
        return close_licensor(
            current.period_close,
            current.licensor,
            version=latest.version + 1,
            supersedes=current,
            reason=memo,
        )
