"""Staff record what was paid out: advances under a licence, royalties to a licensor.

Each mutation records the source document (`RoyaltyPayment`) and its
journal entry in one transaction (`licensing.statements.payments`). The
reference (the bank transfer id) makes them idempotent: the same reference
again answers the payment recorded the first time and posts nothing.
"""

from __future__ import annotations

import graphene
from graphql import GraphQLError

from marquee.core.exceptions import DomainError
from marquee.licensing import models
from marquee.licensing.models import JournalEntry, PaymentKind, RoyaltyPayment
from marquee.licensing.statements import payments

from ..core.auth import PERMISSION_DENIED
from ..core.ids import decode_global_id
from ..core.mutations import BaseMutation, errors_field
from ..licensing import access
from ..licensing.types import Licence, Licensor
from .errors import RoyaltyError
from .types import _licence, _licensor

STAFF_ONLY = "Only staff can record advances and royalty payments."

PaymentKindEnum = graphene.Enum.from_enum(PaymentKind, name="RoyaltyPaymentKind")


class RoyaltyPaymentType(graphene.ObjectType):
    """Money paid to a licensor: an advance under a licence, or royalties."""

    class Meta:
        name = "RoyaltyPayment"

    kind = graphene.Field(PaymentKindEnum, required=True)
    licensor = graphene.Field(Licensor, required=True)
    licence = graphene.Field(Licence, description="The licence of an advance; null otherwise.")
    amount = graphene.Decimal(required=True)
    currency = graphene.String(required=True)
    paid_on = graphene.Date(required=True)
    reference = graphene.String(required=True)
    recorded_at = graphene.DateTime(required=True)
    journal_entry_key = graphene.String(
        required=True, description="The ledger entry the payment posted."
    )

    resolve_licensor = staticmethod(_licensor)
    resolve_licence = staticmethod(_licence)


def _payment(entry: JournalEntry):
    # As stored (a first answer and its retry read alike, e.g. "500.0000").
    payment = RoyaltyPayment.objects.get(pk=entry.payment_id)
    payment.journal_entry_key = entry.key
    return payment


def _found(model, type_name: str, global_id: str, field: str):
    """The row behind a global ID (staff see every licensor's), or NOT_FOUND on the field."""
    try:
        pk = decode_global_id(global_id, type_name, field)
    except GraphQLError:  # malformed, or an ID of another type: simply not found
        pk = None
    found = model.objects.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise DomainError.single(
            "NOT_FOUND", f"{type_name} with id {global_id!r} does not exist.", field
        )
    return found


def _staff(info):
    current = access.viewer(info)
    if not current.is_staff:
        raise DomainError.single(PERMISSION_DENIED, STAFF_ONLY)
    return current


class RoyaltyAdvanceRecord(BaseMutation):
    """Record an advance paid under a licence, in its royalty terms' currency (staff).
    Period closes recoup it from the royalties the licence earns, where the terms say so."""

    payment = graphene.Field(RoyaltyPaymentType)
    errors = errors_field(RoyaltyError)

    class Arguments:
        licence = graphene.ID(required=True)
        amount = graphene.Decimal(required=True)
        paid_on = graphene.Date(required=True)
        reference = graphene.String(required=True, description="E.g. the bank transfer id.")

    class Meta:
        name = "RoyaltyAdvanceRecordPayload"
        description = __doc__

    error_type_class = RoyaltyError

    @classmethod
    def perform(cls, _root, info, licence, amount, paid_on, reference):
        current = _staff(info)
        found = _found(models.Licence, "Licence", licence, "licence")
        entry = payments.record_advance_payment(
            found, amount=amount, paid_on=paid_on, reference=reference, user=current.user
        )
        return cls(payment=_payment(entry))


class RoyaltyPaymentRecord(BaseMutation):
    """Record royalties paid to a licensor (staff): at most what the ledger says it is owed,
    in the statement currency unless another is named."""

    payment = graphene.Field(RoyaltyPaymentType)
    errors = errors_field(RoyaltyError)

    class Arguments:
        licensor = graphene.ID(required=True)
        amount = graphene.Decimal(required=True)
        paid_on = graphene.Date(required=True)
        reference = graphene.String(required=True, description="E.g. the bank transfer id.")
        currency = graphene.String(description="Default: the licensor's statement currency.")

    class Meta:
        name = "RoyaltyPaymentRecordPayload"
        description = __doc__

    error_type_class = RoyaltyError

    @classmethod
    def perform(cls, _root, info, licensor, amount, paid_on, reference, currency=None):
        current = _staff(info)
        found = _found(models.Licensor, "Licensor", licensor, "licensor")
        entry = payments.record_royalty_payment(
            found,
            amount=amount,
            paid_on=paid_on,
            reference=reference,
            currency=(currency or "").strip().upper() or None,
            user=current.user,
        )
        return cls(payment=_payment(entry))


class RoyaltyPaymentMutations(graphene.ObjectType):
    royalty_advance_record = RoyaltyAdvanceRecord.Field()
    royalty_payment_record = RoyaltyPaymentRecord.Field()
