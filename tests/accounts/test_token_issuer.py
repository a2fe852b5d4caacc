"""Tokens name their issuer as Saleor's do, so Saleor's storefront sends them.

Saleor's storefront auth client compares a token's `iss` with the API URL it
is configured with (`NEXT_PUBLIC_SALEOR_API_URL`, the GraphQL endpoint's
absolute URL) and signs no request with a token whose `iss` differs.
"""

import json

import jwt
import pytest
from django.conf import settings as django_settings

from marquee.accounts import services, tokens

from .conftest import TokenClient, codes_of

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example"
STOREFRONT_API_URL = "https://shop.example/graphql/"
ME = "{ me { email } }"
TOKEN_REFRESH = """
mutation($refreshToken: String) {
  tokenRefresh(refreshToken: $refreshToken) { token errors { field code message } }
}
"""
TOKEN_VERIFY = """
mutation($token: String!) {
  tokenVerify(token: $token) { isValid payload errors { field code message } }
}
"""


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_URL = SHOP


def claims(token):
    return jwt.decode(token, django_settings.JWT_SECRET, algorithms=["HS256"])


def signed(payload):
    """A token signed with the shop's own key, as an earlier or misconfigured server made it.

    Signed as raw JWS so that any `iss` can be tried, even one PyJWT would not encode.
    """
    body = json.dumps(payload).encode()
    return jwt.api_jws.encode(body, django_settings.JWT_SECRET, algorithm="HS256")


def me_code(token):
    body = TokenClient(token).execute(ME, expect_errors=True)
    return body["errors"][0]["extensions"]["exception"]["code"]


def test_access_and_refresh_tokens_name_the_graphql_endpoint_as_issuer(user):
    issued = services.issue_tokens(user)
    # The auth client's own check: the token's issuer is the API URL it talks to.
    assert claims(issued.token)["iss"] == STOREFRONT_API_URL
    assert claims(issued.refresh_token)["iss"] == STOREFRONT_API_URL
    assert tokens.issuer() == STOREFRONT_API_URL


def test_a_token_with_our_issuer_signs_in(user):
    payload = claims(services.issue_tokens(user).token)
    token = signed({**payload, "iss": f"{django_settings.PUBLIC_URL}/graphql/"})
    assert TokenClient(token).execute(ME)["data"]["me"] == {"email": user.email}
    assert tokens.decode_token(token, tokens.ACCESS)["iss"] == STOREFRONT_API_URL


@pytest.mark.parametrize(
    "iss",
    ["https://other.example/graphql/", "https://shop.example/graphql", "", None, 7],
)
def test_an_access_token_from_another_issuer_is_refused(gql, user, iss):
    token = signed({**claims(services.issue_tokens(user).token), "iss": iss})
    assert me_code(token) == "JWT_INVALID_TOKEN"
    body = gql.execute(TOKEN_VERIFY, {"token": token})
    assert body["data"]["tokenVerify"]["isValid"] is False
    assert codes_of(body, "tokenVerify") == ["JWT_INVALID_TOKEN"]
    with pytest.raises(tokens.TokenError) as raised:
        tokens.decode_token(token, tokens.ACCESS)
    assert raised.value.code == "JWT_INVALID_TOKEN"


def test_a_refresh_token_from_another_issuer_is_refused(gql, user):
    refresh = claims(services.issue_tokens(user).refresh_token)
    token = signed({**refresh, "iss": "https://other.example/graphql/"})
    body = gql.execute(TOKEN_REFRESH, {"refreshToken": token})
    assert body["data"]["tokenRefresh"]["token"] is None
    assert codes_of(body, "tokenRefresh") == ["JWT_INVALID_TOKEN"]


def test_changing_the_public_url_retires_every_token(gql, user, settings):
    issued = services.issue_tokens(user)
    settings.PUBLIC_URL = "https://new.example"
    assert me_code(issued.token) == "JWT_INVALID_TOKEN"
    body = gql.execute(TOKEN_REFRESH, {"refreshToken": issued.refresh_token})
    assert codes_of(body, "tokenRefresh") == ["JWT_INVALID_TOKEN"]
    # Tokens issued now carry the new address and work.
    fresh = services.issue_tokens(user).token
    assert claims(fresh)["iss"] == "https://new.example/graphql/"
    assert TokenClient(fresh).execute(ME)["data"]["me"] == {"email": user.email}


def test_an_access_token_from_before_issuers_is_refused(user):
    payload = claims(services.issue_tokens(user).token)
    del payload["iss"]
    assert me_code(signed(payload)) == "JWT_INVALID_TOKEN"


def test_a_refresh_token_from_before_issuers_still_refreshes(gql, user):
    payload = claims(services.issue_tokens(user).refresh_token)
    del payload["iss"]
    body = gql.execute(TOKEN_REFRESH, {"refreshToken": signed(payload)})
    data = body["data"]["tokenRefresh"]
    assert data["errors"] == []
    # The access token it is exchanged for carries the issuer the storefront wants.
    assert claims(data["token"])["iss"] == STOREFRONT_API_URL
    assert TokenClient(data["token"]).execute(ME)["data"]["me"] == {"email": user.email}
