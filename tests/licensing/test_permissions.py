"""Every licensing query and mutation, as every role: nobody reads or writes across licensors.

Anonymous visitors and customers get PERMISSION_DENIED; licensor A sees
only A's rows, and B's IDs answer exactly like IDs that do not exist;
staff see everything.
"""

from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marquee.licensing import services
from marquee.licensing.models import ApprovalStage, Licence, ProductApproval

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "customer", "licensor_a", "licensor_b", "staff")
MISSING = 999999

LISTS = {
    "licensors": "{ licensors(first: 50) { edges { node { id name } } } }",
    "properties": "{ properties(first: 50) { edges { node { id licensor { id } } } } }",
    "licences": """{ licences(first: 50) { edges { node {
        id reference licensor { id } properties { id films { slug } }
        territories { code } channels { slug } categories { slug }
        royaltyTerms { id tiers { ratePercent } } history { field newValue changedBy }
        approvals { id productName events { stage } } } } } }""",
    "productApprovals": """{ productApprovals(first: 50) { edges { node {
        id licence { id } stage } } } }""",
}
GETS = {
    "licensor": ("Licensor", "query ($id: ID!) { licensor(id: $id) { id name } }"),
    "property": ("Property", "query ($id: ID!) { property(id: $id) { id name } }"),
    "licence": ("Licence", "query ($id: ID!) { licence(id: $id) { id reference } }"),
    "licenceHistory": ("Licence", "query ($id: ID!) { licenceHistory(id: $id) { field } }"),
    "royaltyTerms": ("RoyaltyTerms", "query ($id: ID!) { royaltyTerms(id: $id) { id } }"),
    "productApproval": (
        "ProductApproval",
        "query ($id: ID!) { productApproval(id: $id) { id stage } }",
    ),
}
E = " { errors { field code message } } }"
MUTATIONS = {
    "licensorCreate": ('mutation { licensorCreate(input: {name: "X", slug: "x"})' + E),
    "licensorUpdate": 'mutation ($id: ID!) { licensorUpdate(id: $id, input: {name: "Y"})' + E,
    "propertyCreate": 'mutation ($id: ID!) { propertyCreate(input: {licensor: $id, name: "P", '
    'slug: "p-new"})' + E,
    "licenceCreate": "mutation ($id: ID!, $property: ID!) { licenceCreate(input: {licensor: $id, "
    "properties: [$property], reference: "
    '"NEW", termStart: "2024-01-01", termEnd: "2025-01-01", territories: ["CN"]})' + E,
    "licenceUpdate": 'mutation ($id: ID!) { licenceUpdate(id: $id, input: {name: "Z"})' + E,
    "royaltyTermsCreate": "mutation ($id: ID!, $date: Date!) { royaltyTermsCreate(licence: $id, "
    'input: {effectiveFrom: $date, ratePercent: "5", currency: "CNY"})' + E,
    "productApprovalSubmit": "mutation ($id: ID!, $product: ID!) { productApprovalSubmit("
    'product: $product, licences: [{licence: $id, sharePercent: "100"}])' + E,
    "productApprovalApprove": "mutation ($id: ID!) { productApprovalApprove(id: $id)" + E,
    "productApprovalReject": "mutation ($id: ID!) { productApprovalReject(id: $id, "
    'comment: "no")' + E,
}
# The object type each mutation's $id names.
MUTATION_TARGET = {
    "licensorUpdate": "Licensor",
    "propertyCreate": "Licensor",
    "licenceCreate": "Licensor",
    "licenceUpdate": "Licence",
    "royaltyTermsCreate": "Licence",
    "productApprovalSubmit": "Licence",
    "productApprovalApprove": "ProductApproval",
    "productApprovalReject": "ProductApproval",
}
STAFF_ONLY = {name for name in MUTATIONS if not name.startswith("productApproval")} | {
    "productApprovalSubmit"
}


@pytest.fixture
def world(register, shop):
    from marquee.licensing.services import TermsData

    tee_a = shop.product("Tee A")
    tee_b = shop.product("Tee B")
    tee_b.film = register.film_b
    tee_b.save()
    (approval_a,) = services.submit_product(tee_a, [(register.licence_a, Decimal(100))])
    (approval_b,) = services.submit_product(tee_b, [(register.licence_b, Decimal(100))])
    terms = {}
    for side, licence in (("a", register.licence_a), ("b", register.licence_b)):
        terms[side] = services.add_royalty_terms(
            licence, TermsData(effective_from=licence.term_start, rate_percent=10, currency="CNY")
        )
    objects = {
        "a": {
            "Licensor": register.licensor_a,
            "Property": register.property_a,
            "Licence": register.licence_a,
            "RoyaltyTerms": terms["a"],
            "ProductApproval": approval_a,
        },
        "b": {
            "Licensor": register.licensor_b,
            "Property": register.property_b,
            "Licence": register.licence_b,
            "RoyaltyTerms": terms["b"],
            "ProductApproval": approval_b,
        },
    }
    return {
        "objects": objects,
        "product": to_global_id("Product", tee_a.pk),
        "property": gid(register.property_a),
    }


def gid(obj):
    return to_global_id(type(obj).__name__, obj.pk)


def own_side(role):
    return {"licensor_a": "a", "licensor_b": "b"}.get(role)


def other_side(role):
    return {"licensor_a": "b", "licensor_b": "a"}.get(role)


def _code(body):
    return body["errors"][0]["extensions"]["exception"]["code"]


def _shape(message, global_id):
    return message.replace(global_id, "<id>")


@pytest.mark.parametrize("role", ROLES)
def test_every_query_as_every_role(register, world, role):
    client = register.client(role)
    objects = world["objects"]
    for name, query in LISTS.items():
        body = client.run(query)
        if role in ("anonymous", "customer"):
            assert _code(body) == "PERMISSION_DENIED", (name, body)
            continue
        assert "errors" not in body, body
        ids = {e["node"]["id"] for e in body["data"][name]["edges"]}
        type_name = {
            "licensors": "Licensor",
            "properties": "Property",
            "licences": "Licence",
            "productApprovals": "ProductApproval",
        }[name]
        a, b = gid(objects["a"][type_name]), gid(objects["b"][type_name])
        if role == "staff":
            assert {a, b} <= ids
        else:
            assert gid(objects[own_side(role)][type_name]) in ids
            assert gid(objects[other_side(role)][type_name]) not in ids
    for name, (type_name, query) in GETS.items():
        for side in ("a", "b"):
            global_id = gid(objects[side][type_name])
            body = client.run(query, {"id": global_id})
            if role in ("anonymous", "customer"):
                assert _code(body) == "PERMISSION_DENIED"
            elif role == "staff" or side == own_side(role):
                assert "errors" not in body, (name, body)
                assert body["data"][name] is not None
            else:
                missing_id = to_global_id(type_name, MISSING)
                missing = client.run(query, {"id": missing_id})
                assert body["data"] == missing["data"]
                assert _code(body) == _code(missing) == "NOT_FOUND"
                assert _shape(body["errors"][0]["message"], global_id) == _shape(
                    missing["errors"][0]["message"], missing_id
                )


def _snapshot():
    return (
        list(Licence.objects.values_list("pk", "name", "updated_at")),
        list(ProductApproval.objects.values_list("pk", "stage", "updated_at")),
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_mutation_as_every_role(register, world, role):
    client = register.client(role)
    objects = world["objects"]
    for name, document in MUTATIONS.items():
        sides = ("a", "b") if name in MUTATION_TARGET else ("a",)
        if role == "staff" and name in ("propertyCreate", "licenceCreate"):
            sides = ("a",)  # staff may create for either; a second create would clash on slug
        for side in sides:
            variables = {
                "product": world["product"],
                "property": world["property"],
                "date": str(register.today),
            }
            if name in MUTATION_TARGET:
                variables["id"] = gid(objects[side][MUTATION_TARGET[name]])
            before = _snapshot()
            body = client.run(document, variables)
            assert "errors" not in body, body
            errors = body["data"][name]["errors"]
            allowed = (role == "staff" and name in STAFF_ONLY) or (
                side == own_side(role) and name not in STAFF_ONLY
            )
            if allowed:
                assert errors == [], (role, name, errors)
                continue
            assert errors, (role, name, side)
            if side == other_side(role) and name not in STAFF_ONLY:
                missing_id = to_global_id(MUTATION_TARGET[name], MISSING)
                missing = client.run(document, {**variables, "id": missing_id})
                other = missing["data"][name]["errors"]
                assert [e["code"] for e in errors] == [e["code"] for e in other] == ["NOT_FOUND"]
                assert _shape(errors[0]["message"], variables["id"]) == _shape(
                    other[0]["message"], missing_id
                )
            else:
                assert [e["code"] for e in errors] == ["PERMISSION_DENIED"], (role, name, errors)
            assert _snapshot() == before, (role, name, side)


def test_licensor_moves_own_approval_through_stages(register, world):
    client = register.client("licensor_a")
    approval = world["objects"]["a"]["ProductApproval"]
    for expected in ("pre_production", "production_sample", "approved"):
        body = client.run(MUTATIONS["productApprovalApprove"], {"id": gid(approval)})
        assert body["data"]["productApprovalApprove"]["errors"] == []
        approval.refresh_from_db()
        assert approval.stage == expected
    assert approval.stage == ApprovalStage.APPROVED
    stages = [e.stage for e in approval.events.all()]
    assert stages == ["concept", "pre_production", "production_sample", "approved"]


def _expired_client(user, settings):
    from tests.licensing.conftest import RoleClient

    settings.JWT_ACCESS_TOKEN_LIFETIME_SECONDS = -10
    return RoleClient(user)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_expired_token_on_licensing_queries_gives_the_token_code(register, world, settings, name):
    body = _expired_client(register.user_a, settings).run(LISTS[name])
    assert _code(body) == "JWT_SIGNATURE_EXPIRED", body


def test_expired_token_on_licensing_mutations_gives_the_token_code(register, world, settings):
    client = _expired_client(register.staff, settings)
    body = client.run(MUTATIONS["licensorCreate"])
    assert [e["code"] for e in body["data"]["licensorCreate"]["errors"]] == [
        "JWT_SIGNATURE_EXPIRED"
    ]


SUBMIT_SHARES = """mutation ($id: ID!, $product: ID!, $share: Decimal!) {
  productApprovalSubmit(product: $product, licences: [{licence: $id, sharePercent: $share}]) {
    approvals { id } errors { field code message } } }"""


@pytest.mark.parametrize(
    ("role", "share", "code"),
    [
        ("anonymous", "100", "PERMISSION_DENIED"),
        ("licensor_a", "100", "PERMISSION_DENIED"),
        ("staff", "50", "INVALID_SHARES"),
    ],
)
def test_approval_submit_failures_keep_their_code(register, world, role, share, code):
    variables = {
        "id": gid(world["objects"]["a"]["Licence"]),
        "product": world["product"],
        "share": share,
    }
    body = register.client(role).run(SUBMIT_SHARES, variables)
    assert "errors" not in body, body
    payload = body["data"]["productApprovalSubmit"]
    assert payload["approvals"] is None
    assert [e["code"] for e in payload["errors"]] == [code], payload
