"""Royalty queries and the period-close mutation.

Reads start from the viewer-scoped selectors of `licensing.statements.audit`:
staff see every licensor, a licensor's users their own licensor only,
customers and anonymous visitors get PERMISSION_DENIED. Another licensor's
statement, line, licensor or licence asked for by ID answers NOT_FOUND,
exactly like an ID nobody has. Period closes (all licensors at once) are
staff's alone.
"""

from __future__ import annotations

import graphene
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.licensing import selectors
from marquee.licensing.statements import audit
from marquee.licensing.statements.close import close_period

from ..core.auth import PERMISSION_DENIED
from ..core.errors import client_error
from ..core.mutations import BaseMutation, errors_field
from ..core.pagination import SortKey, paginate
from ..core.types import connection_field, connection_from_page
from ..licensing import access
from .errors import RoyaltyError
from .payments import RoyaltyPaymentMutations
from .types import (
    RoyaltyAccrual,
    RoyaltyLedgerBalance,
    RoyaltyPeriodClose,
    RoyaltyPeriodCloseCountableConnection,
    RoyaltyStatement,
    RoyaltyStatementCountableConnection,
    RoyaltyStatementLine,
)

STAFF_ONLY = "Only staff can see or close royalty periods."


def _pk(find, current, global_id, type_name, field):
    if global_id is None:
        return None
    return access.get_or_not_found(find, current, global_id, type_name, field).pk


def _scope(current, licensor, licence):
    return {
        "licensor_id": _pk(selectors.licensor, current, licensor, "Licensor", "licensor"),
        "licence_id": _pk(selectors.licence, current, licence, "Licence", "licence"),
    }


def _staff(info):
    current = access.viewer(info)
    if not current.is_staff:
        raise client_error(STAFF_ONLY, PERMISSION_DENIED)
    return current


class RoyaltyQueries(graphene.ObjectType):
    royalty_balances = graphene.NonNull(
        graphene.List(graphene.NonNull(RoyaltyLedgerBalance)),
        licensor=graphene.ID(),
        licence=graphene.ID(),
        description="Ledger balances per licensor, licence, account kind and currency.",
    )
    royalty_accrued_this_period = graphene.NonNull(
        graphene.List(graphene.NonNull(RoyaltyAccrual)),
        licensor=graphene.ID(),
        licence=graphene.ID(),
        description="Royalty accrued so far in the current statement period, live.",
    )
    royalty_statements = connection_field(
        RoyaltyStatementCountableConnection,
        licensor=graphene.ID(),
        description="Statements, newest period first.",
    )
    royalty_statement = graphene.Field(RoyaltyStatement, id=graphene.ID(required=True))
    royalty_statement_line = graphene.Field(RoyaltyStatementLine, id=graphene.ID(required=True))
    royalty_period_closes = connection_field(
        RoyaltyPeriodCloseCountableConnection, description="Period closes (staff)."
    )
    royalty_period_close = graphene.Field(
        RoyaltyPeriodClose,
        id=graphene.ID(required=True),
        description="A period close and its progress (staff).",
    )

    @staticmethod
    def resolve_royalty_balances(_root, info, licensor=None, licence=None):
        current = access.readable(info)
        return list(audit.balances(current, **_scope(current, licensor, licence)))

    @staticmethod
    def resolve_royalty_accrued_this_period(_root, info, licensor=None, licence=None):
        current = access.readable(info)
        return audit.accrued_this_period(
            current, timezone.localdate(), **_scope(current, licensor, licence)
        )

    @staticmethod
    def resolve_royalty_statements(_root, info, licensor=None, **kwargs):
        current = access.readable(info)
        queryset = audit.statements(current)
        licensor_id = _scope(current, licensor, None)["licensor_id"]
        if licensor_id is not None:
            queryset = queryset.filter(licensor_id=licensor_id)
        page = paginate(
            queryset,
            connection="royaltyStatements",
            sort_keys=[SortKey("period_start", descending=True)],
            **kwargs,
        )
        return connection_from_page(RoyaltyStatementCountableConnection, page)

    @staticmethod
    def resolve_royalty_statement(_root, info, id):
        return access.get_or_not_found(
            audit.statement, access.readable(info), id, "RoyaltyStatement"
        )

    @staticmethod
    def resolve_royalty_statement_line(_root, info, id):
        return access.get_or_not_found(
            audit.statement_line, access.readable(info), id, "RoyaltyStatementLine"
        )

    @staticmethod
    def resolve_royalty_period_closes(_root, info, **kwargs):
        page = paginate(
            audit.period_closes(_staff(info)),
            connection="royaltyPeriodCloses",
            sort_keys=[SortKey("period_start", descending=True)],
            **kwargs,
        )
        return connection_from_page(RoyaltyPeriodCloseCountableConnection, page)

    @staticmethod
    def resolve_royalty_period_close(_root, info, id):
        current = _staff(info)
        return access.get_or_not_found(
            lambda viewer, pk: audit.period_closes(viewer).filter(pk=pk).first(),
            current,
            id,
            "RoyaltyPeriodClose",
        )


class RoyaltyPeriodCloseMutation(BaseMutation):
    """Close a statement period for every licensor (staff). Closing a period already closed
    changes nothing and says so (`alreadyClosed`); progress is on the returned close."""

    period_close = graphene.Field(RoyaltyPeriodClose)
    already_closed = graphene.Boolean(required=True)
    errors = errors_field(RoyaltyError)

    class Arguments:
        period_start = graphene.Date(required=True)
        period_end = graphene.Date(required=True, description="Inclusive.")

    class Meta:
        name = "RoyaltyPeriodClosePayload"
        description = __doc__

    error_type_class = RoyaltyError
    # The service commits the close row and queues the Celery task itself.
    owns_transactions = True

    @classmethod
    def perform(cls, _root, info, period_start, period_end):
        current = access.viewer(info)
        if not current.is_staff:
            raise DomainError.single(PERMISSION_DENIED, STAFF_ONLY)
        done = close_period(period_start, period_end, current.user)
        return cls(period_close=done.close, already_closed=done.already_closed)

    @classmethod
    def failure(cls, details):
        result = super().failure(details)
        result.already_closed = False
        return result


class RoyaltyMutations(RoyaltyPaymentMutations, graphene.ObjectType):
    royalty_period_close = RoyaltyPeriodCloseMutation.Field()
