"""Loaders for royalties: rows reach them only through the audit's scoped selectors, and
every relation below stays within one licensor."""

from marquee.licensing import models

from ..core.dataloaders import ByIdLoader


class StatementByIdLoader(ByIdLoader):
    model = models.Statement
