"""Backer programmes over GraphQL: list, read, subscribe, pay, cancel, me.memberships."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.accounts.tokens import create_access_token
from marquee.members.models import BackerSubscription, Membership, ProgrammeStatus

from .test_backing import make_fan, make_programme

PROGRAMME_FIELDS = """
  id name slug film { slug } unitPrice { amount currency } totalUnits unitsLeft perMemberCap
  opensAt closesAt status state expectedReturnText tiers { slug name minUnits }
"""

PROGRAMMES = (
    "query($first: Int, $after: String, $film: String) {"
    " backerProgrammes(first: $first, after: $after, filmSlug: $film) {"
    " totalCount edges { cursor node { " + PROGRAMME_FIELDS + " } }"
    " pageInfo { hasNextPage endCursor } } }"
)

PROGRAMME = (
    "query($slug: String, $id: ID) { backerProgramme(slug: $slug, id: $id) { "
    + PROGRAMME_FIELDS
    + " } }"
)

SUBSCRIBE = """
mutation($programme: String!, $units: Int!, $key: String) {
  backerProgrammeSubscribe(programme: $programme, units: $units, idempotencyKey: $key) {
    subscription { id units status amount { amount currency } expiresAt programme { slug } }
    errors { field code message }
  }
}
"""

CANCEL = """
mutation($id: ID!) {
  backerSubscriptionCancel(id: $id) { subscription { id status } errors { field code message } }
}
"""

PAY = """
mutation($id: ID!) {
  transactionInitialize(id: $id, paymentGateway: {id: "saleor.io.dummy-payment-app"}) {
    transaction { id chargedAmount { amount currency } }
    transactionEvent { type }
    errors { field code message }
  }
}
"""

ME = """
{ me { memberships {
    programme { slug } unitsHeld unitsCommitted tier { slug }
    subscriptions { id units status }
} } }
"""


def sign_in(gql, user):
    if user is None:
        gql.client.defaults.pop("HTTP_AUTHORIZATION", None)
    else:
        gql.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"


def subscribe(gql, programme, units, key=None):
    body = gql.execute(SUBSCRIBE, {"programme": programme, "units": units, "key": key})
    return body["data"]["backerProgrammeSubscribe"]


def error_codes(payload):
    return [e["code"] for e in payload["errors"]]


@pytest.fixture
def programme(db):
    return make_programme(total_units=10, per_member_cap=5)


@pytest.fixture
def fan(db, gql):
    user = make_fan()
    sign_in(gql, user)
    return user


def test_list_and_read_programmes(gql, programme):
    make_programme(status=ProgrammeStatus.DRAFT)  # hidden from fans
    other = make_programme(film=programme.film, opens_at=programme.opens_at + timedelta(minutes=1))
    data = gql.execute(PROGRAMMES, {"first": 1})["data"]["backerProgrammes"]
    assert data["totalCount"] == 2
    node = data["edges"][0]["node"]
    assert node["slug"] == programme.slug
    assert node["unitPrice"] == {"amount": 100.0, "currency": "CNY"}
    assert (node["totalUnits"], node["unitsLeft"], node["perMemberCap"]) == (10, 10, 5)
    assert (node["status"], node["state"]) == ("PUBLISHED", "OPEN")
    assert [t["slug"] for t in node["tiers"]] == ["supporter", "producer"]
    assert node["expectedReturnText"]
    second = gql.execute(PROGRAMMES, {"first": 5, "after": data["pageInfo"]["endCursor"]})
    assert [e["node"]["slug"] for e in second["data"]["backerProgrammes"]["edges"]] == [other.slug]
    by_film = gql.execute(PROGRAMMES, {"first": 5, "film": "no-such-film"})
    assert by_film["data"]["backerProgrammes"]["totalCount"] == 0

    read = gql.execute(PROGRAMME, {"slug": programme.slug})["data"]["backerProgramme"]
    assert read["id"] == to_global_id("BackerProgramme", programme.pk)
    by_id = gql.execute(PROGRAMME, {"id": read["id"]})["data"]["backerProgramme"]
    assert by_id["slug"] == programme.slug
    for variables in ({"slug": "nope"}, {"id": "nonsense"}, {"id": to_global_id("Film", 1)}):
        assert gql.execute(PROGRAMME, variables)["data"]["backerProgramme"] is None


def test_page_size_is_bounded(gql, programme):
    body = gql.execute(PROGRAMMES, {"first": 1000}, expect_errors=True)
    assert body["errors"]


def test_subscribe_pay_and_see_membership(gql, programme, fan):
    sub = subscribe(gql, programme.slug, 5, key="click-1")
    assert sub["errors"] == []
    assert sub["subscription"]["status"] == "PENDING"
    assert sub["subscription"]["amount"] == {"amount": 500.0, "currency": "CNY"}
    again = subscribe(gql, programme.slug, 5, key="click-1")
    assert again["subscription"]["id"] == sub["subscription"]["id"]

    state = gql.execute(PROGRAMME, {"slug": programme.slug})["data"]["backerProgramme"]
    assert state["unitsLeft"] == 5

    paid = gql.execute(PAY, {"id": sub["subscription"]["id"]})["data"]["transactionInitialize"]
    assert paid["errors"] == []
    assert paid["transaction"]["chargedAmount"] == {"amount": 500.0, "currency": "CNY"}
    assert paid["transactionEvent"]["type"] == "CHARGE_SUCCESS"

    me = gql.execute(ME)["data"]["me"]["memberships"]
    assert me == [
        {
            "programme": {"slug": programme.slug},
            "unitsHeld": 5,
            "unitsCommitted": 5,
            "tier": {"slug": "producer"},
            "subscriptions": [{"id": sub["subscription"]["id"], "units": 5, "status": "PAID"}],
        }
    ]


def test_subscribe_by_global_id(gql, programme, fan):
    sub = subscribe(gql, to_global_id("BackerProgramme", programme.pk), 1)
    assert sub["subscription"]["programme"]["slug"] == programme.slug


@pytest.mark.parametrize(
    ("units", "code"),
    [(0, "INVALID_UNITS"), (-3, "INVALID_UNITS"), (6, "CAP_EXCEEDED"), (11, "CAP_EXCEEDED")],
)
def test_bad_units(gql, programme, fan, units, code):
    payload = subscribe(gql, programme.slug, units)
    assert payload["subscription"] is None
    assert error_codes(payload) == [code]
    assert payload["errors"][0]["field"] == "units"
    assert not BackerSubscription.objects.exists()


def test_units_beyond_a_graphql_int_are_a_graphql_error(gql, programme, fan):
    body = gql.execute(SUBSCRIBE, {"programme": programme.slug, "units": 2**40}, expect_errors=True)
    assert body["errors"] and not BackerSubscription.objects.exists()


def test_window_and_unknown_programme(gql, fan):
    now = timezone.now()
    early = make_programme(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    late = make_programme(opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    draft = make_programme(status=ProgrammeStatus.DRAFT)
    assert error_codes(subscribe(gql, early.slug, 1)) == ["NOT_OPEN"]
    assert error_codes(subscribe(gql, late.slug, 1)) == ["CLOSED"]
    assert error_codes(subscribe(gql, draft.slug, 1)) == ["NOT_FOUND"]
    assert error_codes(subscribe(gql, "no-such-round", 1)) == ["NOT_FOUND"]
    assert error_codes(subscribe(gql, to_global_id("BackerProgramme", 10**17), 1)) == ["NOT_FOUND"]
    states = {
        e["node"]["slug"]: e["node"]["state"]
        for e in gql.execute(PROGRAMMES, {"first": 10})["data"]["backerProgrammes"]["edges"]
    }
    assert states == {early.slug: "UPCOMING", late.slug: "CLOSED"}


def test_sold_out_and_cap_over_two_requests(gql, fan):
    programme = make_programme(total_units=4, per_member_cap=3)
    assert subscribe(gql, programme.slug, 3)["errors"] == []
    assert error_codes(subscribe(gql, programme.slug, 1)) == ["CAP_EXCEEDED"]
    sign_in(gql, make_fan())
    assert error_codes(subscribe(gql, programme.slug, 2)) == ["NOT_ENOUGH_UNITS"]
    assert subscribe(gql, programme.slug, 1)["errors"] == []
    sign_in(gql, make_fan())
    assert error_codes(subscribe(gql, programme.slug, 1)) == ["SOLD_OUT"]
    state = gql.execute(PROGRAMME, {"slug": programme.slug})["data"]["backerProgramme"]
    assert (state["unitsLeft"], state["state"]) == (0, "SOLD_OUT")


def test_anonymous(gql, programme):
    sign_in(gql, None)
    assert error_codes(subscribe(gql, programme.slug, 1)) == ["NOT_AUTHENTICATED"]
    assert gql.execute(ME)["data"]["me"] is None


def test_idempotency_key_for_another_request(gql, programme, fan):
    subscribe(gql, programme.slug, 1, key="k")
    assert error_codes(subscribe(gql, programme.slug, 2, key="k")) == ["IDEMPOTENCY_KEY_REUSED"]


def test_cancel_pending_and_paid(gql, programme, fan):
    pending = subscribe(gql, programme.slug, 1)["subscription"]
    paid = subscribe(gql, programme.slug, 2)["subscription"]
    gql.execute(PAY, {"id": paid["id"]})
    first = gql.execute(CANCEL, {"id": pending["id"]})["data"]["backerSubscriptionCancel"]
    assert first == {"subscription": {"id": pending["id"], "status": "CANCELLED"}, "errors": []}
    second = gql.execute(CANCEL, {"id": paid["id"]})["data"]["backerSubscriptionCancel"]
    assert second["subscription"]["status"] == "REFUNDED"
    again = gql.execute(CANCEL, {"id": paid["id"]})["data"]["backerSubscriptionCancel"]
    assert error_codes(again) == ["NOT_CANCELLABLE"]
    membership = Membership.objects.get(programme=programme, user=fan)
    assert (membership.units_committed, membership.units_held, membership.tier) == (0, 0, None)
    me = gql.execute(ME)["data"]["me"]["memberships"][0]
    assert [s["status"] for s in me["subscriptions"]] == ["CANCELLED", "REFUNDED"]


def test_cancel_bad_ids(gql, programme, fan):
    sub = subscribe(gql, programme.slug, 1)["subscription"]
    for bad in ("junk", to_global_id("Order", 1), to_global_id("BackerSubscription", "x")):
        payload = gql.execute(CANCEL, {"id": bad})["data"]["backerSubscriptionCancel"]
        assert error_codes(payload) == ["NOT_FOUND"], bad
    sign_in(gql, make_fan())
    payload = gql.execute(CANCEL, {"id": sub["id"]})["data"]["backerSubscriptionCancel"]
    assert error_codes(payload) == ["NOT_FOUND"]
    # Nor may another fan pay it.
    paid = gql.execute(PAY, {"id": sub["id"]})["data"]["transactionInitialize"]
    assert error_codes(paid) == ["NOT_FOUND"]


def test_me_memberships_expire_overdue_subscriptions(gql, programme, fan):
    sub = subscribe(gql, programme.slug, 2)["subscription"]
    BackerSubscription.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    me = gql.execute(ME)["data"]["me"]["memberships"][0]
    assert me["subscriptions"] == [{"id": sub["id"], "units": 2, "status": "EXPIRED"}]
    assert me["unitsCommitted"] == 0
    paid = gql.execute(PAY, {"id": sub["id"]})["data"]["transactionInitialize"]
    assert error_codes(paid) == ["INVALID"]
