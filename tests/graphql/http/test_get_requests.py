"""GET answers queries and refuses anything that would change something."""

import pytest
from django.contrib.auth import get_user_model

from marquee.accounts.tokens import create_access_token
from marquee.merch.models import Checkout

from .conftest import codes, persisted

pytestmark = pytest.mark.django_db

CREATE = (
    "mutation Create { checkoutCreate(input: "
    '{channel: "china", email: "fan@example.com", lines: []}) '
    "{ checkout { id } errors { code } } }"
)


def test_a_query_by_get(http, catalogue):
    catalogue.product("Poster")
    response = http.get(
        'query Names($n: Int) { products(channel: "china", first: $n) '
        "{ edges { node { name } } } }",
        variables={"n": 5},
        operation_name="Names",
    )
    assert response.status_code == 200
    assert response.json()["data"]["products"]["edges"] == [{"node": {"name": "Poster"}}]


def test_a_mutation_by_get_is_405_with_allow_post_and_changes_nothing(http, catalogue):
    response = http.get(CREATE)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Cache-Control"] == "no-store"
    assert codes(response) == ["METHOD_NOT_ALLOWED"]
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert Checkout.objects.count() == 0
    # The same mutation by POST does write: the GET was refused, not broken.
    assert "errors" not in http.post({"query": CREATE}).json()
    assert Checkout.objects.count() == 1


def test_a_signed_in_mutation_by_get_is_refused_too(http, catalogue):
    user = get_user_model().objects.create_user("fan@example.com", "pw")
    token = f"Bearer {create_access_token(user)}"
    response = http.get(CREATE, HTTP_AUTHORIZATION=token)
    assert response.status_code == 405
    assert Checkout.objects.count() == 0


def test_the_operation_chosen_by_name_decides(http, catalogue):
    document = "query Read { shop { name } } " + CREATE
    assert http.get(document, operation_name="Read").status_code == 200
    assert http.get(document, operation_name="Create").status_code == 405
    assert Checkout.objects.count() == 0


def test_a_document_with_several_operations_and_no_name_runs_nothing(http, catalogue):
    response = http.get("query Read { shop { name } } " + CREATE)
    assert response.status_code == 400
    assert Checkout.objects.count() == 0


def test_a_persisted_mutation_by_get_is_refused(http, catalogue):
    registered = http.post({"query": CREATE, "extensions": persisted(CREATE)})
    assert Checkout.objects.count() == 1
    assert "errors" not in registered.json()
    response = http.get(extensions=persisted(CREATE))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert Checkout.objects.count() == 1


def test_a_subscription_by_get_is_refused_or_invalid(http):
    response = http.get("subscription { shop { name } }")
    assert response.status_code in (400, 405)
    assert response.status_code != 500


def test_a_syntax_error_by_get_is_the_usual_400(http):
    response = http.get("{ shop { ")
    assert response.status_code == 400
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
