"""CPU per request of the storefront's product list on a cache miss, in one process.

What it measures: the CPU time (`time.process_time`) one worker spends
answering Saleor storefront's own `ProductList` operation (the document of
`src/graphql/ProductList.graphql` with its `ProductListItem` fragment) for
`first: 20` and `first: 100`, through Django's full request path (middleware,
the GraphQL view, serialization) with production settings: DEBUG off, the
response cache off (`GRAPHQL_RESPONSE_CACHE_ENABLED=0`) so every request is a
miss. No HTTP server and no client share the process, so the figure is the
server's own work, on a 2-core machine shared with other work as stable as
wall time is not. Every answer is checked (HTTP 200, no errors, exactly
`first` products).

How to run, from the repository root:

    .venv/bin/python bench/profile_catalogue.py                 # 50 requests each after 5
    .venv/bin/python bench/profile_catalogue.py --requests 200 --first 20
    .venv/bin/python bench/profile_catalogue.py --profile 25     # and cProfile's top 25
    .venv/bin/python bench/profile_catalogue.py --keep-db        # reuse the loaded demo

It (1) drops and recreates a database named `marquee_profile` (on the
DATABASE_URL server if that is set, else on the embedded server under
.data/pg) and runs `manage.py migrate` and `manage.py loaddemo` on it, unless
--keep-db finds it already there, (2) widens the catalogue to --products
products (default 120, bench/catalogue_data.py: the demo lists 44, and a
page of 100 must hold 100), then (3) measures in this process. It prints
the products listed in the channel and the products each page returned.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue_data  # noqa: E402 - the bench catalogue, widened past the demo's 44 products
from catalogue import (  # noqa: E402 - the sibling benchmark's database helpers
    PRODUCT_LIST_QUERY,
    REPO,
    BenchError,
    drop_database,
    embedded_database,
    external_database,
    log,
    manage,
    widen_catalogue,
)

PROFILE_DATABASE = "marquee_profile"


# The environment of a production worker answering a miss.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "marquee.settings",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "GRAPHQL_RESPONSE_CACHE_ENABLED": "0",
    # The document costs 20,600 at first 100, within the default limits: none is raised.
    # Measured, not timed: a profiled request on a busy machine may take seconds.
    "GRAPHQL_REQUEST_DEADLINE_SECONDS": "120",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


def database_environment(args) -> tuple[dict[str, str], dict]:
    """Create (or, with --keep-db, reuse) the profile database, widened to --products.

    Returns its Django environment and what widening found and did.
    """
    url = os.environ.get("DATABASE_URL", "")
    database = external_database(url) if url else embedded_database()
    if url:
        django_env = {"DATABASE_URL": url.rsplit("/", 1)[0] + f"/{PROFILE_DATABASE}"}
    else:
        django_env = {"EMBEDDED_DATABASE_NAME": PROFILE_DATABASE}
    with psycopg.connect(database.admin_conninfo, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (PROFILE_DATABASE,)
        ).fetchone()
        keep = bool(exists and args.keep_db)
        if not keep:
            drop_database(conn, PROFILE_DATABASE)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PROFILE_DATABASE)))
    log(f"database: {PROFILE_DATABASE} ({'kept' if keep else 'recreated'})")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marquee.settings", **django_env}
    env.pop("STRIPE_SECRET_KEY", None)
    if not keep:
        manage(env, "migrate", "--noinput")
        manage(env, "loaddemo")
    # A kept database is widened too if it lists fewer products than asked for.
    return django_env, widen_catalogue(env, args.channel, args.products)


def start_django(django_env: dict[str, str]):
    """Configure this process as a production worker and return a test client."""
    os.environ.pop("STRIPE_SECRET_KEY", None)
    os.environ.update({**PRODUCTION_ENV, **django_env})
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.test import Client

    return Client(HTTP_HOST="127.0.0.1")


def post(client, payload: dict, first: int) -> int:
    """One request; raise unless it answered the whole page (`first` products), no errors."""
    response = client.post("/graphql/", payload, content_type="application/json")
    if response.status_code != 200:
        raise BenchError(f"first {first}: HTTP {response.status_code}: {response.content[:500]!r}")
    body = json.loads(response.content)
    if body.get("errors"):
        raise BenchError(f"first {first}: errors: {body['errors'][:3]}")
    products = len(body["data"]["products"]["edges"])
    if products != first:
        raise BenchError(f"first {first}: {products} products, expected {first}")
    return products


def measure(client, args, first: int) -> dict:
    payload = {
        "operationName": "ProductList",
        "query": PRODUCT_LIST_QUERY,
        "variables": {"first": first, "channel": args.channel, "languageCode": args.language},
    }
    for _ in range(args.warmup):
        returned = post(client, payload, first)
    samples = []
    # CPU time, not wall time: on a shared machine a descheduled moment is not work.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    for _ in range(args.requests):
        if profiler:
            profiler.enable()
        start = time.process_time()
        post(client, payload, first)
        samples.append((time.process_time() - start) * 1000)
        if profiler:
            profiler.disable()
    result = {
        "first": first,
        "products": returned,
        "requests": args.requests,
        "cpu_ms_mean": round(statistics.fmean(samples), 2),
        "cpu_ms_median": round(statistics.median(samples), 2),
        "cpu_ms_min": round(min(samples), 2),
    }
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        result["profile"] = stats
    return result


def print_result(result: dict, args) -> None:
    print(
        f"first {result['first']:>3} ({result['products']} products returned): "
        f"CPU ms per request mean {result['cpu_ms_mean']:.2f}, "
        f"median {result['cpu_ms_median']:.2f}, min {result['cpu_ms_min']:.2f} "
        f"over {result['requests']} requests"
    )
    stats = result.get("profile")
    if stats is not None:
        print(f"--- cProfile, first {result['first']}, top {args.profile} by own time ---")
        stats.sort_stats("tottime").print_stats(args.profile)
        print(f"--- cProfile, first {result['first']}, top {args.profile} by cumulative ---")
        stats.sort_stats("cumulative").print_stats(args.profile)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, action="append", help="page size (20 and 100)")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per size")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first")
    parser.add_argument("--channel", default="china")
    parser.add_argument(
        "--products",
        type=int,
        default=catalogue_data.DEFAULT_PRODUCTS,
        help="products the channel lists: demo products are copied up to this many",
    )
    parser.add_argument("--language", default="ZH_HANS", help="LanguageCodeEnum value")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep-db", action="store_true", help="reuse the profile database")
    args = parser.parse_args(argv)
    args.first = args.first or [20, 100]
    if args.requests < 1 or args.warmup < 1:
        parser.error("--requests and --warmup must be at least 1")
    if args.products < max(args.first):
        parser.error("--products must be at least the largest --first")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        django_env, catalogue = database_environment(args)
        client = start_django(django_env)
        results = [measure(client, args, first) for first in args.first]
    except BenchError as error:
        log(f"profile failed: {error}")
        return 2
    if args.json:
        figures = [{k: v for k, v in r.items() if k != "profile"} for r in results]
        print(json.dumps({"catalogue": catalogue, "results": figures}))
    else:
        print(
            f"catalogue: {catalogue['listed']} products listed in {args.channel} "
            f"({catalogue['listed_before']} before widening, {catalogue['copied']} copies added)"
        )
        for result in results:
            print_result(result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
