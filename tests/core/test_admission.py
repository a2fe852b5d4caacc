"""The waiting room: arrival order, admission by rate, signed tickets, the sold-out flag.

Each behaviour runs against the in-process store and a real Redis. Time is
never mocked: the rule itself is tested as arithmetic (`evaluate`), and the
stores with rates far from the test's own pace (everyone at once, or one
ticket a thousand seconds).
"""

import threading
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marquee.core import admission
from marquee.core.admission import ADMITTED, SOLD_OUT, WAITING

SLOW = {"rate": 0.001, "burst": 2}  # two at once, then one every 1000 s
FAST = {"rate": 1_000_000.0, "burst": 0}  # everyone admitted at once


# --- the rule, as arithmetic ---------------------------------------------------


def test_the_burst_is_admitted_at_once_then_one_ticket_per_one_over_rate_seconds(settings):
    settings.ADMISSION_POLL_SECONDS = 2
    at = {"opened": 100.0, "rate": 10.0, "burst": 5, "sold_out": False}
    assert admission.evaluate(5, now=100.0, **at).state == ADMITTED
    sixth = admission.evaluate(6, now=100.0, **at)
    assert (sixth.state, sixth.position) == (WAITING, 1)
    assert sixth.retry_after == pytest.approx(0.1)
    assert admission.evaluate(6, now=100.1, **at).state == ADMITTED
    # At t0 + 1 s: 5 + 10 admitted; ticket 40 has 25 ahead, counting itself.
    fortieth = admission.evaluate(40, now=101.0, **at)
    assert (fortieth.state, fortieth.position) == (WAITING, 25)


def test_retry_after_is_the_time_until_admission_but_at_most_the_poll_interval(settings):
    settings.ADMISSION_POLL_SECONDS = 2
    at = {"opened": 0.0, "now": 0.0, "rate": 1.0, "burst": 0, "sold_out": False}
    assert admission.evaluate(1, **at).retry_after == pytest.approx(1.0)
    assert admission.evaluate(100, **at).retry_after == 2.0
    settings.ADMISSION_POLL_SECONDS = 5
    assert admission.evaluate(100, **at).retry_after == 5.0


def test_sold_out_ends_the_wait_but_an_admitted_ticket_stays_admitted():
    at = {"opened": 0.0, "now": 10.0, "rate": 1.0, "burst": 0, "sold_out": True}
    assert admission.evaluate(10, **at).state == ADMITTED
    waiting = admission.evaluate(11, **at)
    assert (waiting.state, waiting.position, waiting.retry_after) == (SOLD_OUT, 0, 0.0)


def test_a_room_without_a_rate_admits_only_its_burst(settings):
    settings.ADMISSION_POLL_SECONDS = 2
    at = {"opened": 0.0, "now": 1e6, "rate": 0.0, "burst": 3, "sold_out": False}
    assert admission.evaluate(3, **at).state == ADMITTED
    assert admission.evaluate(4, **at).state == WAITING
    assert admission.evaluate(4, **at).retry_after == 2.0


def test_before_the_room_opens_nobody_is_admitted_and_the_wait_is_until_it_opens(settings):
    settings.ADMISSION_POLL_SECONDS = 2
    at = {"opened": 100.0, "now": 99.5, "rate": 10.0, "burst": 5, "sold_out": False}
    first = admission.evaluate(1, **at)
    assert (first.state, first.position) == (WAITING, 1)
    assert first.retry_after == pytest.approx(0.5)
    assert admission.evaluate(6, **at).retry_after == pytest.approx(0.6)
    assert admission.evaluate(6, **{**at, "now": 90.0}).retry_after == 2.0
    assert admission.evaluate(5, **{**at, "now": 100.0}).state == ADMITTED


# --- the stores ------------------------------------------------------------------


def test_tickets_are_numbered_in_arrival_order(store, room):
    numbers = [admission.join(room, **SLOW).number for _ in range(5)]
    assert numbers == [1, 2, 3, 4, 5]
    assert admission.issued(room) == 5


def test_the_first_burst_is_admitted_and_the_rest_wait_in_order(store, room):
    tickets = [admission.join(room, **SLOW) for _ in range(5)]
    states = [admission.status(room, t.token, **SLOW) for t in tickets]
    assert [s.state for s in states] == [ADMITTED, ADMITTED, WAITING, WAITING, WAITING]
    assert [s.position for s in states] == [0, 0, 1, 2, 3]
    assert all(0 < s.retry_after <= 2 for s in states[2:])
    assert [admission.admitted(room, t.token, **SLOW) for t in tickets[1:3]] == [True, False]


def test_a_fast_room_admits_everyone(store, room):
    tickets = [admission.join(room, **FAST) for _ in range(3)]
    assert {admission.status(room, t.token, **FAST).state for t in tickets} == {ADMITTED}


def test_concurrent_arrivals_get_distinct_consecutive_numbers(store, room):
    numbers = []
    lock = threading.Lock()

    def arrive():
        for _ in range(25):
            number = admission.join(room, **SLOW).number
            with lock:
                numbers.append(number)

    threads = [threading.Thread(target=arrive) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 201))


def test_a_forged_or_altered_ticket_is_refused(store, room):
    ticket = admission.join(room, **SLOW)
    payload, _signature = ticket.token.split(":", 1)
    forged = [
        "",
        "not-a-ticket",
        ticket.token[:-2] + ("xx" if not ticket.token.endswith("xx") else "yy"),
        signing.dumps([room, 1], key="someone-elses-key", salt="marquee.core.admission.ticket"),
        signing.dumps([room, 1]),  # signed by this shop, but for another purpose
        signing.dumps([room, 0], salt="marquee.core.admission.ticket"),
        signing.dumps([room, "1"], salt="marquee.core.admission.ticket"),
        payload,
    ]
    for token in forged:
        with pytest.raises(admission.InvalidTicket) as refused:
            admission.status(room, token, **SLOW)
        assert refused.value.details[0].code == "INVALID_TICKET"


def test_a_ticket_of_another_room_is_refused(store, room):
    ticket = admission.join(room, **SLOW)
    with pytest.raises(admission.InvalidTicket):
        admission.status(room + "-other", ticket.token, **SLOW)


def test_sold_out_answers_waiting_and_new_tickets_and_can_be_cleared(store, room):
    first, _second, waiting = (admission.join(room, **SLOW) for _ in range(3))
    assert admission.is_sold_out(room) is False
    admission.mark_sold_out(room)
    assert admission.is_sold_out(room) is True
    assert admission.status(room, waiting.token, **SLOW).state == SOLD_OUT
    assert admission.status(room, first.token, **SLOW).state == ADMITTED
    late = admission.join(room, **SLOW)
    assert admission.status(room, late.token, **SLOW).state == SOLD_OUT
    admission.clear_sold_out(room)
    assert admission.is_sold_out(room) is False
    assert admission.status(room, waiting.token, **SLOW).state == WAITING


def test_the_sold_out_flag_is_per_room(store, room):
    admission.mark_sold_out(room)
    assert admission.is_sold_out(room + "-other") is False


def test_reset_forgets_the_room(store, room):
    admission.join(room, **SLOW)
    admission.mark_sold_out(room)
    admission.reset(room)
    assert admission.is_sold_out(room) is False
    assert admission.join(room, **SLOW).number == 1


def test_after_a_sell_out_only_a_key_never_seen_is_answered_sold_out(store, room):
    """A retry whose first attempt came in before the sell-out is sent on to look."""
    early, late = admission.key_member("anonymous", "k-1"), admission.key_member("anonymous", "k-2")
    assert admission.sold_out_for_key(room, early) is False  # open: remembered
    admission.mark_sold_out(room)
    assert admission.sold_out_for_key(room, early) is False
    assert admission.sold_out_for_key(room, late) is True
    assert admission.sold_out_for_key(room, late) is True  # not remembered once sold out
    other_owner = admission.key_member("user:7", "k-1")
    assert admission.sold_out_for_key(room, other_owner) is True


def test_keys_passed_with_the_flag_are_known_after_the_store_forgot_them(store, room):
    """The store lost flag and keys (a Redis restart); the flag comes back with the keys."""
    held = admission.key_member("anonymous", "held")
    admission.sold_out_for_key(room, held)
    admission.reset(room)
    admission.mark_sold_out(room, [held])
    assert admission.sold_out_for_key(room, held) is False
    assert admission.sold_out_for_key(room, admission.key_member("anonymous", "new")) is True
    admission.clear_sold_out(room)
    assert admission.sold_out_for_key(room, admission.key_member("anonymous", "new")) is False


def test_reopening_moves_the_clock_and_keeps_the_numbers(store, room):
    later = timezone.now() + timedelta(hours=1)
    first, second = (admission.join(room, **SLOW) for _ in range(2))
    assert admission.status(room, first.token, **SLOW).state == ADMITTED
    admission.reopen(room, later)
    assert admission.status(room, first.token, **SLOW).state == WAITING
    assert admission.join(room, **SLOW).number == 3
    admission.reopen(room, timezone.now())
    assert admission.status(room, second.token, **SLOW).state == ADMITTED
    admission.reopen(room + "-nobody-joined", later)
    assert admission.issued(room + "-nobody-joined") == 0


def test_the_waiting_room_runs_no_sql(store, room, db):
    with CaptureQueriesContext(connection) as queries:
        tickets = [admission.join(room, **SLOW) for _ in range(3)]
        for ticket in tickets:
            admission.status(room, ticket.token, **SLOW)
            admission.admitted(room, ticket.token, **SLOW)
        admission.sold_out_for_key(room, admission.key_member("anonymous", "a"))
        admission.mark_sold_out(room, [admission.key_member("anonymous", "b")])
        admission.is_sold_out(room)
        admission.sold_out_for_key(room, admission.key_member("anonymous", "c"))
        admission.status(room, tickets[-1].token, **SLOW)
        admission.clear_sold_out(room)
    assert len(queries) == 0


def test_arrivals_before_the_opening_wait_for_it_in_order(store, room):
    later = timezone.now() + timedelta(seconds=1000)
    tickets = [admission.join(room, **SLOW, opens_at=later) for _ in range(3)]
    states = [admission.status(room, t.token, **SLOW) for t in tickets]
    assert [(s.state, s.position) for s in states] == [(WAITING, 1), (WAITING, 2), (WAITING, 3)]
    assert all(s.retry_after == 2 for s in states)


def test_an_opening_time_already_past_opens_the_room_at_its_first_join(store, room):
    earlier = timezone.now() - timedelta(seconds=1000)
    tickets = [admission.join(room, **SLOW, opens_at=earlier) for _ in range(3)]
    # Not 1000 s of admissions at once: the room opened when the first buyer came.
    assert [admission.status(room, t.token, **SLOW).state for t in tickets] == [
        ADMITTED,
        ADMITTED,
        WAITING,
    ]
