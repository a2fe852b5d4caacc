"""Public metadata on a checkout: set, read, delete, bounded, and only by its holder."""

import pytest

from marquee.merch.models import Checkout

pytestmark = pytest.mark.django_db

UPDATE = """
mutation($id: ID!, $input: [MetadataInput!]!) {
  updateMetadata(id: $id, input: $input) {
    errors { field code message }
    item { ... on Checkout { id metadata { key value } metafield(key: "gift") } }
  }
}
"""
DELETE = """
mutation($id: ID!, $keys: [String!]!) {
  deleteMetadata(id: $id, keys: $keys) {
    errors { code }
    item { metadata { key } }
  }
}
"""


def test_set_read_and_delete(shop, api):
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    data = api.run(UPDATE, {"id": checkout["id"], "input": [{"key": "gift", "value": "yes"}]})
    assert data["item"]["metadata"] == [{"key": "gift", "value": "yes"}]
    assert data["item"]["metafield"] == "yes"
    assert Checkout.objects.get().metadata == {"gift": "yes"}
    deleted = api.run(DELETE, {"id": checkout["id"], "keys": ["gift"]})
    assert deleted["item"]["metadata"] == []


@pytest.mark.parametrize(
    ("entry", "code"),
    [({"key": "", "value": "x"}, "REQUIRED"), ({"key": "k" * 300, "value": "x"}, "INVALID")],
)
def test_bad_metadata_is_refused_and_nothing_written(shop, api, entry, code):
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    data = api.run(UPDATE, {"id": checkout["id"], "input": [entry]}, ok=False)
    assert [e["code"] for e in data["errors"]] == [code]
    assert Checkout.objects.get().metadata == {}


def test_unknown_or_foreign_ids_are_not_found(shop, api):
    for bad in ["nonsense", "UHJvZHVjdDox"]:
        data = api.run(UPDATE, {"id": bad, "input": [{"key": "a", "value": "b"}]}, ok=False)
        assert data["errors"][0]["code"] == "NOT_FOUND"
        assert data["item"] is None
