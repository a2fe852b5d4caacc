"""Calls released together from threads of their own, each on its own database connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from marquee.core.exceptions import DomainError


def in_parallel(calls):
    """Run every call at once; each answers with its result or the refusal's code."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except DomainError as error:
            return error.details[0].code
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
