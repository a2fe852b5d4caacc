"""Errors a domain service raises when a request cannot be carried out.

Services raise `DomainError` (or Django's ValidationError); the API turns
either into Saleor's `errors { field code message }` without knowing the
rule that failed. Codes are stable strings a client may branch on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class ErrorDetail:
    code: str
    message: str
    field: str | None = None
    extra: dict = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    """One or more reasons a write was refused; nothing of it was written."""

    def __init__(self, *details: ErrorDetail):
        self.details = list(details)
        super().__init__("; ".join(d.message for d in self.details))

    @classmethod
    def single(cls, code: str, message: str, field: str | None = None, **extra) -> DomainError:
        return cls(ErrorDetail(code=code, message=message, field=field, extra=extra))
