from django.db import connection
from django.test.utils import CaptureQueriesContext

Q = """query($c: String) { products(channel: $c, first: 5) { edges { node { name pricing { priceRange { start { gross { amount } } } } } } } }"""


def test_hit(gql, catalogue):
    catalogue.product("Wolf Tee")
    gql.execute(Q, {"c": "china"})
    with CaptureQueriesContext(connection) as c:
        body = gql.execute(Q, {"c": "china"})
    print([q["sql"] for q in c.captured_queries])
    assert len(c.captured_queries) == 1
    assert body["data"]["products"]["edges"][0]["node"]["name"] == "Wolf Tee"
