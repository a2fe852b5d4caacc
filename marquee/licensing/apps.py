from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "marquee.licensing"
    label = "licensing"
    verbose_name = "Licensing"

    def ready(self):
        # Plug the licence gate into merch's extension points: the commerce
        # core stays unaware of licences, yet nothing unlicensed is shown or sold.
        from . import hooks

        hooks.register()
        # The royalty ledger listens to order events (paid, refunded) through the outbox.
        from .royalties import posting

        posting.register()
        _declare_tables()


def _declare_tables() -> None:
    """The licence gate's tables are public (they decide what is shown); contracts, royalties
    and statements are not (see core.cache_versions)."""
    from marquee.core import cache_versions as versions

    from . import models as m

    for model in (m.Property, m.Licence, m.ProductApproval):
        versions.register_catalogue_table(model)
    versions.register_moments(m.Licence, "term_start", "term_end", "sell_off_until")
    private = {
        "licensor records, not shown to shoppers": (m.Licensor, m.LicensorUser),
        "licence history and approval events": (m.LicenceChange, m.ApprovalEvent),
        "royalty terms, ledger and statements": (
            m.RoyaltyTerms,
            m.RoyaltyTier,
            m.RoyaltyCategoryRate,
            m.ExchangeRate,
            m.SaleSnapshot,
            m.LedgerAccount,
            m.RoyaltyPayment,
            m.JournalEntry,
            m.LedgerLine,
            m.RoyaltyPeriodClose,
            m.Statement,
            m.StatementLine,
            m.WithholdingRate,
        ),
    }
    versions.register_private_tables(private)
