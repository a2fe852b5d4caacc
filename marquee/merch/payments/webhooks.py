"""POST /webhooks/stripe/: Stripe's events, verified, recorded once, applied once.

1. The signature is checked with STRIPE_WEBHOOK_SECRET before anything is
   read; a bad or missing one is a 400 and nothing is stored. So is a signed
   body that is not an event the handlers can read (see stripe_shape): it is
   logged, and Stripe's dashboard shows the reason.
2. The event id goes into ProviderEvent (unique) in the same transaction as
   its effects: a replay finds it and is a 200 that changes nothing.
3. Unknown types are recorded and acknowledged (200), so Stripe stops
   resending them. An event for a payment not recorded yet is kept and
   retried by a Celery task (see tasks.retry_stripe_event).
"""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import stripe_events
from .stripe_shape import MalformedEvent, parse_event

logger = logging.getLogger("marquee.payments")

_RECORD_SQL = """
INSERT INTO merch_providerevent (provider, event_id, event_type, received_at, payload)
VALUES ('stripe', %s, %s, now(), %s)
ON CONFLICT (provider, event_id) DO NOTHING
RETURNING id
"""


def record_event(event: dict) -> int | None:
    """The new ProviderEvent's id, or None if this event id was seen before."""
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, [event["id"], event.get("type", ""), json.dumps(event)])
        row = cursor.fetchone()
    return row[0] if row else None


def schedule_retry(provider_event_id: int, attempt: int = 1) -> None:
    from ..tasks import retry_stripe_event

    transaction.on_commit(
        lambda: retry_stripe_event.apply_async(
            (provider_event_id, attempt), countdown=settings.STRIPE_WEBHOOK_RETRY_SECONDS
        )
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    signature = request.headers.get("Stripe-Signature", "")
    if not secret:
        return JsonResponse({"error": "Stripe webhooks are not configured."}, status=400)
    try:
        payload = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(payload, signature, secret)
    except (ValueError, TypeError, stripe.SignatureVerificationError):
        # TypeError: a signature with non-ASCII characters cannot be compared.
        return JsonResponse({"error": "Invalid payload or signature."}, status=400)
    try:
        event = parse_event(payload, stripe_events.HANDLED)
    except MalformedEvent as exc:
        logger.warning("stripe event refused: %s", exc)
        return JsonResponse({"error": f"Not a Stripe event Marquee can read: {exc}"}, status=400)

    with transaction.atomic():
        provider_event_id = record_event(event)
        if provider_event_id is None:
            return JsonResponse({"status": "duplicate"})
        outcome = stripe_events.handle(event)
        if outcome == stripe_events.MISSING:
            schedule_retry(provider_event_id)
    logger.info("stripe event %s (%s): %s", event["id"], event.get("type"), outcome)
    return JsonResponse({"status": outcome})
