"""Saleor's `JSON` and `PositiveDecimal` scalars."""

from decimal import Decimal, InvalidOperation

import graphene
from graphene.types.generic import GenericScalar
from graphql import GraphQLError
from graphql.language import ast


class JSON(GenericScalar):
    """Any JSON value (Saleor's `JSON` scalar)."""


class PositiveDecimal(graphene.Scalar):
    """A positive decimal number, sent as a number or a string; kept exact as Decimal.

    Coercion only turns the input into a Decimal (a NaN or an infinity
    included); whether the number is positive, finite and within what a
    payment can be is the domain's to say, so those refusals come back in
    the mutation's `errors` on the field, not as a request-level error.
    """

    @staticmethod
    def serialize(value):
        return float(value)

    @staticmethod
    def _parse(value):
        if isinstance(value, bool):
            raise GraphQLError(f"{value!r} is not a decimal number.")
        try:
            return Decimal(str(value).strip())
        except (InvalidOperation, ValueError) as error:
            raise GraphQLError(f"{value!r} is not a decimal number.") from error

    @classmethod
    def parse_value(cls, value):
        return cls._parse(value)

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if isinstance(node, ast.IntValueNode | ast.FloatValueNode | ast.StringValueNode):
            return cls._parse(node.value)
        raise GraphQLError("PositiveDecimal must be a number.")
