"""Saleor's `JSON` and `PositiveDecimal` scalars."""

from decimal import Decimal, InvalidOperation

import graphene
from graphene.types.generic import GenericScalar
from graphql import GraphQLError
from graphql.language import ast


class JSON(GenericScalar):
    """Any JSON value (Saleor's `JSON` scalar)."""


class PositiveDecimal(graphene.Scalar):
    """A positive decimal number, sent as a number or a string; kept exact as Decimal."""

    @staticmethod
    def serialize(value):
        return float(value)

    @staticmethod
    def _parse(value):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError) as error:
            raise GraphQLError(f"{value!r} is not a decimal number.") from error
        if not number.is_finite() or number <= 0:
            raise GraphQLError(f"{value!r} is not a positive decimal number.")
        return number

    @classmethod
    def parse_value(cls, value):
        return cls._parse(value)

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if isinstance(node, ast.IntValueNode | ast.FloatValueNode | ast.StringValueNode):
            return cls._parse(node.value)
        raise GraphQLError("PositiveDecimal must be a number.")
