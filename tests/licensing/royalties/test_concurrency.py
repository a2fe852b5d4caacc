"""Two orders of one licence paid at the same moment count the contract year one after the other."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from marquee.licensing.models import EntryKind, JournalEntry
from marquee.licensing.royalties import posting, rebuild
from marquee.licensing.services.royalty_terms import validation

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_accruals_cross_a_tier_once(register, sales):
    licence = register.licence(register.licensor_a, "A-X", [register.property_a])
    sales.terms(
        licence,
        rate_percent=Decimal(8),
        tier_basis="units",
        tier_mode="retroactive",
        tiers=[
            validation.TierSpec(Decimal(0), Decimal(3), Decimal(8)),
            validation.TierSpec(Decimal(3), None, Decimal(12)),
        ],
    )
    product = sales.product(licence)
    orders = [sales.order((product, 2)) for _ in range(4)]
    events = [sales.event(o, posting.PAID, f"paid:{o.pk}", {}) for o in orders]
    barrier = threading.Barrier(len(events))
    failures = []

    def deliver(event):
        try:
            barrier.wait()
            posting.post_royalties(event)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    accruals = JournalEntry.objects.filter(kind=EntryKind.ACCRUAL)
    assert accruals.count() == 4
    # whichever came first, exactly one sale crossed into 12 %: one uplift
    assert JournalEntry.objects.filter(kind=EntryKind.ADJUSTMENT).count() == 1
    assert sorted(accruals.values_list("rate_percent", flat=True)) == [8, 12, 12, 12]
    # retroactive: every sale of the year ends at 12 %, whatever order they were posted in
    assert rebuild.compare(rebuild.replay()) == []
