"""Payment gateways by id, as the storefront names them."""

from __future__ import annotations

from marquee.core.exceptions import DomainError

from .base import Gateway, GatewayResult
from .offline import OfflineGateway
from .stripe import StripeGateway

GATEWAYS: dict[str, Gateway] = {g.id: g for g in (StripeGateway(), OfflineGateway())}

__all__ = ["GATEWAYS", "Gateway", "GatewayResult", "enabled_gateways", "gateway_for"]


def enabled_gateways() -> list[Gateway]:
    return [g for g in GATEWAYS.values() if g.is_enabled()]


def gateway_for(gateway_id: str, *, enabled_only: bool = False) -> Gateway:
    gateway = GATEWAYS.get(gateway_id)
    if gateway is None or (enabled_only and not gateway.is_enabled()):
        known = ", ".join(g.id for g in enabled_gateways()) or "none"
        raise DomainError.single(
            "NOT_FOUND",
            f"Payment gateway {gateway_id!r} is not available (available: {known}).",
            field="paymentGateway",
        )
    return gateway
