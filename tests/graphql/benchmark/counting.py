"""Counting the SQL statements of one request sent to the real endpoint."""

import re
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Measured:
    count: int
    statements: list[str]
    data: dict

    def listing(self) -> str:
        """The statements, numbered, for the assertion message when a pin breaks."""
        return "\n".join(f"{i:2d}. {describe(sql)}" for i, sql in enumerate(self.statements, 1))


def describe(sql: str) -> str:
    """`SELECT merch_stock (+merch_warehouse) FOR UPDATE`: verb, tables, lock; enough to compare."""
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    found = re.findall(r'(?:^UPDATE|FROM|JOIN|INTO)\s+"?(\w+)"?', sql.lstrip())
    tables = list(dict.fromkeys(found))
    head = sql.split(" FROM ", 1)[0]
    if "COUNT(" in head:
        verb += " COUNT"
    elif "SUM(" in head:
        verb += " SUM"
    text = f"{verb} {tables[0] if tables else '?'}"
    if len(tables) > 1:
        text += f" (+{', '.join(tables[1:])})"
    if "FOR UPDATE" in sql or "FOR NO KEY UPDATE" in sql:
        text += " FOR UPDATE"
    return text


def measure(gql, query, variables=None) -> Measured:
    with CaptureQueriesContext(connection) as captured:
        body = gql.execute(query, variables or {})
    statements = [q["sql"] for q in captured.captured_queries]
    return Measured(len(statements), statements, body["data"])


def mutation_payload(measured: Measured) -> dict:
    payload = next(iter(measured.data.values()))
    assert payload["errors"] == [], payload["errors"]
    return payload


def pin(measured: Measured, expected: int) -> None:
    """A broken pin prints the statements the request ran, to compare with the comment."""
    assert measured.count == expected, measured.listing()
