"""The address book: each user reaches only their own addresses."""

import pytest
from graphql_relay import to_global_id

from marquee.accounts.models import Address, UserAddress

from .conftest import MOUNTAIN_VIEW, SHANGHAI, codes_of, errors_of

pytestmark = pytest.mark.django_db

ADDRESS = "id city postalCode countryArea country { code } isDefaultShippingAddress"
USER = "defaultShippingAddress { id } defaultBillingAddress { id } addresses { id }"

CREATE = f"""
mutation($input: AddressInput!, $type: AddressTypeEnum) {{
  accountAddressCreate(input: $input, type: $type) {{
    address {{ {ADDRESS} }} user {{ {USER} }} errors {{ field code message addressType }}
  }}
}}
"""
UPDATE = f"""
mutation($id: ID!, $input: AddressInput!) {{
  accountAddressUpdate(id: $id, input: $input) {{
    address {{ {ADDRESS} }} user {{ {USER} }} errors {{ field code message }}
  }}
}}
"""
DELETE = f"""
mutation($id: ID!) {{
  accountAddressDelete(id: $id) {{
    address {{ id city }} user {{ {USER} }} errors {{ field code message }}
  }}
}}
"""
SET_DEFAULT = f"""
mutation($id: ID!, $type: AddressTypeEnum!) {{
  accountSetDefaultAddress(id: $id, type: $type) {{
    user {{ {USER} }} errors {{ field code message }}
  }}
}}
"""


def gid(address):
    return to_global_id("Address", address.pk)


def test_create_address(user, me_gql):
    body = me_gql.execute(CREATE, {"input": SHANGHAI})
    data = body["data"]["accountAddressCreate"]
    assert data["errors"] == []
    assert data["address"]["city"] == "浦东新区"
    assert data["address"]["country"] == {"code": "CN"}
    assert data["address"]["isDefaultShippingAddress"] is False
    assert data["user"]["addresses"] == [{"id": data["address"]["id"]}]
    assert data["user"]["defaultShippingAddress"] is None
    assert UserAddress.objects.filter(user=user).count() == 1


def test_create_address_as_default(user, me_gql):
    data = me_gql.execute(CREATE, {"input": MOUNTAIN_VIEW, "type": "SHIPPING"})["data"][
        "accountAddressCreate"
    ]
    assert data["errors"] == []
    assert data["address"]["isDefaultShippingAddress"] is True
    assert data["user"]["defaultShippingAddress"] == {"id": data["address"]["id"]}
    assert data["user"]["defaultBillingAddress"] is None
    user.refresh_from_db()
    assert user.default_shipping_address.city == "MOUNTAIN VIEW"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"postalCode": "ABC"}, [("postalCode", "INVALID")]),
        ({"countryArea": "", "city": ""}, [("city", "REQUIRED"), ("countryArea", "REQUIRED")]),
        ({"phone": "12"}, [("phone", "INVALID")]),
        ({"country": None}, [("country", "REQUIRED")]),
    ],
)
def test_invalid_address_for_the_country(user, me_gql, change, errors):
    body = me_gql.execute(CREATE, {"input": {**MOUNTAIN_VIEW, **change}})
    assert body["data"]["accountAddressCreate"]["address"] is None
    assert [(e["field"], e["code"]) for e in errors_of(body, "accountAddressCreate")] == errors
    assert not Address.objects.exists()


def test_address_book_has_a_size_limit(user, me_gql, add_address, settings):
    settings.ACCOUNT_MAX_ADDRESSES = 2
    add_address(user)
    add_address(user)
    body = me_gql.execute(CREATE, {"input": SHANGHAI})
    assert codes_of(body, "accountAddressCreate") == ["INVALID"]
    assert UserAddress.objects.filter(user=user).count() == 2


def test_update_address(user, me_gql, add_address):
    address = add_address(user)
    body = me_gql.execute(UPDATE, {"id": gid(address), "input": MOUNTAIN_VIEW})
    data = body["data"]["accountAddressUpdate"]
    assert data["errors"] == []
    assert data["address"]["id"] == gid(address)
    assert data["address"]["city"] == "MOUNTAIN VIEW"
    address.refresh_from_db()
    assert (address.country, address.postal_code) == ("US", "94043")


def test_update_with_invalid_address_changes_nothing(user, me_gql, add_address):
    address = add_address(user)
    body = me_gql.execute(UPDATE, {"id": gid(address), "input": {**SHANGHAI, "postalCode": "1"}})
    assert codes_of(body, "accountAddressUpdate") == ["INVALID"]
    address.refresh_from_db()
    assert address.postal_code == "200120"


def _not_found_answers(me_gql, address_id):
    return [
        me_gql.execute(UPDATE, {"id": address_id, "input": SHANGHAI})["data"][
            "accountAddressUpdate"
        ],
        me_gql.execute(DELETE, {"id": address_id})["data"]["accountAddressDelete"],
        me_gql.execute(SET_DEFAULT, {"id": address_id, "type": "BILLING"})["data"][
            "accountSetDefaultAddress"
        ],
    ]


def test_another_users_address_looks_like_a_missing_one(user, other_user, me_gql, add_address):
    theirs = add_address(other_user, MOUNTAIN_VIEW)
    missing = to_global_id("Address", theirs.pk + 1000)
    foreign = _not_found_answers(me_gql, gid(theirs))
    absent = _not_found_answers(me_gql, missing)
    assert foreign == absent
    for answer in foreign:
        assert answer["errors"] == [
            {
                "field": "id",
                "code": "NOT_FOUND",
                "message": "Couldn't find an address with this ID.",
            }
        ]
    theirs.refresh_from_db()
    assert theirs.city == "MOUNTAIN VIEW"
    other_user.refresh_from_db()
    assert other_user.default_billing_address_id is None


@pytest.mark.parametrize(
    "bad_id", ["nonsense", to_global_id("Product", 1), to_global_id("Address", "x")]
)
def test_malformed_id_is_invalid(user, me_gql, bad_id):
    body = me_gql.execute(DELETE, {"id": bad_id})
    assert [(e["field"], e["code"]) for e in errors_of(body, "accountAddressDelete")] == [
        ("id", "INVALID")
    ]


def test_delete_address_clears_the_defaults_it_held(user, me_gql, add_address):
    address = add_address(user, SHANGHAI, "SHIPPING")
    kept = add_address(user, MOUNTAIN_VIEW, "BILLING")
    data = me_gql.execute(DELETE, {"id": gid(address)})["data"]["accountAddressDelete"]
    assert data["errors"] == []
    assert data["address"] == {"id": gid(address), "city": "浦东新区"}
    assert data["user"]["addresses"] == [{"id": gid(kept)}]
    assert data["user"]["defaultShippingAddress"] is None
    assert data["user"]["defaultBillingAddress"] == {"id": gid(kept)}
    assert not Address.objects.filter(pk=address.pk).exists()
    user.refresh_from_db()
    assert user.default_shipping_address_id is None


def test_set_default_address(user, me_gql, add_address):
    address = add_address(user)
    data = me_gql.execute(SET_DEFAULT, {"id": gid(address), "type": "BILLING"})["data"][
        "accountSetDefaultAddress"
    ]
    assert data["errors"] == []
    assert data["user"]["defaultBillingAddress"] == {"id": gid(address)}
    assert data["user"]["defaultShippingAddress"] is None
    user.refresh_from_db()
    assert user.default_billing_address_id == address.pk


@pytest.mark.parametrize(
    ("query", "variables", "mutation"),
    [
        (CREATE, {"input": SHANGHAI}, "accountAddressCreate"),
        (UPDATE, {"id": to_global_id("Address", 1), "input": SHANGHAI}, "accountAddressUpdate"),
        (DELETE, {"id": to_global_id("Address", 1)}, "accountAddressDelete"),
        (
            SET_DEFAULT,
            {"id": to_global_id("Address", 1), "type": "SHIPPING"},
            "accountSetDefaultAddress",
        ),
    ],
)
def test_address_mutations_need_a_signed_in_user(gql, db, query, variables, mutation):
    body = gql.execute(query, variables)
    errors = errors_of(body, mutation)
    assert [e["code"] for e in errors] == ["JWT_MISSING_TOKEN"]
    assert "sign in" in errors[0]["message"]
    assert not Address.objects.exists()


def test_expired_token_on_a_mutation_says_so(user, settings, client_for):
    settings.JWT_ACCESS_TOKEN_LIFETIME_SECONDS = 0
    body = client_for(user).execute(CREATE, {"input": SHANGHAI})
    assert codes_of(body, "accountAddressCreate") == ["JWT_SIGNATURE_EXPIRED"]
