"""Payment gateways by id, as the storefront names them (earlier ids still accepted)."""

from __future__ import annotations

from marquee.core.exceptions import DomainError

from .base import Gateway, GatewayResult, PaymentRequest, ProviderOutcome
from .offline import OfflineGateway
from .stripe import StripeGateway

GATEWAYS: dict[str, Gateway] = {g.id: g for g in (StripeGateway(), OfflineGateway())}
_BY_ANY_ID: dict[str, Gateway] = {
    **{alias: g for g in GATEWAYS.values() for alias in g.aliases},
    **GATEWAYS,
}

__all__ = [
    "GATEWAYS",
    "Gateway",
    "GatewayResult",
    "PaymentRequest",
    "ProviderOutcome",
    "enabled_gateways",
    "find_gateway",
    "gateway_for",
]


def enabled_gateways() -> list[Gateway]:
    return [g for g in GATEWAYS.values() if g.is_enabled()]


def find_gateway(gateway_id) -> Gateway | None:
    """The gateway with this id or one of its earlier ids; None if there is none."""
    return _BY_ANY_ID.get(gateway_id) if isinstance(gateway_id, str) else None


def gateway_for(gateway_id: str, *, enabled_only: bool = False) -> Gateway:
    gateway = find_gateway(gateway_id)
    if gateway is None or (enabled_only and not gateway.is_enabled()):
        known = ", ".join(g.id for g in enabled_gateways()) or "none"
        raise DomainError.single(
            "NOT_FOUND",
            f"Payment gateway {gateway_id!r} is not available (available: {known}).",
            field="paymentGateway",
        )
    return gateway
