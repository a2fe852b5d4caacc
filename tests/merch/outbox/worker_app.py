"""The Celery app the real worker of `test_worker_crash.py` runs (a separate process).

It is the project's app on the test's own queue, with the outbox's
dispatcher given one consumer only (whatever else the apps registered is
left out): `effect` writes one row per event into `outbox_test_effect`
(idempotent: the event id is the key) inside the delivery's transaction,
and logs every attempt to a file, which survives a crash. Told to (the
`hang` file names an event), it hangs after writing the row, with the event
locked, until the test kills the worker.
"""

import os
import time
from pathlib import Path

import django

django.setup()

from django.db import connection  # noqa: E402

from marquee.celeryconf import app  # noqa: E402
from marquee.core.registry import Registry  # noqa: E402
from marquee.merch.outbox import dispatch  # noqa: E402

app.conf.task_default_queue = os.environ["OUTBOX_TEST_QUEUE"]
WORK = Path(os.environ["OUTBOX_TEST_DIR"])

only = Registry("test outbox consumer")


@only.register(order=100, name="test-effect")
def effect(event):
    with (WORK / "attempts.log").open("a") as log:
        log.write(f"{event.pk}\n")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO outbox_test_effect (event_id) VALUES (%s) ON CONFLICT DO NOTHING",
            [event.pk],
        )
    hang = WORK / "hang"
    if hang.exists() and hang.read_text().strip() == str(event.pk):
        (WORK / "hanging").write_text(str(event.pk))
        time.sleep(3600)


dispatch.consumers_for = lambda event_type: list(only)

__all__ = ["app"]
