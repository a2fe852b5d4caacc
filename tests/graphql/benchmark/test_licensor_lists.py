"""SQL statements of the licensor portal's lists, as a signed-in licensor, 1 row against 10.

Studio A's user reads `licences`, `licensors` and `productApprovals` with
their nested scope. A licensor sees only itself, so the large `licensors`
case is Studio A with 10 licences and 10 properties among 10 other
licensors; the other lists grow from 1 row to 10.
"""

import pytest

from marquee.licensing import services
from tests.licensing.conftest import FAST_HASHERS, Register, RoleClient
from tests.orders.conftest import ShopBuilder

from .counting import measure, pin

pytestmark = pytest.mark.django_db

LICENCES = """
query {
  licences(first: 20) {
    totalCount
    edges { node {
      id reference name termStart termEnd sellOffUntil exclusive status
      licensor { id name }
      properties { id name kind films { slug title } }
      territories { code country }
      channels { slug }
      categories { slug name }
      royaltyTerms { effectiveFrom ratePercent currency tiers { lowerBound ratePercent } }
      approvals { productName stage sharePercent }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

LICENSORS = """
query {
  licensors(first: 20) {
    totalCount
    edges { node {
      id name slug statementCurrency withholdingTaxRate
      properties { id name films { slug } }
      licences { id reference status }
    } }
  }
}"""

APPROVALS = """
query {
  productApprovals(first: 20) {
    totalCount
    edges { node {
      id productId productName sharePercent stage submittedAt
      licence { id reference licensor { name } }
      events { stage comment createdAt actor }
    } }
  }
}"""

# the signed-in user; their licensor membership; the page of licences;
# totalCount; licensors; licence-property links; properties; channel links;
# channels; category links; categories; royalty terms; their tiers (the
# approved licence has terms: every sale needs them); approvals with their
# products; property-film links; films; approved products' names.
LICENCES_QUERIES = 17

# the signed-in user; their membership; the page (Studio A alone);
# totalCount; properties; licences; property-film links; films.
LICENSORS_QUERIES = 8

# the signed-in user; their membership; the page of approvals; totalCount;
# products' names; licences; approval events with actors; licensors.
APPROVALS_QUERIES = 8


@pytest.fixture
def register(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return Register(ShopBuilder())


class GqlAs:
    """The `gql` interface `measure` uses, posting as one role."""

    def __init__(self, client: RoleClient):
        self.client = client

    def execute(self, query, variables=None):
        body = self.client.run(query, variables)
        assert "errors" not in body, body["errors"]
        return body


def licensor_a(register):
    return GqlAs(register.client("licensor_a"))


def more_licences(register, count):
    for index in range(count):
        register.licence(register.licensor_a, f"A-{index + 2}", [register.property_a])


@pytest.mark.parametrize("rows", [1, 10])
def test_licences(register, rows):
    more_licences(register, rows - 1)
    register.approve(register.shop.product("Licensed Tee", variants=1))
    measured = measure(licensor_a(register), LICENCES)
    assert measured.data["licences"]["totalCount"] == rows
    pin(measured, LICENCES_QUERIES)


@pytest.mark.parametrize("rows", [1, 10])
def test_licensors(register, rows):
    more_licences(register, rows - 1)
    for index in range(rows - 1):
        services.create_property(
            licensor=register.licensor_a,
            name=f"Sequel {index}",
            slug=f"sequel-{index}",
            kind="film",
        )
        services.create_licensor(slug=f"other-{index}", name=f"Other {index}")
    measured = measure(licensor_a(register), LICENSORS)
    (node,) = [edge["node"] for edge in measured.data["licensors"]["edges"]]
    assert (len(node["licences"]), len(node["properties"])) == (rows, rows)
    pin(measured, LICENSORS_QUERIES)


@pytest.mark.parametrize("rows", [1, 10])
def test_product_approvals(register, rows):
    for index in range(rows):
        register.approve(register.shop.product(f"Licensed {index}", variants=1))
    measured = measure(licensor_a(register), APPROVALS)
    assert measured.data["productApprovals"]["totalCount"] == rows
    pin(measured, APPROVALS_QUERIES)
