"""The order confirmation a buyer receives: plain text with an HTML alternative."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from ..models import Order, OrderEventType
from . import events


def confirmation_context(order: Order) -> dict:
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "shop_name": settings.SHOP_NAME,
        "public_url": settings.PUBLIC_URL,
    }


def send_confirmation(order: Order) -> bool:
    """Send once: an order whose confirmation went out is not mailed again."""
    if not order.user_email:
        return False
    if order.events.filter(type=OrderEventType.EMAIL_SENT, parameters__kind="confirmation"):
        return False
    context = confirmation_context(order)
    subject = f"{settings.SHOP_NAME}: order #{order.number} confirmed"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("merch/emails/order_confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.user_email],
    )
    message.attach_alternative(
        render_to_string("merch/emails/order_confirmation.html", context), "text/html"
    )
    message.send()
    events.record(order, OrderEventType.EMAIL_SENT, kind="confirmation", email=order.user_email)
    return True
