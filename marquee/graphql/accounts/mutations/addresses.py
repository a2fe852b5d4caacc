"""The signed-in user's address book: create, update, delete, set default."""

import graphene

from marquee.accounts import services

from ...core.mutations import errors_field
from ..errors import AccountError, AddressTypeEnum
from ..types import Address, AddressInput, User, address_input_data, mark_defaults
from .base import AccountMutation, address_pk, enum_value, signed_in_user


def _payload(cls, user, address=None):
    if address is not None:
        mark_defaults(user, [address])
    return cls(user=user, address=address)


class AccountAddressCreate(AccountMutation):
    """Add an address to the book; with `type`, also make it that default."""

    user = graphene.Field(User)
    address = graphene.Field(Address)
    errors = errors_field(AccountError)

    class Arguments:
        input = AddressInput(required=True)
        type = graphene.Argument(AddressTypeEnum)

    @classmethod
    def perform(cls, _root, info, input, type=None):
        user = signed_in_user(info)
        address = services.add_address(user, address_input_data(input), enum_value(type))
        return _payload(cls, user, address)


class AccountAddressUpdate(AccountMutation):
    user = graphene.Field(User)
    address = graphene.Field(Address)
    errors = errors_field(AccountError)

    class Arguments:
        id = graphene.ID(required=True)
        input = AddressInput(required=True)

    @classmethod
    def perform(cls, _root, info, id, input):
        user = signed_in_user(info)
        address = services.update_address(user, address_pk(id), address_input_data(input))
        return _payload(cls, user, address)


class AccountAddressDelete(AccountMutation):
    user = graphene.Field(User)
    address = graphene.Field(Address)
    errors = errors_field(AccountError)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, _root, info, id):
        user = signed_in_user(info)
        address = services.delete_address(user, address_pk(id))
        return _payload(cls, user, address)


class AccountSetDefaultAddress(AccountMutation):
    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        id = graphene.ID(required=True)
        type = graphene.Argument(AddressTypeEnum, required=True)

    @classmethod
    def perform(cls, _root, info, id, type):
        user = signed_in_user(info)
        user = services.set_default_address(user, address_pk(id), enum_value(type))
        return cls(user=user)
