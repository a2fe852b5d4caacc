"""What every account mutation shares: AccountError payloads and the signed-in user."""

from graphql import GraphQLError

from marquee.core.exceptions import DomainError, ErrorDetail

from ...core.auth import token_error, token_user
from ...core.ids import decode_global_id
from ...core.mutations import BaseMutation
from ..dataloaders import forget_address_books
from ..errors import AccountError


class AccountMutation(BaseMutation):
    class Meta:
        abstract = True

    error_type_class = AccountError
    default_error_code = "INVALID"

    @classmethod
    def mutate(cls, root, info, **data):
        forget_address_books(info.context)
        return super().mutate(root, info, **data)


def signed_in_user(info):
    """The token's user, or an AccountError (JWT_MISSING_TOKEN or the token's JWT_* code).

    Account mutations have an `errors` list, so a caller without a valid
    token gets its answer there rather than as a top-level GraphQL error.
    """
    error = token_error(info.context)
    if error is not None:
        raise DomainError(ErrorDetail(code=error.code, message=error.message))
    user = token_user(info.context)
    if user is None:
        raise DomainError.single(
            "JWT_MISSING_TOKEN",
            "You need to sign in: send `Authorization: Bearer <access token>` "
            "(get one with tokenCreate).",
        )
    return user


def address_pk(global_id: str, field: str = "id") -> int:
    try:
        return decode_global_id(global_id, "Address", field)
    except GraphQLError as error:
        raise DomainError.single("INVALID", error.message, field=field) from error


def enum_value(value):
    """The plain value of a graphene enum argument (graphene passes members)."""
    return getattr(value, "value", value)


def checked_channel(slug):
    """A `channel` argument, when given, must name an active channel.

    Accounts do not depend on channels; the slug only travels with emails
    (a storefront per channel may build its own links).
    """
    if slug is None:
        return None
    from marquee.merch.selectors import storefront_channel

    return storefront_channel(slug).slug
