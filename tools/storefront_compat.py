"""Validate a Saleor storefront's GraphQL operations against Marquee's schema.

Usage:
    .venv/bin/python tools/storefront_compat.py PATH_TO_STOREFRONT_CHECKOUT [--only NAME ...]

Reads every `*.graphql` file under the checkout's `src/`, resolves fragments
across files the way the storefront's code generator does, and validates each
operation. Prints one line per operation (OK or the first errors) and a total;
exits 1 if any operation named with --only (or any at all, without --only)
fails. Nothing of the storefront is stored in this repository.
"""

import argparse
import os
import sys
from pathlib import Path

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, validate
from graphql.language import DocumentNode, FragmentSpreadNode, visit
from graphql.language.visitor import Visitor


def collect(root: Path):
    operations, fragments = {}, {}
    for path in sorted(root.rglob("*.graphql")):
        if "node_modules" in path.parts:
            continue
        document = parse(path.read_text())
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode):
                name = definition.name.value if definition.name else f"{path.name}:anonymous"
                operations[name] = (path, definition)
    return operations, fragments


def spreads(node) -> set[str]:
    found = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_):
            found.add(spread.name.value)

    visit(node, Spreads())
    return found


def with_fragments(operation, fragments):
    needed, queue = {}, list(spreads(operation))
    while queue:
        name = queue.pop()
        if name in needed or name not in fragments:
            continue
        needed[name] = fragments[name]
        queue.extend(spreads(fragments[name]))
    return DocumentNode(definitions=[operation, *needed.values()])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("storefront")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from marquee.graphql.api import schema

    operations, fragments = collect(Path(args.storefront))
    failed = 0
    for name, (path, operation) in sorted(operations.items()):
        if args.only is not None and name not in args.only:
            continue
        errors = validate(schema.graphql_schema, with_fragments(operation, fragments))
        root = schema.graphql_schema.get_root_type(operation.operation)
        if root is None:
            errors = [
                *errors,
                type("E", (), {"message": f"schema has no {operation.operation.value} type"}),
            ]
        if errors:
            failed += 1
            print(f"FAIL {name} ({path.name}): " + " | ".join(e.message for e in errors[:3]))
        else:
            print(f"OK   {name}")
    checked = len(operations) if args.only is None else len(args.only)
    print(f"{checked - failed} of {checked} operations validate")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
