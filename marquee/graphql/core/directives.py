"""The schema's directives, as the GraphQL specification (October 2021) defines them.

graphql-core 3.2.14 lets `@deprecated` also sit on directive definitions
(`DIRECTIVE_DEFINITION`), a location from a draft of the spec. Clients built
on graphql-js 16 (GraphQL Code Generator, Apollo, urql: every Saleor
storefront) rebuild the schema from introspection and stop at that unknown
location ("Syntax Error: Unexpected Name DIRECTIVE_DEFINITION"), so codegen
from Marquee's URL fails. Saleor's schema offers `@deprecated` on the four
spec locations; so does this one.
"""

from graphql import (
    DirectiveLocation,
    GraphQLDeprecatedDirective,
    GraphQLDirective,
    specified_directives,
)

SPEC_DEPRECATED_LOCATIONS = (
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.ARGUMENT_DEFINITION,
    DirectiveLocation.INPUT_FIELD_DEFINITION,
    DirectiveLocation.ENUM_VALUE,
)

deprecated = GraphQLDirective(
    name=GraphQLDeprecatedDirective.name,
    locations=SPEC_DEPRECATED_LOCATIONS,
    args=GraphQLDeprecatedDirective.args,
    description=GraphQLDeprecatedDirective.description,
)

DIRECTIVES = tuple(
    deprecated if directive.name == deprecated.name else directive
    for directive in specified_directives
)
