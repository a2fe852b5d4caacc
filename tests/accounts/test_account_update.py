"""accountUpdate: names, language and default addresses of the signed-in user."""

import pytest

from marquee.accounts.models import UserAddress

from .conftest import MOUNTAIN_VIEW, SHANGHAI, codes_of, errors_of

pytestmark = pytest.mark.django_db

UPDATE = """
mutation($input: AccountInput!) {
  accountUpdate(input: $input) {
    user {
      firstName lastName languageCode
      addresses { id city }
      defaultShippingAddress { id city }
      defaultBillingAddress { id city }
    }
    errors { field code message addressType }
  }
}
"""


def update(client, **input):
    return client.execute(UPDATE, {"input": input})


def test_update_names_and_language(user, me_gql):
    data = update(me_gql, firstName=" Mei ", lastName="Chen", languageCode="ZH_HANS")["data"][
        "accountUpdate"
    ]
    assert data["errors"] == []
    assert data["user"]["firstName"] == "Mei"
    assert data["user"]["lastName"] == "Chen"
    assert data["user"]["languageCode"] == "ZH_HANS"
    user.refresh_from_db()
    assert (user.first_name, user.language_code) == ("Mei", "zh-hans")


def test_fields_left_out_stay_as_they_are(user, me_gql):
    update(me_gql, lastName="Chen")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Lin", "Chen")


def test_default_addresses_are_created_then_edited_in_place(user, me_gql):
    data = update(me_gql, defaultShippingAddress=SHANGHAI, defaultBillingAddress=MOUNTAIN_VIEW)[
        "data"
    ]["accountUpdate"]
    assert data["errors"] == []
    shipping = data["user"]["defaultShippingAddress"]
    assert shipping["city"] == "浦东新区"
    assert data["user"]["defaultBillingAddress"]["city"] == "MOUNTAIN VIEW"
    assert len(data["user"]["addresses"]) == 2

    moved = {**SHANGHAI, "streetAddress1": "88 Nanjing Road", "city": "黄浦区"}
    data = update(me_gql, defaultShippingAddress=moved)["data"]["accountUpdate"]
    assert data["user"]["defaultShippingAddress"] == {"id": shipping["id"], "city": "黄浦区"}
    assert data["user"]["defaultBillingAddress"]["city"] == "MOUNTAIN VIEW"
    assert UserAddress.objects.filter(user=user).count() == 2


def test_editing_a_shared_default_does_not_move_the_other(user, me_gql, add_address):
    add_address(user, SHANGHAI, "SHIPPING")
    user.refresh_from_db()
    user.default_billing_address_id = user.default_shipping_address_id
    user.save()
    data = update(me_gql, defaultShippingAddress=MOUNTAIN_VIEW)["data"]["accountUpdate"]
    assert data["user"]["defaultShippingAddress"]["city"] == "MOUNTAIN VIEW"
    assert data["user"]["defaultBillingAddress"]["city"] == "浦东新区"


def test_invalid_default_addresses_say_which_one(user, me_gql):
    body = update(
        me_gql,
        firstName="Changed",
        defaultShippingAddress={**SHANGHAI, "postalCode": "99"},
        defaultBillingAddress={**MOUNTAIN_VIEW, "city": ""},
    )
    assert body["data"]["accountUpdate"]["user"] is None
    assert [
        (e["field"], e["code"], e["addressType"]) for e in errors_of(body, "accountUpdate")
    ] == [
        ("defaultShippingAddress.postalCode", "INVALID", "SHIPPING"),
        ("defaultBillingAddress.city", "REQUIRED", "BILLING"),
    ]
    user.refresh_from_db()
    assert user.first_name == "Lin"
    assert not UserAddress.objects.exists()


def test_account_update_needs_a_signed_in_user(gql, db):
    assert codes_of(update(gql, firstName="X"), "accountUpdate") == ["JWT_MISSING_TOKEN"]
