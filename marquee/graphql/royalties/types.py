"""API types of royalties.

Objects reach these types only through the scoped selectors of
`licensing.statements.audit`, and every relation stays inside the
statement's licensor. Amounts are `Decimal`s (strings on the wire), in the
currency the field names. Download URLs are short-lived signed links made
for the viewer asking (`licensing.statements.downloads`).
"""

from __future__ import annotations

import graphene
from graphene import relay

from marquee.licensing import models
from marquee.licensing.statements import audit, downloads

from ..core.pagination import SortKey, paginate
from ..core.types import CountableConnection, absolute_url, connection_field, connection_from_page
from ..licensing import dataloaders as licensing_loaders
from ..licensing.types import Licence, Licensor
from . import dataloaders as loaders

LedgerAccountKindEnum = graphene.Enum.from_enum(models.AccountKind, name="RoyaltyAccountKind")
PeriodCloseStatusEnum = graphene.Enum.from_enum(
    models.PeriodCloseStatus, name="RoyaltyPeriodCloseStatus"
)


def _licensor(root, info):
    return licensing_loaders.LicensorByIdLoader(info.context).load(root.licensor_id)


def _licence(root, info):
    if root.licence_id is None:
        return None
    return licensing_loaders.LicenceByIdLoader(info.context).load(root.licence_id)


class RoyaltyLedgerBalance(graphene.ObjectType):
    """One ledger account's balance: debits positive, credits negative (what Marquee owes a
    licensor shows as a negative ROYALTY_PAYABLE balance)."""

    licensor = graphene.Field(Licensor, required=True)
    licence = graphene.Field(Licence, description="Null for licensor-wide accounts.")
    kind = graphene.Field(LedgerAccountKindEnum, required=True)
    currency = graphene.String(required=True)
    amount = graphene.Decimal(required=True)

    resolve_licensor = staticmethod(_licensor)
    resolve_licence = staticmethod(_licence)

    @staticmethod
    def resolve_amount(root, _info):
        return root.balance


class RoyaltyAccrual(graphene.ObjectType):
    """Royalty accrued so far in the current statement period (accruals less reversals)."""

    licensor = graphene.Field(Licensor, required=True)
    licence = graphene.Field(Licence)
    currency = graphene.String(required=True)
    amount = graphene.Decimal(required=True)
    period_start = graphene.Date(required=True)
    period_end = graphene.Date(required=True)

    resolve_licensor = staticmethod(_licensor)
    resolve_licence = staticmethod(_licence)


class RoyaltyDownloads(graphene.ObjectType):
    """Signed links valid for a few minutes; null for a file not rendered (yet)."""

    csv = graphene.String()
    xlsx = graphene.String()
    pdf = graphene.String()
    expires_in = graphene.Int(required=True, description="Seconds each link stays valid.")


class RoyaltyDiscountSource(graphene.ObjectType):
    type = graphene.String(required=True, description="rule, voucher or manual.")
    name = graphene.String(required=True)
    voucher_code = graphene.String(required=True)
    rule = graphene.String(required=True, description="The price rule's key, if a rule.")
    amount = graphene.Decimal(required=True, description="Taken off the whole line, gross.")
    currency = graphene.String(required=True)


class RoyaltyAuditLine(graphene.ObjectType):
    """One order line behind a statement line, as the licensor may see it: no customer data."""

    order_number = graphene.String(required=True)
    sold_at = graphene.DateTime(required=True)
    country = graphene.String(required=True)
    channel = graphene.String(required=True, description="The channel's slug.")
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    quantity = graphene.Int(required=True, description="Units on the order line.")
    period_units = graphene.Int(
        required=True, description="Units the period booked for it (sales less returns)."
    )
    currency = graphene.String(required=True)
    list_unit_price = graphene.Decimal(required=True, description="Net, before discounts.")
    unit_price = graphene.Decimal(required=True, description="Net, as sold.")
    unit_discount = graphene.Decimal(required=True)
    discounts = graphene.NonNull(graphene.List(graphene.NonNull(RoyaltyDiscountSource)))
    share_percent = graphene.Decimal(required=True)
    period_royalty = graphene.Decimal(required=True)

    @staticmethod
    def resolve_order_number(root, _info):
        return str(root.order_line.order.number)

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_sku(root, _info):
        return root.order_line.product_sku

    @staticmethod
    def resolve_product_name(root, _info):
        return root.order_line.product_name

    @staticmethod
    def resolve_list_unit_price(root, _info):
        return root.order_line.undiscounted_unit_price_net_amount

    @staticmethod
    def resolve_unit_price(root, _info):
        return root.order_line.unit_price_net_amount

    @staticmethod
    def resolve_unit_discount(root, _info):
        line = root.order_line
        return line.undiscounted_unit_price_net_amount - line.unit_price_net_amount

    @staticmethod
    def resolve_discounts(root, _info):
        return audit.discount_sources(root)


class RoyaltyAuditLineCountableConnection(CountableConnection):
    class Meta:
        node = RoyaltyAuditLine


def _user(info):
    return getattr(info.context, "user", None)


class RoyaltyStatementLine(graphene.ObjectType):
    licence = graphene.Field(Licence, required=True)
    product_name = graphene.String(required=True)
    sku = graphene.String(required=True)
    country = graphene.String(required=True)
    channel = graphene.String(required=True, description="The channel's slug.")
    currency = graphene.String(required=True, description="The sale currency.")
    units = graphene.Int(required=True)
    gross = graphene.Decimal(required=True)
    discounts = graphene.Decimal(required=True)
    returns = graphene.Decimal(required=True)
    royalty_base = graphene.Decimal(required=True)
    rate_percent = graphene.Decimal()
    royalty = graphene.Decimal(required=True)
    royalty_in_statement_currency = graphene.Decimal(required=True)
    order_lines = connection_field(
        RoyaltyAuditLineCountableConnection,
        description="The order lines behind this line, oldest sale first.",
    )
    order_lines_csv_url = graphene.String(
        required=True, description="A signed link to the same drill-down as CSV."
    )

    class Meta:
        interfaces = (relay.Node,)

    resolve_licence = staticmethod(_licence)

    @staticmethod
    def resolve_order_lines(root, _info, **kwargs):
        page = paginate(
            audit.drilldown(root),
            connection="orderLines",
            sort_keys=[SortKey("sold_at")],
            **kwargs,
        )
        return connection_from_page(RoyaltyAuditLineCountableConnection, page)

    @staticmethod
    def resolve_order_lines_csv_url(root, info):
        return absolute_url(info, downloads.drilldown_path(_user(info), root))


class RoyaltyStatementLineCountableConnection(CountableConnection):
    class Meta:
        node = RoyaltyStatementLine


class RoyaltyStatement(graphene.ObjectType):
    licensor = graphene.Field(Licensor, required=True)
    period_start = graphene.Date(required=True)
    period_end = graphene.Date(required=True)
    version = graphene.Int(required=True)
    supersedes = graphene.Field(lambda: RoyaltyStatement)
    reason = graphene.String(required=True, description="Why this version corrects the last.")
    currency = graphene.String(required=True, description="The statement currency.")
    issued_at = graphene.DateTime(required=True)
    due_date = graphene.Date(required=True)
    units = graphene.Int(required=True)
    gross = graphene.Decimal(required=True)
    discounts = graphene.Decimal(required=True)
    returns = graphene.Decimal(required=True)
    royalty_base = graphene.Decimal(required=True)
    royalty = graphene.Decimal(required=True)
    opening_balance = graphene.Decimal(required=True)
    advances_recouped = graphene.Decimal(required=True)
    guarantee_true_up = graphene.Decimal(required=True)
    withholding = graphene.Decimal(required=True)
    fx_adjustment = graphene.Decimal(required=True)
    amount_payable = graphene.Decimal(required=True)
    lines = connection_field(RoyaltyStatementLineCountableConnection)
    downloads = graphene.Field(RoyaltyDownloads, required=True)

    class Meta:
        interfaces = (relay.Node,)

    resolve_licensor = staticmethod(_licensor)

    @staticmethod
    def resolve_supersedes(root, info):
        if root.supersedes_id is None:
            return None
        return loaders.StatementByIdLoader(info.context).load(root.supersedes_id)

    @staticmethod
    def resolve_lines(root, _info, **kwargs):
        queryset = models.StatementLine.objects.filter(statement=root).select_related("statement")
        page = paginate(queryset, connection="lines", sort_keys=[SortKey("sku")], **kwargs)
        return connection_from_page(RoyaltyStatementLineCountableConnection, page)

    @staticmethod
    def resolve_downloads(root, info):
        user = _user(info)
        links = {
            kind: downloads.statement_file_path(user, root, kind)
            for kind in downloads.STATEMENT_FILES
        }
        return RoyaltyDownloads(
            expires_in=downloads.expiry_seconds(),
            **{kind: path and absolute_url(info, path) for kind, path in links.items()},
        )


class RoyaltyStatementCountableConnection(CountableConnection):
    class Meta:
        node = RoyaltyStatement


class RoyaltyPeriodClose(graphene.ObjectType):
    period_start = graphene.Date(required=True)
    period_end = graphene.Date(required=True)
    status = graphene.Field(PeriodCloseStatusEnum, required=True)
    licensors_total = graphene.Int(required=True)
    licensors_done = graphene.Int(required=True)
    progress = graphene.Float(required=True, description="Share of licensors done, 0 to 1.")
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()
    error = graphene.String(required=True)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_progress(root, _info):
        if root.status == models.PeriodCloseStatus.DONE:
            return 1.0
        if not root.licensors_total:
            return 0.0
        return min(root.licensors_done / root.licensors_total, 1.0)


class RoyaltyPeriodCloseCountableConnection(CountableConnection):
    class Meta:
        node = RoyaltyPeriodClose
