"""The order confirmation a buyer receives: plain text with an HTML alternative.

It is mailed by an outbox consumer of `order.placed` (`confirm_placed`),
not by a task queued after the placement commits: a broker that is down at
that moment would lose such a task, and the failure, raised after the
commit, would answer an error to the buyer whose order was placed. The
outbox's event commits with the order and its sweep delivers what the queue
lost; `send_confirmation` records the email on the order, so a delivery
seen twice mails once.
"""

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


CONSUMER = "order-confirmation"


def confirm_placed(event) -> bool:
    """Outbox consumer of order.placed (in the delivery's own transaction)."""
    order = Order.objects.select_for_update().filter(pk=event.order_id).first()
    return order is not None and send_confirmation(order)


def register() -> None:
    from ..outbox.consumers import register_consumer
    from ..outbox.events import PLACED

    register_consumer(confirm_placed, name=CONSUMER, order=200, event_types=[PLACED])
