"""Deprecated arguments and input fields, deprecated in their description only.

An argument with a formal `deprecationReason` is left out of introspection
unless the client asks for `includeDeprecated`, and GraphQL code generators
(the one Saleor's storefront runs among them) do not ask: an operation that
still sends `checkoutAddPromoCode(checkoutId:)` then fails its type check.
Saleor keeps such arguments visible and says they are deprecated in the
description, with the same marker; Marquee does the same, so both schemas
read alike in the default introspection.
"""

DEPRECATED_INPUT = "\n\nDEPRECATED: this field will be removed."


def deprecated_input(description: str, instead: str) -> str:
    """`description`, marked deprecated in Saleor's words (`instead` says what replaces it)."""
    return f"{description}{DEPRECATED_INPUT} {instead}"
