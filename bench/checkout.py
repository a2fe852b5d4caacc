"""Checkout benchmark: complete purchases from concurrent buyers, end to end.

What it measures: completed orders per second and the latency (p50/p99) of
every step a storefront sends for one purchase - checkoutCreate,
checkoutLinesAdd, checkoutShippingAddressUpdate, checkoutBillingAddressUpdate,
checkoutDeliveryMethodUpdate, transactionInitialize (the offline test
gateway) and checkoutComplete - served by gunicorn with production settings
(DEBUG off, gthread workers, pooled database connections) and fired over
HTTP by concurrent clients on the same machine. Each buyer picks a variant
in turn from the demo catalogue; stock is raised beforehand so the figures
measure the purchase path, not sold-out answers. Every response is checked
(HTTP 200, no "errors"); a failed flow is counted and printed, never folded
into the figures.

How to run, from the repository root:

    .venv/bin/python bench/checkout.py                  # 16 clients, 3 s warm-up, 20 s
    .venv/bin/python bench/checkout.py --concurrency 32 --duration 60 --json

It (1) drops and recreates a database named `marquee_bench_checkout` - on
the DATABASE_URL server if that is set, else on the embedded server under
.data/pg - and runs `manage.py migrate` and `manage.py loaddemo` on it,
(2) runs `manage.py collectstatic` and starts gunicorn on a free port of
127.0.0.1, (3) runs the load and prints the figures, and (4) always stops
gunicorn. Nothing is sent anywhere but 127.0.0.1. The server, database and
process functions come from bench/catalogue.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shlex
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue as base  # noqa: E402 - shared server and database functions

base.BENCH_DATABASE = "marquee_bench_checkout"
base.RUN_LOCK_KEY = base.zlib.crc32(b"marquee bench/checkout.py")
log, BenchError = base.log, base.BenchError

STEPS = (
    "checkoutCreate",
    "checkoutLinesAdd",
    "checkoutShippingAddressUpdate",
    "checkoutBillingAddressUpdate",
    "checkoutDeliveryMethodUpdate",
    "transactionInitialize",
    "checkoutComplete",
)
OFFLINE_GATEWAY = "marquee.payments.offline"
ADDRESS = {
    "firstName": "Li",
    "lastName": "Wei",
    "streetAddress1": "1 Century Avenue",
    "city": "浦东新区",
    "postalCode": "200120",
    "country": "CN",
    "countryArea": "上海市",
    "phone": "+8613800138000",
}
STOCK_FOR_BENCH = 10_000_000

VARIANTS_QUERY = """
query Variants($channel: String!) {
  products(first: 100, channel: $channel) {
    edges { node { isAvailableForPurchase
      variants { id quantityAvailable pricing { price { gross { amount } } } } } }
  }
}
"""

OPERATIONS = {
    "checkoutCreate": """
mutation($channel: String!, $email: String!) {
  checkoutCreate(input: {channel: $channel, email: $email, lines: []}) {
    checkout { id } errors { field code message } } }""",
    "checkoutLinesAdd": """
mutation($id: ID!, $variant: ID!) {
  checkoutLinesAdd(id: $id, lines: [{variantId: $variant, quantity: 1}]) {
    checkout { id totalPrice { gross { amount } } } errors { field code message } } }""",
    "checkoutShippingAddressUpdate": """
mutation($id: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(id: $id, shippingAddress: $address) {
    checkout { shippingMethods { id } } errors { field code message } } }""",
    "checkoutBillingAddressUpdate": """
mutation($id: ID!, $address: AddressInput!) {
  checkoutBillingAddressUpdate(id: $id, billingAddress: $address) {
    checkout { id } errors { field code message } } }""",
    "checkoutDeliveryMethodUpdate": """
mutation($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {
    checkout { totalPrice { gross { amount } } } errors { field code message } } }""",
    "transactionInitialize": """
mutation($id: ID!, $gateway: PaymentGatewayToInitialize!) {
  transactionInitialize(id: $id, paymentGateway: $gateway) {
    transaction { id } transactionEvent { type } errors { field code message } } }""",
    "checkoutComplete": """
mutation($id: ID!) {
  checkoutComplete(id: $id) { order { id number } errors { field code message } } }""",
}


class FlowFailed(Exception):
    pass


def call(client: httpx.Client, url: str, step: str, variables: dict, timings: dict) -> dict:
    started = time.perf_counter()
    response = client.post(url, json={"query": OPERATIONS[step], "variables": variables})
    timings[step].append(time.perf_counter() - started)
    if response.status_code != 200:
        raise FlowFailed(f"{step}: HTTP {response.status_code}: {response.text[:300]}")
    body = response.json()
    if body.get("errors"):
        raise FlowFailed(f"{step}: {json.dumps(body['errors'])[:300]}")
    payload = body["data"][step]
    if payload.get("errors"):
        raise FlowFailed(f"{step}: {json.dumps(payload['errors'])[:300]}")
    return payload


def purchase(client: httpx.Client, url: str, channel: str, variant: str, n: int, timings):
    checkout = call(
        client,
        url,
        "checkoutCreate",
        {"channel": channel, "email": f"bench-{n}@example.com"},
        timings,
    )["checkout"]
    checkout_id = checkout["id"]
    call(client, url, "checkoutLinesAdd", {"id": checkout_id, "variant": variant}, timings)
    shipping = call(
        client,
        url,
        "checkoutShippingAddressUpdate",
        {"id": checkout_id, "address": ADDRESS},
        timings,
    )
    methods = shipping["checkout"]["shippingMethods"]
    if not methods:
        raise FlowFailed("checkoutShippingAddressUpdate: no shipping method offered")
    call(
        client,
        url,
        "checkoutBillingAddressUpdate",
        {"id": checkout_id, "address": ADDRESS},
        timings,
    )
    call(
        client,
        url,
        "checkoutDeliveryMethodUpdate",
        {"id": checkout_id, "method": methods[0]["id"]},
        timings,
    )
    call(
        client,
        url,
        "transactionInitialize",
        {"id": checkout_id, "gateway": {"id": OFFLINE_GATEWAY}},
        timings,
    )
    order = call(client, url, "checkoutComplete", {"id": checkout_id}, timings)["order"]
    if not order:
        raise FlowFailed("checkoutComplete: no order")


def run_load(url, channel, variants, concurrency, warmup, duration) -> dict:
    counter = itertools.count()
    start = time.monotonic()
    measure_from, measure_to = start + warmup, start + warmup + duration
    completed, failures = [], Counter()
    timings_all = defaultdict(list)
    lock = threading.Lock()
    shown = [0]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)

    def client_loop():
        with httpx.Client(trust_env=False, timeout=base.REQUEST_TIMEOUT) as client:
            while time.monotonic() < measure_to:
                n = next(counter)
                timings = defaultdict(list)
                began = time.monotonic()
                try:
                    purchase(client, url, channel, variants[n % len(variants)], n, timings)
                    failure = None
                except (FlowFailed, httpx.HTTPError, ValueError, KeyError) as error:
                    failure = str(error)
                finished = time.monotonic()
                measured = measure_from <= began and finished <= measure_to
                with lock:
                    if failure:
                        failures[failure.split(":")[0]] += 1
                        if shown[0] < base.FAILURES_SHOWN:
                            shown[0] += 1
                            log(f"failure: {failure}")
                    elif measured:
                        completed.append(finished - began)
                        for step, values in timings.items():
                            timings_all[step].extend(values)
                if failure:
                    time.sleep(base.FAILURE_PAUSE)

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return {
        "completed_orders": len(completed),
        "orders_per_second": round(len(completed) / duration, 2),
        "failures": sum(failures.values()),
        "failures_by_step": dict(failures),
        "flow_ms": base.percentiles(completed),
        "steps_ms": {step: base.percentiles(timings_all[step]) for step in STEPS},
        "client_cpu_cores": round(cpu / (time.monotonic() - start), 2),
    }


def raise_stock(database: base.Database) -> None:
    with psycopg.connect(database.conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            "UPDATE merch_stock SET quantity = %s, quantity_allocated = 0", (STOCK_FOR_BENCH,)
        )


def purchasable_variants(url: str, channel: str) -> list[str]:
    with httpx.Client(trust_env=False, timeout=base.REQUEST_TIMEOUT) as client:
        body = client.post(
            url, json={"query": VARIANTS_QUERY, "variables": {"channel": channel}}
        ).json()
    variants = [
        variant["id"]
        for edge in body["data"]["products"]["edges"]
        if edge["node"]["isAvailableForPurchase"]
        for variant in edge["node"]["variants"] or []
        if variant["quantityAvailable"] and variant["pricing"]
    ]
    if not variants:
        raise BenchError(f"no purchasable variant in channel {channel!r}")
    return variants


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent buyers")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--pool", type=int, default=None, help="DB connections per worker")
    parser.add_argument("--channel", default="china", help="channel slug")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    for name in ("duration", "concurrency", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    return args


def run(args: argparse.Namespace) -> dict:
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": {"cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
    }
    offline = {  # the offline test gateway is the one measured
        "OFFLINE_PAYMENTS_ENABLED": "1",
        "OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY": "1",
    }
    with base.demo_server(
        args, report, prepare=lambda _env, database: raise_stock(database), server_env=offline
    ) as (url, _env):
        variants = purchasable_variants(url, args.channel)
        log(
            f"load: {args.concurrency} buyers, {len(variants)} variants, "
            f"{args.warmup:g} s warm-up, {args.duration:g} s measured"
        )
        report["results"] = run_load(
            url, args.channel, variants, args.concurrency, args.warmup, args.duration
        )

    return report


def print_report(report: dict) -> None:
    results = report["results"]
    print()
    print(f"completed orders/s: {results['orders_per_second']}")
    print(f"completed orders:   {results['completed_orders']}  failures: {results['failures']}")
    if results["failures_by_step"]:
        print(f"failures by step:   {results['failures_by_step']}")
    flow = results["flow_ms"]
    print(f"whole purchase:     p50 {flow['p50']} ms   p99 {flow['p99']} ms")
    for step, figures in results["steps_ms"].items():
        p50, p99 = (str(figures[k]) if figures[k] is not None else "-" for k in ("p50", "p99"))
        print(f"  {step:<32} p50 {p50:>7} ms   p99 {p99:>7} ms")
    print(f"server: {report['server']}; machine: {report['machine']}")
    print(f"reproduce: {report['command']}")


def main(argv: list[str] | None = None) -> int:
    return base.run_and_report(
        parse_args(argv), run, print_report, lambda results: results["completed_orders"] > 0
    )


if __name__ == "__main__":
    sys.exit(main())
