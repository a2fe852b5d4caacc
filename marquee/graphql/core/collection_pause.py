"""The cyclic garbage collector waits while an operation executes.

Executing a product list allocates a few hundred thousand objects (rows,
resolve infos, futures, result dicts) that all live until the answer is
built. With the collector running, its young collections find them alive
and promote them, and every few requests the promoted objects trigger a
collection of the oldest generation: a walk over the whole heap (Django,
the schema, every module: some 200,000 objects) that measured a third of a
product list's CPU on a busy 2-core machine. Nothing in the operation needs
the collector, and reference counting still frees what has no cycle at
once.

So the collector is paused while an operation executes and resumes when no
operation is executing any more; the next young collection then finds the
request's cyclic garbage still young, and frees it without walking the old
generations. With threads that keep operations overlapping the pause could
last for ever, so once more than `YOUNG_LIMIT` objects have accumulated
since the last collection, the ending operation collects the young
generation itself.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

YOUNG_LIMIT = 500_000  # net allocations the young generation may hold before a collection

_lock = threading.Lock()
_executing = 0
_resume = False  # whether the collector was on when the first operation paused it


@contextmanager
def collector_paused():
    """Run the block with the cyclic collector paused (see the module's note)."""
    global _executing, _resume
    with _lock:
        if _executing == 0:
            _resume = gc.isenabled()
            gc.disable()
        _executing += 1
    try:
        yield
    finally:
        with _lock:
            _executing -= 1
            if _executing == 0:
                if _resume:
                    gc.enable()
            elif gc.get_count()[0] > YOUNG_LIMIT:
                gc.collect(0)
