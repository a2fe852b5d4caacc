"""Backing a film: subscribe inside the window within cap and total, pay, expire, cancel."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.films.models import Film
from marquee.members.models import (
    BackerProgramme,
    BackerSubscription,
    BackerTier,
    Membership,
    ProgrammeStatus,
    SubscriptionStatus,
)
from marquee.members.services import backing
from marquee.members.services.payables import KIND
from marquee.merch import models as m
from marquee.merch.payments import services as payments

OFFLINE = "saleor.io.dummy-payment-app"
_seq = itertools.count(1)


def make_programme(**fields) -> BackerProgramme:
    n = next(_seq)
    film = fields.pop("film", None) or Film.objects.create(slug=f"film-{n}", title=f"Film {n}")
    channel = m.Channel.objects.filter(slug="backing").first() or m.Channel.objects.create(
        name="Backing", slug="backing", currency_code="CNY", is_active=True
    )
    now = timezone.now()
    values = {
        "film": film,
        "channel": channel,
        "slug": f"round-{n}",
        "name": f"Round {n}",
        "unit_price": Decimal("100.00"),
        "currency": "CNY",
        "total_units": 100,
        "per_member_cap": 10,
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=7),
        "status": ProgrammeStatus.PUBLISHED,
        "expected_return_text": "Display only: no return is promised.",
    }
    values.update(fields)
    programme = BackerProgramme.objects.create(**values)
    BackerTier.objects.create(programme=programme, slug="supporter", name="Supporter", min_units=1)
    BackerTier.objects.create(programme=programme, slug="producer", name="Producer", min_units=5)
    return programme


def make_fan(name="fan"):
    n = next(_seq)
    return get_user_model().objects.create_user(f"{name}{n}@example.com", "pw-fan-12345")


def pay_offline(sub, requester):
    return payments.start_payment(KIND, str(sub.pk), requester, gateway_id=OFFLINE)


def codes(excinfo) -> list[str]:
    return [d.code for d in excinfo.value.details]


@pytest.fixture
def programme(db):
    return make_programme()


@pytest.fixture
def fan(db):
    return make_fan()


def test_subscribe_commits_units_and_awaits_payment(programme, fan):
    sub = backing.subscribe(fan, programme, 3)
    assert sub.status == SubscriptionStatus.PENDING
    assert (sub.units, sub.amount, sub.currency) == (3, Decimal("300.00"), "CNY")
    assert sub.expires_at == sub.created_at + timedelta(minutes=programme.payment_minutes)
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (3, 0)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert (membership.units_committed, membership.units_held, membership.tier) == (3, 0, None)


def test_amount_is_rounded_half_up_to_the_minor_unit(fan):
    programme = make_programme(unit_price=Decimal("33.3350"))
    assert backing.subscribe(fan, programme, 1).amount == Decimal("33.34")


def test_same_idempotency_key_is_the_same_subscription(programme, fan):
    first = backing.subscribe(fan, programme, 2, idempotency_key="k-1")
    again = backing.subscribe(fan, programme, 2, idempotency_key="k-1")
    assert again.pk == first.pk
    programme.refresh_from_db()
    assert programme.units_committed == 2
    # Another fan's key of the same text is their own.
    other = backing.subscribe(make_fan(), programme, 2, idempotency_key="k-1")
    assert other.pk != first.pk
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, programme, 3, idempotency_key="k-1")
    assert codes(excinfo) == ["IDEMPOTENCY_KEY_REUSED"]


@pytest.mark.parametrize("units", [0, -1, -100, 2**40, True, "2", 1.5, None])
def test_bad_units_are_refused(programme, fan, units):
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, programme, units)
    assert codes(excinfo) == ["INVALID_UNITS"]
    assert not BackerSubscription.objects.exists()


def test_before_the_window_opens(fan):
    programme = make_programme(
        opens_at=timezone.now() + timedelta(hours=1), closes_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, programme, 1)
    assert codes(excinfo) == ["NOT_OPEN"]


def test_after_the_window_closes(fan):
    programme = make_programme(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, programme, 1)
    assert codes(excinfo) == ["CLOSED"]


def test_draft_and_cancelled_programmes(fan):
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, make_programme(status=ProgrammeStatus.DRAFT), 1)
    assert codes(excinfo) == ["NOT_FOUND"]
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, make_programme(status=ProgrammeStatus.CANCELLED), 1)
    assert codes(excinfo) == ["CLOSED"]


def test_cap_counts_what_the_member_already_committed(programme, fan):
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, programme, 11)
    assert codes(excinfo) == ["CAP_EXCEEDED"]
    backing.subscribe(fan, programme, 7)
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(fan, programme, 4)
    assert codes(excinfo) == ["CAP_EXCEEDED"]
    backing.subscribe(fan, programme, 3)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert membership.units_committed == 10


def test_sold_out_and_not_enough_left(fan):
    programme = make_programme(total_units=5, per_member_cap=5)
    backing.subscribe(fan, programme, 3)
    other = make_fan()
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(other, programme, 3)
    assert codes(excinfo) == ["NOT_ENOUGH_UNITS"]
    backing.subscribe(other, programme, 2)
    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(make_fan(), programme, 1)
    assert codes(excinfo) == ["SOLD_OUT"]
    # Nothing of a refusal is left behind: no membership for the refused fan.
    assert Membership.objects.filter(programme=programme).count() == 2
    programme.refresh_from_db()
    assert programme.units_committed == 5


def test_sold_out_is_answered_without_touching_the_programme_row(fan, django_assert_num_queries):
    programme = make_programme(total_units=1, per_member_cap=1)
    backing.subscribe(fan, programme, 1)
    with pytest.raises(DomainError):
        backing.subscribe(make_fan(), programme, 1)
    late = make_fan()
    with django_assert_num_queries(0), pytest.raises(DomainError) as excinfo:
        backing.subscribe(late, programme, 1)
    assert codes(excinfo) == ["SOLD_OUT"]


def test_anonymous_cannot_subscribe(programme):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(DomainError) as excinfo:
        backing.subscribe(AnonymousUser(), programme, 1)
    assert codes(excinfo) == ["NOT_AUTHENTICATED"]


# --- pay -----------------------------------------------------------------------


def test_offline_payment_makes_a_member_with_a_tier(programme, fan):
    sub = backing.subscribe(fan, programme, 5)
    done = pay_offline(sub, fan)
    assert done.transaction.charged_value == Decimal("500.00")
    assert (done.transaction.source_kind, done.transaction.source_key) == (KIND, str(sub.pk))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAID and sub.paid_at is not None
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (5, 5)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert membership.units_held == 5
    assert membership.tier.slug == "producer"


def test_paying_twice_changes_nothing(programme, fan):
    sub = backing.subscribe(fan, programme, 1)
    pay_offline(sub, fan)
    with pytest.raises(DomainError) as excinfo:
        pay_offline(sub, fan)
    assert codes(excinfo) == ["INVALID"]
    backing.mark_paid(sub.pk)  # a replayed callback
    programme.refresh_from_db()
    assert programme.units_paid == 1
    membership = Membership.objects.get(programme=programme, user=fan)
    assert (membership.units_held, membership.tier.slug) == (1, "supporter")


def test_another_fans_subscription_is_not_there(programme, fan):
    sub = backing.subscribe(fan, programme, 1)
    with pytest.raises(DomainError) as excinfo:
        pay_offline(sub, make_fan())
    assert codes(excinfo) == ["NOT_FOUND"]
    with pytest.raises(DomainError) as excinfo:
        payments.start_payment(KIND, "not-a-number", fan, gateway_id=OFFLINE)
    assert codes(excinfo) == ["NOT_FOUND"]


def test_a_second_subscription_raises_the_tier(programme, fan):
    pay_offline(backing.subscribe(fan, programme, 2), fan)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert membership.tier.slug == "supporter"
    pay_offline(backing.subscribe(fan, programme, 3), fan)
    membership.refresh_from_db()
    assert (membership.units_held, membership.tier.slug) == (5, "producer")


# --- expire ----------------------------------------------------------------------


def test_unpaid_subscriptions_expire_and_return_their_units(programme, fan):
    from marquee.members.tasks import expire_overdue_subscriptions

    sub = backing.subscribe(fan, programme, 4)
    kept = backing.subscribe(make_fan(), programme, 1)
    BackerSubscription.objects.filter(pk=sub.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert expire_overdue_subscriptions.delay().get() == 1
    sub.refresh_from_db()
    kept.refresh_from_db()
    assert (sub.status, kept.status) == (SubscriptionStatus.EXPIRED, SubscriptionStatus.PENDING)
    programme.refresh_from_db()
    assert programme.units_committed == 1
    assert Membership.objects.get(programme=programme, user=fan).units_committed == 0
    assert expire_overdue_subscriptions.delay().get() == 0


def test_an_expired_subscription_takes_no_payment(programme, fan):
    sub = backing.subscribe(fan, programme, 1)
    BackerSubscription.objects.filter(pk=sub.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DomainError) as excinfo:
        pay_offline(sub, fan)  # read past its time: expired on the spot
    assert codes(excinfo) == ["INVALID"]
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.EXPIRED
    assert BackerProgramme.objects.get(pk=programme.pk).units_committed == 0


def test_expiry_clears_the_sold_out_mark(fan, django_capture_on_commit_callbacks):
    programme = make_programme(total_units=1, per_member_cap=1)
    sub = backing.subscribe(fan, programme, 1)
    with pytest.raises(DomainError):
        backing.subscribe(make_fan(), programme, 1)
    assert backing.soldout.is_marked(programme.pk)
    BackerSubscription.objects.filter(pk=sub.pk).update(expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        backing.expire_overdue()
    assert not backing.soldout.is_marked(programme.pk)
    assert backing.subscribe(make_fan(), programme, 1).status == SubscriptionStatus.PENDING


# --- cancel ----------------------------------------------------------------------


def test_cancel_a_pending_subscription(programme, fan):
    sub = backing.subscribe(fan, programme, 3)
    cancelled = backing.cancel(fan, sub.pk)
    assert cancelled.status == SubscriptionStatus.CANCELLED
    programme.refresh_from_db()
    assert programme.units_committed == 0
    with pytest.raises(DomainError) as excinfo:
        backing.cancel(fan, sub.pk)
    assert codes(excinfo) == ["NOT_CANCELLABLE"]


def test_cancel_a_paid_subscription_refunds_it(programme, fan):
    first = backing.subscribe(fan, programme, 2)
    second = backing.subscribe(fan, programme, 3)
    pay_offline(first, fan)
    done = pay_offline(second, fan)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert membership.tier.slug == "producer"
    refunded = backing.cancel(fan, second.pk)
    assert refunded.status == SubscriptionStatus.REFUNDED
    item = m.TransactionItem.objects.get(pk=done.transaction.pk)
    assert (item.charged_value, item.refunded_value) == (Decimal(0), Decimal("300.00"))
    assert item.events.filter(type="REFUND_SUCCESS").count() == 1
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (2, 2)
    membership.refresh_from_db()
    assert (membership.units_committed, membership.units_held) == (2, 2)
    assert membership.tier.slug == "supporter"
    # Again: nothing more is refunded.
    with pytest.raises(DomainError) as excinfo:
        backing.cancel(fan, second.pk)
    assert codes(excinfo) == ["NOT_CANCELLABLE"]
    assert payments.refund_source(KIND, str(second.pk)) == 0


def test_cancel_after_the_window_closed(programme, fan):
    sub = backing.subscribe(fan, programme, 1)
    BackerProgramme.objects.filter(pk=programme.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1), opens_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(DomainError) as excinfo:
        backing.cancel(fan, sub.pk)
    assert codes(excinfo) == ["CLOSED"]


def test_cancel_someone_elses_or_unknown(programme, fan):
    sub = backing.subscribe(fan, programme, 1)
    for requester, key in ((make_fan(), sub.pk), (fan, "nope"), (fan, -1), (fan, 10**30)):
        with pytest.raises(DomainError) as excinfo:
            backing.cancel(requester, key)
        assert codes(excinfo) == ["NOT_FOUND"]


def test_last_unit_to_a_cancel_then_another_fan(fan, django_capture_on_commit_callbacks):
    programme = make_programme(total_units=2, per_member_cap=2)
    sub = backing.subscribe(fan, programme, 2)
    with pytest.raises(DomainError):
        backing.subscribe(make_fan(), programme, 1)
    with django_capture_on_commit_callbacks(execute=True):
        backing.cancel(fan, sub.pk)
    assert backing.subscribe(make_fan(), programme, 2).status == SubscriptionStatus.PENDING


# --- a payment that comes late -----------------------------------------------------


def test_late_payment_takes_units_again_when_they_are_there(programme, fan):
    sub = backing.subscribe(fan, programme, 2)
    item = _charge_while_pending_then_expire(sub, fan)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAID
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (2, 2)
    assert item.charged_value == Decimal("200.00")


def test_late_payment_for_units_sold_meanwhile_is_refunded(fan, django_capture_on_commit_callbacks):
    programme = make_programme(total_units=2, per_member_cap=2)
    sub = backing.subscribe(fan, programme, 2)
    started = payments.start_payment(
        KIND, str(sub.pk), fan, gateway_id=OFFLINE, data={"event": {"type": "CHARGE_REQUEST"}}
    )
    BackerSubscription.objects.filter(pk=sub.pk).update(expires_at=timezone.now())
    backing.expire_overdue()
    other = backing.subscribe(make_fan(), programme, 2)
    assert other.status == SubscriptionStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        payments.process_transaction(
            started.transaction.token, fan, {"event": {"type": "CHARGE_SUCCESS"}}
        )
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.EXPIRED
    item = m.TransactionItem.objects.get(pk=started.transaction.pk)
    assert (item.charged_value, item.refunded_value) == (Decimal(0), Decimal("200.00"))
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (2, 0)


def _charge_while_pending_then_expire(sub, fan):
    started = payments.start_payment(
        KIND, str(sub.pk), fan, gateway_id=OFFLINE, data={"event": {"type": "CHARGE_REQUEST"}}
    )
    BackerSubscription.objects.filter(pk=sub.pk).update(expires_at=timezone.now())
    backing.expire_overdue()
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.EXPIRED
    item, _ = payments.process_transaction(
        started.transaction.token, fan, {"event": {"type": "CHARGE_SUCCESS"}}
    )
    return item


def test_a_full_programme_first_takes_back_units_of_subscriptions_past_their_time(fan):
    programme = make_programme(total_units=2, per_member_cap=2)
    sub = backing.subscribe(fan, programme, 2)
    BackerSubscription.objects.filter(pk=sub.pk).update(expires_at=timezone.now())
    late = backing.subscribe(make_fan(), programme, 2)
    assert late.status == SubscriptionStatus.PENDING
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.EXPIRED
    programme.refresh_from_db()
    assert programme.units_committed == 2


def test_long_idempotency_keys_are_told_apart(programme, fan):
    first = backing.subscribe(fan, programme, 1, idempotency_key="x" * 300 + "a")
    second = backing.subscribe(fan, programme, 1, idempotency_key="x" * 300 + "b")
    assert first.pk != second.pk
    assert backing.subscribe(fan, programme, 1, idempotency_key="x" * 300 + "a").pk == first.pk


def test_part_of_a_payment_can_be_refunded_and_the_rest_later(programme, fan):
    sub = backing.subscribe(fan, programme, 3)
    item = pay_offline(sub, fan).transaction
    assert payments.refund_source(KIND, str(sub.pk), Decimal("100.00"), refund_key="a") == 100
    # The same refund asked again is the same refund.
    payments.refund_source(KIND, str(sub.pk), Decimal("100.00"), refund_key="a")
    item.refresh_from_db()
    assert (item.charged_value, item.refunded_value) == (Decimal("200.00"), Decimal("100.00"))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAID  # still partly paid: units stay
    assert payments.refund_source(KIND, str(sub.pk)) == Decimal("200.00")
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.REFUNDED
    with pytest.raises(DomainError):
        payments.refund_source(KIND, str(sub.pk), Decimal("-1"))


def test_the_expiry_sweep_is_scheduled():
    from django.conf import settings

    from marquee.celeryconf import app

    entry = settings.CELERY_BEAT_SCHEDULE["backer-expiry-sweep"]
    assert entry["task"] == "marquee.members.tasks.expire_overdue_subscriptions"
    assert entry["task"] in app.tasks
