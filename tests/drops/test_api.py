"""The drop API: countdown on products, reserving through dropReserve, the waiting room."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import from_global_id, to_global_id

from marquee.core import admission
from marquee.merch import models as m

from .conftest import COMPLETE, checkout_id, counters
from .operations import DROP, JOIN, PRODUCTS_WITH_DROPS, RESERVE, TICKET

pytestmark = pytest.mark.django_db


def gid(kind, pk):
    return to_global_id(kind, pk)


def reserve(gql, drop, variant, **variables):
    body = gql.execute(
        RESERVE,
        {"drop": gid("Drop", drop.pk), "variant": gid("ProductVariant", variant.pk), **variables},
    )
    return body["data"]["dropReserve"]


def test_a_product_counts_down_to_its_drop(shop, gql):
    drop = shop.drop(starts_in=timedelta(hours=2), limit=2, quantity=7)
    body = gql.execute(PRODUCTS_WITH_DROPS, {"channel": "china"})
    nodes = {e["node"]["name"]: e["node"] for e in body["data"]["products"]["edges"]}
    node = nodes[drop.product.name]
    assert node["isAvailableForPurchase"] is False
    assert node["availableForPurchaseAt"] == drop.starts_at.isoformat()
    assert node["drop"]["state"] == "SCHEDULED"
    assert node["drop"]["remaining"] == 7
    assert node["drop"]["perCustomerLimit"] == 2
    assert node["drop"]["waitingRoom"] is False
    assert node["drop"]["startsAt"] == drop.starts_at.isoformat()
    assert all(n["drop"] is None for name, n in nodes.items() if name != drop.product.name)


def test_a_live_drop_is_available_for_purchase(shop, gql):
    drop = shop.drop(quantity=3)
    body = gql.execute(DROP, {"slug": drop.slug})["data"]["drop"]
    assert body["state"] == "LIVE" and body["remaining"] == 3
    assert body["variants"] == [{"id": gid("ProductVariant", shop.variant(drop).pk)}]
    assert gql.execute(DROP, {"id": body["id"]})["data"]["drop"]["slug"] == drop.slug
    assert gql.execute(DROP, {"id": "garbage"})["data"]["drop"] is None
    products = gql.execute(PRODUCTS_WITH_DROPS, {"channel": "china"})["data"]["products"]
    node = next(e["node"] for e in products["edges"] if e["node"]["name"] == drop.product.name)
    assert node["isAvailableForPurchase"] is True


def test_product_drops_cost_the_same_statements_for_one_product_as_for_many(shop, gql):
    shop.drop("First", quantity=2)

    def run():
        with CaptureQueriesContext(connection) as queries:
            gql.execute(PRODUCTS_WITH_DROPS, {"channel": "china"})
        return len(queries)

    one = run()
    for index in range(4):
        shop.drop(f"More {index}", quantity=2, starts_in=timedelta(minutes=index - 2))
    assert run() == one


def test_reserve_through_the_api_and_complete_the_checkout(shop, gql):
    drop = shop.drop(quantity=2)
    variant = shop.variant(drop)
    payload = reserve(gql, drop, variant, email="fan@example.com")
    assert payload["errors"] == []
    assert payload["checkout"]["lines"] == [
        {"quantity": 1, "variant": {"id": gid("ProductVariant", variant.pk)}}
    ]
    assert payload["reservationExpires"] is not None
    assert counters(variant) == (2, 0, 1)
    again = reserve(gql, drop, variant, checkout=payload["checkout"]["id"], key="k1")
    assert again["errors"] == [] and counters(variant) == (2, 0, 1)


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": 2**31 - 1}, "quantity"),
    ],
)
def test_bad_quantities_answer_invalid_quantity(shop, gql, variables, field):
    drop = shop.drop()
    payload = reserve(gql, drop, shop.variant(drop), **variables)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_QUANTITY", field)]


def test_unknown_ids_answer_not_found(shop, gql):
    drop = shop.drop()
    variant = shop.variant(drop)
    for variables in (
        {"drop": "nonsense", "variant": gid("ProductVariant", variant.pk)},
        {"drop": gid("Drop", 10**9), "variant": gid("ProductVariant", variant.pk)},
        {"drop": gid("Drop", drop.pk), "variant": gid("Product", variant.pk)},
        {
            "drop": gid("Drop", drop.pk),
            "variant": gid("ProductVariant", variant.pk),
            "checkout": "x",
        },
        {
            "drop": gid("Drop", drop.pk),
            "variant": gid("ProductVariant", variant.pk),
            "checkout": gid("Checkout", "00000000-0000-0000-0000-000000000000"),
        },
    ):
        payload = gql.execute(RESERVE, variables)["data"]["dropReserve"]
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], variables


def test_sold_out_is_answered_without_sql(shop, gql):
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    assert reserve(gql, drop, variant)["errors"] == []
    assert [e["code"] for e in reserve(gql, drop, variant)["errors"]] == ["SOLD_OUT"]
    assert admission.is_sold_out(drop.room)
    with CaptureQueriesContext(connection) as queries:
        assert [e["code"] for e in reserve(gql, drop, variant)["errors"]] == ["SOLD_OUT"]
        join = gql.execute(JOIN, {"drop": gid("Drop", drop.pk)})["data"]["dropJoin"]
        ticket = gql.execute(TICKET, {"drop": gid("Drop", drop.pk), "token": "any"})
    assert [e["code"] for e in join["errors"]] == ["SOLD_OUT"]
    assert ticket["data"]["dropTicket"]["state"] == "SOLD_OUT"
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_the_waiting_room_admits_in_order_through_the_api(shop, gql):
    drop = shop.drop(quantity=5, rate=0.001, burst=1)
    variant = shop.variant(drop)
    drop_id = gid("Drop", drop.pk)
    first = gql.execute(JOIN, {"drop": drop_id})["data"]["dropJoin"]["ticket"]
    second = gql.execute(JOIN, {"drop": drop_id})["data"]["dropJoin"]["ticket"]
    assert first["state"] == "ADMITTED"
    assert second["state"] == "WAITING" and second["position"] == 1
    assert second["retryAfter"] > 0
    polled = gql.execute(TICKET, {"drop": drop_id, "token": second["token"]})["data"]
    assert polled["dropTicket"]["state"] == "WAITING"

    refused = reserve(gql, drop, variant, ticket=second["token"])
    assert [(e["code"], e["position"]) for e in refused["errors"]] == [("NOT_ADMITTED", 1)]
    assert [e["code"] for e in reserve(gql, drop, variant)["errors"]] == ["NOT_ADMITTED"]
    forged = first["token"][:-2] + ("AA" if not first["token"].endswith("AA") else "BB")
    assert [e["code"] for e in reserve(gql, drop, variant, ticket=forged)["errors"]] == [
        "INVALID_TICKET"
    ]
    other = shop.drop("Other", quantity=1, rate=5, burst=5)
    theirs = gql.execute(JOIN, {"drop": gid("Drop", other.pk)})["data"]["dropJoin"]["ticket"]
    assert [e["code"] for e in reserve(gql, drop, variant, ticket=theirs["token"])["errors"]] == [
        "INVALID_TICKET"
    ]
    assert reserve(gql, drop, variant, ticket=first["token"])["errors"] == []


def test_rate_limits_answer_rate_limited_with_a_retry_time(shop, gql, settings):
    settings.DROP_RATE_LIMIT_PER_IP = 2
    drop = shop.drop(quantity=5)
    variant = shop.variant(drop)
    assert reserve(gql, drop, variant)["errors"] == []
    assert reserve(gql, drop, variant)["errors"] == []
    refused = reserve(gql, drop, variant)["errors"]
    assert [e["code"] for e in refused] == ["RATE_LIMITED"]
    assert refused[0]["retryAfter"] >= 1
    response = gql.post(
        {
            "query": RESERVE,
            "variables": {
                "drop": gid("Drop", drop.pk),
                "variant": gid("ProductVariant", variant.pk),
            },
        }
    )
    assert int(response.headers["Retry-After"]) >= 1
    assert counters(variant) == (5, 0, 2)


def test_drops_lists_current_and_upcoming(shop, gql):
    shop.drop("Live One")
    shop.drop("Later One", starts_in=timedelta(days=1))
    shop.drop("Past One", starts_in=timedelta(days=-2), lasts=timedelta(days=1))
    body = gql.execute('{ drops(first: 10, channel: "china") { edges { node { slug state } } } }')
    slugs = [e["node"]["slug"] for e in body["data"]["drops"]["edges"]]
    assert slugs == ["live-one", "later-one"]


def test_a_reserved_drop_checkout_completes_into_an_order(shop, gql):
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    payload = reserve(gql, drop, variant, email="fan@example.com")
    checkout = m.Checkout.objects.get(pk=from_global_id(payload["checkout"]["id"])[1])
    checkout.shipping_address = shop.address()
    checkout.billing_address = shop.address()
    checkout.shipping_method = shop.standard
    checkout.save()
    shop.pay(checkout)
    body = gql.execute(COMPLETE, {"id": checkout_id(checkout)})
    done = body["data"]["checkoutComplete"]
    assert done["errors"] == [], done["errors"]
    assert done["order"]["lines"][0]["quantity"] == 1
    assert counters(variant) == (1, 1, 0)
    assert not m.Reservation.objects.exists()


def test_join_without_a_waiting_room_and_forged_tickets(shop, gql):
    drop = shop.drop(quantity=2)
    joined = gql.execute(JOIN, {"drop": gid("Drop", drop.pk)})["data"]["dropJoin"]
    assert joined["errors"] == [] and joined["ticket"]["state"] == "ADMITTED"
    roomed = shop.drop("Roomed", quantity=2, rate=1, burst=1)
    ticket = gql.execute(TICKET, {"drop": gid("Drop", roomed.pk), "token": "forged"})
    assert ticket["data"]["dropTicket"] is None
    unknown = gql.execute(JOIN, {"drop": gid("Drop", 10**9)})["data"]["dropJoin"]
    assert [e["code"] for e in unknown["errors"]] == ["NOT_FOUND"]
    bad = gql.execute(JOIN, {"drop": "???"})["data"]["dropJoin"]
    assert [e["code"] for e in bad["errors"]] == ["NOT_FOUND"]


def test_the_idempotency_key_header_replays_the_first_hold(shop, gql):
    drop = shop.drop(quantity=5)
    variant = shop.variant(drop)
    payload = {
        "query": RESERVE,
        "variables": {"drop": gid("Drop", drop.pk), "variant": gid("ProductVariant", variant.pk)},
    }
    answers = [
        gql.post(payload, HTTP_IDEMPOTENCY_KEY="lost-answer").json()["data"]["dropReserve"]
        for _ in range(2)
    ]
    assert answers[0]["errors"] == [] and answers[1]["errors"] == []
    assert answers[1]["checkout"]["id"] == answers[0]["checkout"]["id"]
    assert answers[1]["reservationExpires"] == answers[0]["reservationExpires"]
    assert m.Checkout.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_sold_out_answer_never_touches_the_database(gql):
    """No statement, no statement timeout, not even a connection taken."""
    from .conftest import DropShop

    shop = DropShop()
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    assert reserve(gql, drop, variant)["errors"] == []
    assert [e["code"] for e in reserve(gql, drop, variant)["errors"]] == ["SOLD_OUT"]
    connection.close()
    assert [e["code"] for e in reserve(gql, drop, variant)["errors"]] == ["SOLD_OUT"]
    joined = gql.execute(JOIN, {"drop": gid("Drop", drop.pk)})["data"]["dropJoin"]
    assert [e["code"] for e in joined["errors"]] == ["SOLD_OUT"]
    assert connection.connection is None
