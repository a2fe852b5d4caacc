"""Importing an external backer list: idempotent per list and row, one transaction per row."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.films.models import Film
from marquee.members.models import (
    BackerProgramme,
    BackerSubscription,
    BackerTier,
    Membership,
    ProgrammeStatus,
    SubscriptionSource,
    SubscriptionStatus,
)
from marquee.members.services.imports import ImportErrorCode, RowStatus, import_backers
from marquee.merch.models import Channel


class Backing:
    """A film with one published programme (100 units, cap 20), tiers 1+ and 10+."""

    def __init__(self, channel=None, film=None):
        now = timezone.now()
        self.now = now
        self.china = channel or Channel.objects.create(
            name="China", slug="china", currency_code="CNY", default_country="CN"
        )
        self.film = film or Film.objects.create(slug="wolf-warrior-2", title="战狼2")
        self.other_film = Film.objects.create(slug="ne-zha", title="哪吒")
        self.programme = self.make_programme(self.film, "ww2-round-1")

    def make_programme(self, film, slug, total=100, cap=20, **extra):
        programme = BackerProgramme.objects.create(
            film=film,
            channel=self.china,
            slug=slug,
            name=slug.replace("-", " ").title(),
            unit_price=extra.pop("unit_price", Decimal("100")),
            currency="CNY",
            total_units=total,
            per_member_cap=cap,
            opens_at=self.now - timedelta(days=1),
            closes_at=self.now + timedelta(days=14),
            status=extra.pop("status", ProgrammeStatus.PUBLISHED),
            **extra,
        )
        for slug, floor in (("supporter", 1), ("producer", 10)):
            BackerTier.objects.create(
                programme=programme, slug=slug, name=slug.title(), min_units=floor
            )
        return programme


def csv_file(*lines: str) -> io.StringIO:
    return io.StringIO("\n".join(lines) + "\n")


@pytest.fixture
def backing(db):
    return Backing()


def statuses(report):
    return [(row.row, row.status, row.code) for row in report.rows]


def test_rows_become_paid_imported_subscriptions_and_memberships(backing):
    known = get_user_model().objects.create_user("Known@Example.com", "pw")
    report = import_backers(
        csv_file(
            "email,film,units",
            "new.fan@example.com,wolf-warrior-2,3",
            "KNOWN@example.com,wolf-warrior-2,12",
        ),
        "taobao-2014",
    )
    assert statuses(report) == [(2, RowStatus.IMPORTED, None), (3, RowStatus.IMPORTED, None)]
    assert report.summary() == "taobao-2014: 2 imported, 0 already imported, 0 errors"

    new = get_user_model().objects.get(email="new.fan@example.com")
    assert new.is_active and not new.has_usable_password()
    supporter = Membership.objects.get(user=new)
    producer = Membership.objects.get(user=known)
    assert (supporter.units_held, supporter.units_committed, supporter.tier.slug) == (
        3,
        3,
        "supporter",
    )
    assert (producer.units_held, producer.tier.slug) == (12, "producer")

    sub = BackerSubscription.objects.get(membership=supporter)
    assert sub.status == SubscriptionStatus.PAID
    assert sub.source == SubscriptionSource.IMPORT
    assert sub.idempotency_key == "taobao-2014:new.fan@example.com:ww2-round-1"
    assert (sub.units, sub.unit_price, sub.amount, sub.currency) == (
        3,
        Decimal("100"),
        Decimal("300"),
        "CNY",
    )
    assert sub.paid_at is not None
    backing.programme.refresh_from_db()
    assert (backing.programme.units_committed, backing.programme.units_paid) == (15, 15)


def test_importing_the_same_list_again_changes_nothing(backing):
    lines = ("email,film,units", "a@example.com,wolf-warrior-2,2", "b@example.com,wolf-warrior-2,5")
    import_backers(csv_file(*lines), "list-a")
    again = import_backers(csv_file(*lines), "list-a")
    assert [row.status for row in again.rows] == [RowStatus.ALREADY_IMPORTED] * 2
    assert BackerSubscription.objects.count() == 2
    backing.programme.refresh_from_db()
    assert backing.programme.units_committed == 7
    # Another list is other backing: the same member adds units.
    other = import_backers(csv_file("email,film,units", "a@example.com,wolf-warrior-2,8"), "list-b")
    assert other.imported == 1
    membership = Membership.objects.get(user__email="a@example.com")
    assert (membership.units_held, membership.tier.slug) == (10, "producer")


def test_bad_rows_are_reported_and_lose_nothing_else(backing):
    report = import_backers(
        csv_file(
            "email,film,units",
            "not-an-email,wolf-warrior-2,1",
            "ok1@example.com,wolf-warrior-2,1",
            "x@example.com,no-such-film,1",
            "zero@example.com,wolf-warrior-2,0",
            "neg@example.com,wolf-warrior-2,-3",
            "frac@example.com,wolf-warrior-2,1.5",
            "word@example.com,wolf-warrior-2,ten",
            "x@example.com,ne-zha,1",
            ",,",
            f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.example,wolf-warrior-2,1",
            "ok2@example.com,wolf-warrior-2,2",
        ),
        "mixed",
    )
    assert statuses(report) == [
        (2, RowStatus.ERROR, ImportErrorCode.INVALID_EMAIL),
        (3, RowStatus.IMPORTED, None),
        (4, RowStatus.ERROR, ImportErrorCode.UNKNOWN_FILM),
        (5, RowStatus.ERROR, ImportErrorCode.INVALID_UNITS),
        (6, RowStatus.ERROR, ImportErrorCode.INVALID_UNITS),
        (7, RowStatus.ERROR, ImportErrorCode.INVALID_UNITS),
        (8, RowStatus.ERROR, ImportErrorCode.INVALID_UNITS),
        (9, RowStatus.ERROR, ImportErrorCode.NO_PROGRAMME),
        (11, RowStatus.ERROR, ImportErrorCode.INVALID_EMAIL),
        (12, RowStatus.IMPORTED, None),
    ]
    assert all(row.message for row in report.rows)
    assert BackerSubscription.objects.count() == 2
    assert not get_user_model().objects.filter(email="x@example.com").exists()


def test_a_film_with_several_programmes_needs_the_programme_column(backing):
    backing.make_programme(backing.film, "ww2-round-2")
    backing.make_programme(backing.film, "ww2-withdrawn", status=ProgrammeStatus.CANCELLED)
    report = import_backers(
        csv_file(
            "Email, Film ,UNITS,Programme",
            "a@example.com,wolf-warrior-2,1,",
            "a@example.com,wolf-warrior-2,1,ww2-round-2",
            "a@example.com,wolf-warrior-2,1,ww2-round-1",
            "a@example.com,wolf-warrior-2,1,ne-zha-round",
            "a@example.com,wolf-warrior-2,1,ww2-withdrawn",
        ),
        "rounds",
    )
    assert statuses(report) == [
        (2, RowStatus.ERROR, ImportErrorCode.AMBIGUOUS_PROGRAMME),
        (3, RowStatus.IMPORTED, None),
        (4, RowStatus.IMPORTED, None),
        (5, RowStatus.ERROR, ImportErrorCode.UNKNOWN_PROGRAMME),
        (6, RowStatus.ERROR, ImportErrorCode.PROGRAMME_CANCELLED),
    ]
    assert "ww2-round-1, ww2-round-2" in report.rows[0].message
    assert Membership.objects.filter(user__email="a@example.com").count() == 2


def test_cap_and_total_are_respected_whole_rows_only(backing):
    small = backing.make_programme(backing.other_film, "ne-zha-round", total=10, cap=6)
    report = import_backers(
        csv_file(
            "email,film,units",
            "a@example.com,ne-zha,6",
            "b@example.com,ne-zha,7",
            "b@example.com,wolf-warrior-2,21",
            "c@example.com,ne-zha,5",
            "d@example.com,ne-zha,4",
        ),
        "caps",
    )
    assert statuses(report) == [
        (2, RowStatus.IMPORTED, None),
        (3, RowStatus.ERROR, ImportErrorCode.CAP_EXCEEDED),
        (4, RowStatus.ERROR, ImportErrorCode.CAP_EXCEEDED),
        (5, RowStatus.ERROR, ImportErrorCode.SOLD_OUT),
        (6, RowStatus.IMPORTED, None),
    ]
    assert "4 units left" in report.rows[3].message
    small.refresh_from_db()
    assert (small.units_committed, small.units_paid) == (10, 10)
    # The refused rows wrote nothing: no subscription, no units on the member.
    assert BackerSubscription.objects.count() == 2
    assert not Membership.objects.filter(user__email="c@example.com", units_committed__gt=0)
    again = import_backers(csv_file("email,film,units", "e@example.com,ne-zha,1"), "caps-2")
    assert again.rows[0].code == ImportErrorCode.SOLD_OUT
    # A member's cap counts what other lists already imported.
    small.total_units = 20
    small.save()
    again = import_backers(csv_file("email,film,units", "a@example.com,ne-zha,1"), "caps-3")
    assert again.rows[0].code == ImportErrorCode.CAP_EXCEEDED


def test_duplicate_and_conflicting_rows(backing):
    report = import_backers(
        csv_file(
            "email,film,units",
            "a@example.com,wolf-warrior-2,2",
            "A@example.com,wolf-warrior-2,2",
        ),
        "dups",
    )
    assert statuses(report) == [
        (2, RowStatus.IMPORTED, None),
        (3, RowStatus.ERROR, ImportErrorCode.DUPLICATE_ROW),
    ]
    changed = import_backers(csv_file("email,film,units", "a@example.com,wolf-warrior-2,3"), "dups")
    assert changed.rows[0].code == ImportErrorCode.CONFLICTS_WITH_IMPORTED
    assert Membership.objects.get(user__email="a@example.com").units_held == 2


@pytest.mark.parametrize(
    ("content", "list_name", "code"),
    [
        ("email,units\na@example.com,1\n", "x", ImportErrorCode.MISSING_COLUMNS),
        ("", "x", ImportErrorCode.MISSING_COLUMNS),
        (b"email,film,units\n\xff\xfe,1,1\n", "x", ImportErrorCode.INVALID_FILE),
        ("email,film,units\n", "", ImportErrorCode.INVALID_LIST_NAME),
        ("email,film,units\n", "a:b", ImportErrorCode.INVALID_LIST_NAME),
        ("email,film,units\n", "x" * 65, ImportErrorCode.INVALID_LIST_NAME),
    ],
)
def test_files_that_are_not_backer_lists_are_refused_whole(backing, content, list_name, code):
    stream = io.BytesIO(content) if isinstance(content, bytes) else io.StringIO(content)
    with pytest.raises(DomainError) as raised:
        import_backers(stream, list_name)
    assert [d.code for d in raised.value.details] == [code]
    assert not BackerSubscription.objects.exists()


def test_binary_upload_with_byte_order_mark(backing):
    data = "\ufeffemail,film,units\r\nzhang@example.com,wolf-warrior-2,1\r\n".encode()
    report = import_backers(io.BytesIO(data), "upload")
    assert [row.status for row in report.rows] == [RowStatus.IMPORTED]


def test_command_prints_the_report_and_fails_on_error_rows(backing, tmp_path):
    path = tmp_path / "backers.csv"
    path.write_text("email,film,units\na@example.com,wolf-warrior-2,2\nbad,wolf-warrior-2,1\n")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_backers", str(path), "--list", "weibo", stdout=out)
    assert exited.value.code == 1
    printed = out.getvalue()
    assert "row 2\ta@example.com\timported" in printed
    assert "row 3\tbad\tINVALID_EMAIL" in printed
    assert "weibo: 1 imported, 0 already imported, 1 errors" in printed
    out = io.StringIO()
    path.write_text("email,film,units\na@example.com,wolf-warrior-2,2\n")
    call_command("import_backers", str(path), "--list", "weibo", stdout=out)
    assert "already_imported" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_list_at_once_count_each_row_once():
    backing = Backing()
    lines = ["email,film,units"] + [f"fan{i}@example.com,wolf-warrior-2,1" for i in range(20)]
    barrier = threading.Barrier(2)
    reports = []

    def run():
        try:
            barrier.wait()
            reports.append(import_backers(csv_file(*lines), "parallel"))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.imported + r.already_imported for r in reports) == [20, 20]
    assert sum(r.imported for r in reports) == 20
    assert not any(r.errors for r in reports)
    backing.programme.refresh_from_db()
    assert backing.programme.units_paid == 20
    assert BackerSubscription.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_row_that_meets_a_deadlock_is_tried_again():
    """Another writer locks the programme, then the member the import has just locked."""
    from django.db import connections, transaction

    backing = Backing()
    import_backers(csv_file("email,film,units", "a@example.com,wolf-warrior-2,1"), "first")
    membership = Membership.objects.get(user__email="a@example.com")
    programme_locked = threading.Event()
    done = []

    def other_writer():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # This side waits longer before it checks for a deadlock, so
                    # PostgreSQL breaks it on the import's side.
                    cursor.execute("SET LOCAL deadlock_timeout = '5s'")
                BackerProgramme.objects.select_for_update().get(pk=backing.programme.pk)
                programme_locked.set()
                threading.Event().wait(0.5)  # the import now holds the member, waits for us
                Membership.objects.filter(pk=membership.pk).update(created_at=timezone.now())
            done.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert programme_locked.wait(10)
    try:
        report = import_backers(csv_file("email,film,units", "a@example.com,wolf-warrior-2,2"), "b")
    finally:
        thread.join()
        connections.close_all()
    assert done == [True]
    assert [row.status for row in report.rows] == [RowStatus.IMPORTED]
    membership.refresh_from_db()
    assert membership.units_held == 3
    backing.programme.refresh_from_db()
    assert backing.programme.units_paid == 3
