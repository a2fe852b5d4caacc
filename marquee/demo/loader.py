"""The one demo loader: writes `data/*.toml` into the database, through every domain.

Everything is written in one transaction, so a failed load leaves nothing
half-made, and under a PostgreSQL advisory lock, so two processes started
together (`make run` twice) cannot both load it. The order is the order of
the dependencies: films, the shop (catalogue, pages and menus, shipping,
taxes and vouchers, the staff login), then the licence register, which
licenses and approves the catalogue. With the register, a closed quarter
of sales (`sales.py`): orders played through the real services at their
dates, and the quarter's statements. Last, the investor-members
(`members.py`): backer programmes, the imported backers, member prices and
perks, after the sales so that member prices do not reprice the quarter.

Each part is loaded once. The `china` channel marks a loaded shop, the
`china-film` licensor a loaded register and the `ne-zha-backers` programme
the loaded members, so a database loaded before a part existed gets that
part on the next load, and a fully loaded one returns at once.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists
from django.utils import timezone
from django.utils.text import slugify

import marquee.films
from marquee.films.models import Film
from marquee.licensing.models import Licensor
from marquee.members.models import BackerProgramme
from marquee.merch.models import Channel
from marquee.merch.search import refresh_search_documents

from . import files
from .catalogue import CatalogueWriter
from .commerce import write_commerce
from .content import write_content
from .drops import write_drops
from .licensing import LOADED_MARKER as LICENSING_MARKER
from .licensing import write_licensing
from .members import LOADED_MARKER as MEMBERS_MARKER
from .members import write_members
from .sales import write_sales

SHOP_MARKER = "china"
FILMS_DATASET = Path(marquee.films.__file__).parent / "data" / "films.json"

_LOCK_KEY = zlib.crc32(b"marquee.demo")


def _loaded() -> tuple[bool, bool, bool]:
    """(shop loaded, licence register loaded, members loaded), in one query."""
    register = Licensor.objects.filter(slug=LICENSING_MARKER)
    members = BackerProgramme.objects.filter(slug=MEMBERS_MARKER)
    row = (
        Channel.objects.filter(slug=SHOP_MARKER)
        .annotate(register=Exists(register), members=Exists(members))
        .values_list("register", "members")
        .first()
    )
    if row is None:
        return False, False, False
    return True, row[0], row[1]


def demo_is_loaded() -> bool:
    return all(_loaded())


def load_demo(stdout: TextIO | None = None) -> bool:
    """Load what is missing of the demo; return False (having written nothing) if nothing was."""
    log = _logger(stdout)
    if demo_is_loaded():
        log("Demo data is already loaded.")
        return False
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        shop_loaded, register_loaded, members_loaded = _loaded()
        if shop_loaded and register_loaded and members_loaded:
            log("Demo data was loaded by another process.")
            return False
        now = timezone.now()
        products = files.read("products")["products"]
        counts = {}
        if not shop_loaded:
            counts.update(load_shop(files.read("shop"), products, now, log))
        if not register_loaded:
            counts.update(
                write_licensing(
                    files.read("licensing"),
                    {spec["sku"]: slugify(spec["name"]) for spec in products},
                    timezone.localdate(now),
                )
            )
    if not register_loaded and Licensor.objects.filter(slug=LICENSING_MARKER).exists():
        # After the commit: each sale is its own transaction (its outbox
        # events are delivered when it commits), then the quarter is closed.
        counts.update(write_sales(files.read("sales"), timezone.localdate(now), log))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        if not _loaded()[2]:
            counts.update(write_members(files.read("members"), now, log))
        # Drops last (their early windows are for the members), once the licence
        # register lets their products be sold; written once (`write_drops` checks).
        if Licensor.objects.filter(slug=LICENSING_MARKER).exists():
            counts.update(write_drops(files.read("drops"), now))
    log("Created " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
    log(f"Demo data loaded in {time.perf_counter() - started:.1f}s.")
    return True


def load_shop(shop: dict, products: list[dict], now, log) -> dict[str, int]:
    """The films, catalogue, content, commerce and staff login; counts of what was made."""
    films = _import_films(shop, log)
    catalogue = CatalogueWriter(shop, products, films, now).write()
    counts = {**catalogue.counts, **write_content(shop, catalogue, now)}
    counts.update(write_commerce(shop, catalogue.channels, catalogue.warehouses, now))
    refresh_search_documents(product.pk for product in catalogue.products.values())
    _ensure_staff_user(shop["staff"], log)
    return counts


def _import_films(shop: dict, log) -> dict[str, Film]:
    """Import the shipped film dataset and return the films the demo sells merch for."""
    from marquee.films.importer import import_films

    report = import_films(FILMS_DATASET)
    log(f"Imported films: {report.summary()}.")
    for error in report.errors:
        log(f"  skipped {error}")
    wanted = list(shop["film_looks"])
    films = Film.objects.in_bulk(wanted, field_name="slug")
    missing = sorted(set(wanted) - set(films))
    if missing:
        raise LookupError(f"The film dataset lacks films the demo needs: {', '.join(missing)}")
    return films


def _ensure_staff_user(staff: dict, log) -> None:
    user_model = get_user_model()
    if user_model.objects.filter(email=staff["email"]).exists():
        return
    user_model.objects.create_superuser(email=staff["email"], password=staff["password"])
    log(f"Created staff user {staff['email']}.")


def _logger(stdout: TextIO | None):
    def log(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    return log
