"""Refuse the NUL character in any text a request sends.

PostgreSQL text cannot hold U+0000: a search, a slug, an email or a note that
carries one fails inside the database driver, after the resolver has started,
as an internal error. JSON and GraphQL both let a client send it
(`"\\u0000"`), so it is refused once, up front, for the whole request: in
string literals of the document and in every string of the variables,
however deep. One check here is cheaper and surer than a guard in each of
the many places that write or filter text.
"""

from __future__ import annotations

from graphql import GraphQLError, StringValueNode, Visitor, visit

from .errors import ErrorCode

NUL = "\x00"
MESSAGE = "Text may not contain the NUL character (U+0000)."


class _Finder(Visitor):
    def __init__(self):
        super().__init__()
        self.node = None

    def enter_string_value(self, node: StringValueNode, *_args):
        if NUL in node.value:
            self.node = node
            return self.BREAK
        return None


def _strings_hold_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _invalid(nodes=None) -> list[GraphQLError]:
    return [
        GraphQLError(MESSAGE, nodes=nodes, extensions={"exception": {"code": ErrorCode.INVALID}})
    ]


def document_nul_errors(document) -> list[GraphQLError]:
    """An error for the first string literal holding a NUL; checked once per cached parse."""
    finder = _Finder()
    visit(document, finder)
    return _invalid([finder.node]) if finder.node is not None else []


def variables_nul_errors(variables) -> list[GraphQLError]:
    """An error if any string of the variables (keys included) holds a NUL."""
    return _invalid() if variables and _strings_hold_nul(variables) else []
