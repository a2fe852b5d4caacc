"""Loads the demo shop into an empty database, once.

Everything is written in one transaction, so a failed load leaves nothing
half-made, and under a PostgreSQL advisory lock, so two processes started
together (`make run` twice) cannot both load it. The `china` channel marks a
loaded demo: its presence makes a later call return at once.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

import marquee.films
from marquee.films.models import Film

from ..models import Channel
from ..search import refresh_search_documents
from . import data
from .catalogue import CatalogueWriter
from .commerce import write_commerce
from .content import write_content

DEMO_MARKER_CHANNEL = "china"

# Demo data of apps built on merch (licences, backer programmes...). They
# register a step from AppConfig.ready(), so merch never imports them.
_extra_steps: list = []


def register_demo_step(step) -> None:
    """Run `step() -> {what: count}` inside the demo load, after the catalogue."""
    if step not in _extra_steps:
        _extra_steps.append(step)


DEMO_STAFF_EMAIL = "admin@marquee.example"
DEMO_STAFF_PASSWORD = "marquee-admin"  # noqa: S105 - a published demo login
FILMS_DATASET = Path(marquee.films.__file__).parent / "data" / "films.json"

_LOCK_KEY = zlib.crc32(b"marquee.merch.demo")


def demo_is_loaded() -> bool:
    return Channel.objects.filter(slug=DEMO_MARKER_CHANNEL).exists()


def load_demo(stdout: TextIO | None = None) -> bool:
    """Load the demo data; return False (having written nothing) if it is there."""
    log = _logger(stdout)
    if demo_is_loaded():
        log("Demo data is already loaded.")
        return False
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        if demo_is_loaded():
            log("Demo data was loaded by another process.")
            return False
        films = _import_films(log)
        now = timezone.now()
        catalogue = CatalogueWriter(films, now).write()
        counts = {**catalogue.counts, **write_content(catalogue, now)}
        counts.update(write_commerce(catalogue.channels, catalogue.warehouses, now))
        refresh_search_documents(product.pk for product in catalogue.products.values())
        _ensure_staff_user(log)
        for step in _extra_steps:
            counts.update(step() or {})
    log("Created " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
    log(f"Demo data loaded in {time.perf_counter() - started:.1f}s.")
    return True


def _import_films(log) -> dict[str, Film]:
    """Import the shipped film dataset and return the films the demo sells merch for."""
    from marquee.films.importer import import_films

    report = import_films(FILMS_DATASET)
    log(f"Imported films: {report.summary()}.")
    for error in report.errors:
        log(f"  skipped {error}")
    films = Film.objects.in_bulk(list(data.FILM_LOOKS), field_name="slug")
    missing = sorted(set(data.FILM_LOOKS) - set(films))
    if missing:
        raise LookupError(f"The film dataset lacks films the demo needs: {', '.join(missing)}")
    return films


def _ensure_staff_user(log) -> None:
    user_model = get_user_model()
    if user_model.objects.filter(email=DEMO_STAFF_EMAIL).exists():
        return
    user_model.objects.create_superuser(email=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD)
    log(f"Created staff user {DEMO_STAFF_EMAIL}.")


def _logger(stdout: TextIO | None):
    def log(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    return log
