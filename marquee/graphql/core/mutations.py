"""Mutations with Saleor's `errors { field code message }` payloads.

A mutation's `perform` runs in a transaction. A `DomainError` or Django
`ValidationError` raised anywhere below it rolls the transaction back and
comes back as `errors`, so a client always gets a clear answer and nothing
is half-written. Each domain declares its error type with a code enum
(`AccountError`, `CheckoutError`...), as Saleor does.

A mutation whose services open their own transactions (because a payment
provider is called between them, which must never happen with a transaction
or a row lock open) sets `owns_transactions`; the endpoint then runs it
outside the request's transaction too.

A mutation may declare `rate_limits` (see `core.rate_limits`): they are
counted before `perform`, and a refusal answers RATE_LIMITED with the wait
the HTTP `Retry-After` header repeats.
"""

from __future__ import annotations

from contextlib import nullcontext

import graphene
from django.core.exceptions import ValidationError
from django.db import transaction
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError

from marquee.core.exceptions import DomainError, ErrorDetail

from .rate_limits import apply_rate_limits, note_details


def error_type(name: str, code_enum: type[graphene.Enum], extra_fields: dict | None = None):
    """An error object type: `field`, `message`, `code` and optional extras."""
    attrs = {
        "field": graphene.String(
            description="Name of the input field that caused the error, or null for the "
            "whole request."
        ),
        "message": graphene.String(description="What went wrong, for a person to read."),
        "code": graphene.Field(code_enum, required=True, description="Stable error code."),
    }
    attrs.update(extra_fields or {})
    return type(name, (graphene.ObjectType,), attrs)


def _camel(field):
    if not field:
        return None
    return ".".join(to_camel_case(part) for part in field.split("."))


def details_from_validation_error(error: ValidationError, default_code: str) -> list[ErrorDetail]:
    details = []
    if hasattr(error, "error_dict"):
        for field_name, errors in error.error_dict.items():
            for item in errors:
                message = item.message % item.params if item.params else item.message
                details.append(
                    ErrorDetail(
                        code=(item.code or default_code).upper(),
                        message=str(message),
                        field=None if field_name == "__all__" else field_name,
                    )
                )
    else:
        for item in error.error_list:
            message = item.message % item.params if item.params else item.message
            details.append(
                ErrorDetail(code=(item.code or default_code).upper(), message=str(message))
            )
    return details


class BaseMutation(graphene.Mutation):
    """Subclasses set `error_type_class`, declare `errors = errors_field(TheirError)`
    and implement `perform(root, info, **data)` returning the payload."""

    class Meta:
        abstract = True

    error_type_class = None
    default_error_code = "INVALID"
    owns_transactions = False
    # Limits counted before `perform` (core.rate_limits.RateLimit); the error enum
    # must then hold RATE_LIMITED.
    rate_limits: tuple = ()

    @classmethod
    def __init_subclass_with_meta__(cls, **options):
        super().__init_subclass_with_meta__(**options)
        if cls.rate_limits and "RATE_LIMITED" not in _codes(cls):
            raise TypeError(
                f"{cls.__name__} declares rate_limits: its error codes must include RATE_LIMITED"
            )

    @classmethod
    def perform(cls, root, info, **data):
        raise NotImplementedError

    @classmethod
    def mutate(cls, root, info, **data):
        try:
            apply_rate_limits(info, cls.rate_limits)
            with nullcontext() if cls.owns_transactions else transaction.atomic():
                result = cls.perform(root, info, **data)
        except DomainError as error:
            note_details(info.context, error.details)
            return cls.failure(error.details)
        except ValidationError as error:
            return cls.failure(details_from_validation_error(error, cls.default_error_code))
        except GraphQLError as error:
            code = ((error.extensions or {}).get("exception") or {}).get("code", "INVALID")
            return cls.failure([ErrorDetail(code=_known(cls, code), message=error.message)])
        if isinstance(result, cls):
            if getattr(result, "errors", None) is None:
                result.errors = []
            return result
        return result

    @classmethod
    def failure(cls, details: list[ErrorDetail]):
        errors = []
        for detail in details:
            payload = {
                "field": _camel(detail.field),
                "message": detail.message,
                "code": _known(cls, detail.code),
            }
            for key, value in detail.extra.items():
                if key in cls.error_type_class._meta.fields:
                    payload[key] = value
            errors.append(cls.error_type_class(**payload))
        return cls(errors=errors)


def _codes(cls) -> set[str]:
    enum = cls.error_type_class._meta.fields["code"].type
    while hasattr(enum, "of_type"):
        enum = enum.of_type
    return set(enum._meta.enum.__members__)


def _known(cls, code: str) -> str:
    """A code of the mutation's enum; an unknown one degrades to the default code."""
    return code if code in _codes(cls) else cls.default_error_code


def errors_field(error_type_class):
    return graphene.NonNull(graphene.List(graphene.NonNull(error_type_class)))
