"""The catalogue version: every catalogue write moves it, in the writer's transaction."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marquee.core import cache_versions as versions
from marquee.merch import models as m

pytestmark = pytest.mark.django_db


def version():
    with connection.cursor() as cursor:
        cursor.execute(versions.READ)
        return cursor.fetchone()


def token():
    return versions.catalogue_token()


@pytest.fixture
def channel():
    return m.Channel.objects.create(name="China", slug="china", currency_code="CNY")


def test_every_domain_model_is_declared_catalogue_or_private():
    assert versions.undeclared_models() == []


def test_every_catalogue_table_has_both_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN (%s, %s) GROUP BY c.relname",
            [versions.WRITE_TRIGGER, versions.UPDATE_TRIGGER],
        )
        installed = dict(cursor.fetchall())
    assert installed == dict.fromkeys(versions.catalogue_tables(), 2)


def test_triggers_are_replaced_not_duplicated_by_a_second_install():
    versions.install_triggers()
    test_every_catalogue_table_has_both_triggers()


def test_orm_save_update_bulk_create_delete_and_raw_sql_move_the_version(channel):
    seen = [version()]
    channel.name = "中国"
    channel.save()
    seen.append(version())
    m.Channel.objects.filter(pk=channel.pk).update(is_active=False)
    seen.append(version())
    m.ProductType.objects.bulk_create([m.ProductType(name="A", slug="a")])
    seen.append(version())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE merch_channel SET name = 'x' WHERE id = %s", [channel.pk])
    seen.append(version())
    m.ProductType.objects.all().delete()
    seen.append(version())
    counters = [counter for _generation, counter in seen]
    assert counters == sorted(set(counters)), counters


def test_volatile_columns_and_private_tables_leave_it(channel):
    from marquee.members.models import BackerProgramme

    before = version()
    # Private: stock and checkouts.
    warehouse = m.Warehouse.objects.create(name="W", slug="w")
    after_warehouse = version()
    product_type = m.ProductType.objects.create(name="T", slug="t")
    product = m.Product.objects.create(name="P", slug="p", product_type=product_type)
    variant = m.ProductVariant.objects.create(product=product, sku="S1")
    stock = m.Stock.objects.create(warehouse=warehouse, product_variant=variant, quantity=5)
    written = version()
    m.Stock.objects.filter(pk=stock.pk).update(quantity=4)
    assert version() == written
    # Volatile: a programme's units.
    from marquee.films.models import Film

    film = Film.objects.create(slug="f", title="F")
    programme = BackerProgramme.objects.create(
        film=film,
        channel=channel,
        slug="p",
        name="P",
        unit_price=1,
        currency="CNY",
        total_units=10,
        per_member_cap=2,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1),
    )
    written = version()
    BackerProgramme.objects.filter(pk=programme.pk).update(units_committed=3, units_paid=1)
    assert version() == written
    BackerProgramme.objects.filter(pk=programme.pk).update(name="Q")
    assert version() != written
    assert after_warehouse != before  # a warehouse is catalogue (which channels it serves)


def test_a_rolled_back_write_takes_its_bump_with_it(channel):
    before = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        m.Channel.objects.filter(pk=channel.pk).update(name="gone")
        raise RuntimeError
    assert version() == before


def test_a_flushed_version_row_comes_back_with_a_new_generation(channel):
    first = token()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_catalogueversion")
    second = token()
    assert second != first
    assert second.split(".")[0] != first.split(".")[0]


def test_one_statement_per_request_once_the_era_is_known(channel):
    token()  # the era of this version is now known in-process

    class Request:
        pass

    request = Request()
    with CaptureQueriesContext(connection) as captured:
        versions.catalogue_token(request)
        versions.catalogue_token(request)
    assert len(captured.captured_queries) == 1


def test_a_version_change_reads_the_next_moment_once(channel):
    token()
    channel.save()
    with CaptureQueriesContext(connection) as captured:
        token()
    assert len(captured.captured_queries) == 2  # the version, then the next moment
    with CaptureQueriesContext(connection) as captured:
        token()
    assert len(captured.captured_queries) == 1


def test_the_token_changes_when_a_registered_moment_passes(channel):
    product_type = m.ProductType.objects.create(name="T", slug="t")
    product = m.Product.objects.create(name="P", slug="p", product_type=product_type)
    soon = timezone.now() + timedelta(hours=1)
    m.ProductChannelListing.objects.create(
        product=product, channel=channel, is_published=True, published_at=soon
    )
    before = versions.catalogue_state()
    assert before.era == soon
    with time_machine.travel(soon + timedelta(seconds=1)):
        after = versions.catalogue_state()
    assert after.token != before.token
    assert after.era is None or after.era > soon


def test_a_date_moment_passes_when_its_day_begins_and_when_it_ends():
    from marquee.licensing.models import Licence, Licensor

    licensor = Licensor.objects.create(name="L", slug="l")
    today = timezone.localdate()
    Licence.objects.create(
        licensor=licensor,
        reference="R",
        name="R",
        term_start=today - timedelta(days=10),
        term_end=today,
        sell_off_days=0,
    )
    state = versions.catalogue_state()
    midnight = timezone.make_aware(
        timezone.datetime.combine(today + timedelta(days=1), timezone.datetime.min.time())
    )
    assert state.era is not None and state.era <= midnight


def test_register_refuses_unknown_volatile_fields():
    with pytest.raises(ValueError):
        versions.register_catalogue_table(m.Channel, volatile=("no_such_field",))


def test_register_moments_refuses_fields_that_are_not_dates():
    with pytest.raises(ValueError):
        versions.register_moments(m.Channel, "name")
