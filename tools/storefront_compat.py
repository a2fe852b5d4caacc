"""Validate a Saleor storefront's GraphQL operations against Marquee's schema.

Usage:
    .venv/bin/python tools/storefront_compat.py PATH_TO_STOREFRONT_CHECKOUT [--only NAME ...]

Reads every `*.graphql` file in the checkout, and the GraphQL documents
written inline in `.ts`/`.tsx` files as template literals (graphql`...`,
const X = `mutation ...`, query: `...`), the ones a storefront sends without
the code generator. Fragments are resolved across all of them the
way the code generator does, and each operation is validated.

Every operation definition counts once, keyed by its file and its name: two
files that both define `ProductDetails` are two operations, each checked on
its own. One line per operation (OK or the first errors, with its file, and
`inline` for one found in code) and a total; exits 1 if any operation fails,
or with --only, if any operation of those names fails or a name is not found.

Code is scanned with a small lexer that skips comments and quoted strings,
so a query quoted in a comment is not taken for one the storefront sends. A
template is a GraphQL document when its text starts with `query`,
`mutation`, `subscription` or `fragment` in GraphQL's shape; `${Name}`
placeholders (fragment documents joined in) are dropped and their fragments
found by name; a template with any other placeholder is reported as SKIP,
since its text is only known at run time. Regular expression literals are
not recognised: a quote or backtick inside one can hide what follows on
that line. Generated code (`gql/`, `generated/`) and `node_modules` are
skipped. Nothing of the storefront is stored in this repository.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    validate,
)
from graphql.language import DocumentNode, FragmentSpreadNode, visit
from graphql.language.visitor import Visitor

SKIPPED_DIRS = {"node_modules", ".next", ".git", "gql", "generated"}
CODE_SUFFIXES = {".ts", ".tsx"}
# The start of a GraphQL document: a keyword, then a name, variables, a
# directive or the selection set (`fragment X on Y` for a fragment).
DOCUMENT_START = re.compile(
    r"\A\s*(?:(?:query|mutation|subscription)\b\s*(?:[_A-Za-z]\w*\s*)?[({@]"
    r"|fragment\s+[_A-Za-z]\w*\s+on\b)"
)
PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")
IDENTIFIER = re.compile(r"\s*[_A-Za-z$][\w$]*\s*")


@dataclass
class Operation:
    path: str  # relative to the storefront checkout
    name: str
    definition: OperationDefinitionNode | None
    inline: bool = False
    problem: str = ""  # why it cannot be checked (a parse error, text built at run time)
    dynamic: bool = False

    @property
    def label(self) -> str:
        return f"{'inline ' if self.inline else ''}{self.path} {self.name}"


@dataclass
class Template:
    line: int
    text: str


def templates(source: str) -> list[Template]:
    """Template literals of TypeScript source, outside comments and quoted strings.

    A placeholder's expression is kept in the text as `${...}`; nested
    templates inside a placeholder are not looked into.
    """
    found, i, n = [], 0, len(source)
    while i < n:
        char = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif char in "'\"":
            i += 1
            while i < n and source[i] not in (char, "\n"):
                i += 2 if source[i] == "\\" else 1
            i += 1
        elif char == "`":
            start, i, depth = i + 1, i + 1, 0
            while i < n:
                if source[i] == "\\":
                    i += 2
                    continue
                if depth == 0 and source[i] == "`":
                    break
                if source.startswith("${", i):
                    depth += 1
                    i += 2
                    continue
                if depth and source[i] == "}":
                    depth -= 1
                elif depth and source[i] == "{":
                    depth += 1
                i += 1
            text = source[start:i]
            first = start + len(text) - len(text.lstrip())  # where the document begins
            found.append(Template(source.count("\n", 0, first) + 1, text))
            i += 1
        else:
            i += 1
    return found


def _files(root: Path, suffixes: set[str]):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix in suffixes and not SKIPPED_DIRS & set(relative.parts) and path.is_file():
            yield path, relative.as_posix()


def _add_document(text, where, inline, operations, fragments) -> None:
    try:
        document = parse(text)
    except GraphQLError as error:
        operations.append(Operation(where, "(unparsed)", None, inline, error.message))
        return
    anonymous = 0
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
        elif isinstance(definition, OperationDefinitionNode):
            if definition.name:
                name = definition.name.value
            else:
                anonymous += 1
                name = f"(anonymous {anonymous})"
            operations.append(Operation(where, name, definition, inline))


def collect(root: Path) -> tuple[list[Operation], dict]:
    """Every operation definition found, in file order, and every fragment by name."""
    operations: list[Operation] = []
    fragments: dict = {}
    for path, relative in _files(root, {".graphql"}):
        _add_document(path.read_text(), relative, False, operations, fragments)
    for path, relative in _files(root, CODE_SUFFIXES):
        for template in templates(path.read_text(errors="replace")):
            if not DOCUMENT_START.match(PLACEHOLDER.sub("", template.text)):
                continue
            where = f"{relative}:{template.line}"
            dynamic = [p for p in PLACEHOLDER.findall(template.text) if not IDENTIFIER.fullmatch(p)]
            if dynamic or "${" in PLACEHOLDER.sub("", template.text):
                problem = "text built at run time"
                operations.append(Operation(where, "(dynamic)", None, True, problem, True))
                continue
            _add_document(PLACEHOLDER.sub(" ", template.text), where, True, operations, fragments)
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


def check(graphql_schema, operation: Operation, fragments) -> list[str]:
    """The first errors of one operation, or [] when it validates."""
    if operation.definition is None:
        return [operation.problem]
    errors = [
        error.message
        for error in validate(graphql_schema, with_fragments(operation.definition, fragments))
    ]
    if graphql_schema.get_root_type(operation.definition.operation) is None:
        errors.append(f"schema has no {operation.definition.operation.value} type")
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("storefront")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from marquee.graphql.api import schema

    operations, fragments = collect(Path(args.storefront))
    if args.only is not None:
        operations = [operation for operation in operations if operation.name in args.only]
    failed = skipped = 0
    for operation in operations:
        if operation.dynamic:
            skipped += 1
            print(f"SKIP {operation.label}: {operation.problem}")
            continue
        errors = check(schema.graphql_schema, operation, fragments)
        if errors:
            failed += 1
            print(f"FAIL {operation.label}: " + " | ".join(errors[:3]))
        else:
            print(f"OK   {operation.label}")
    missing = sorted(set(args.only or ()) - {operation.name for operation in operations})
    for name in missing:
        print(f"FAIL {name}: no operation of that name")
    checked = len(operations) - skipped + len(missing)
    failed += len(missing)
    inline = sum(1 for operation in operations if operation.inline and not operation.dynamic)
    print(
        f"{checked - failed} of {checked} operations validate "
        f"({checked - inline - len(missing)} in .graphql files, {inline} inline in code"
        + (f", {skipped} inline skipped" if skipped else "")
        + ")"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
