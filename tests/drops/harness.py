"""Multi-process drop runs: real servers, buyers as separate processes, every answer kept.

One module for the fault tests (`tests/drops/faults/`) and the benchmark
(`bench/drop.py`), so both send the same flow and judge it the same way:

- **Servers.** `RedisServer` (a redis-server of the run's own on a free
  port, which a test may restart without touching anything else),
  `Web` (gunicorn with `marquee.gunicorn_conf`, production settings, several
  workers, through `tests.servers.gunicorn`) and `CeleryWorker` (a worker
  with beat on a Redis broker), all three in `tests.servers.production_env`.
- **Buyers.** `Storm` starts client processes (spawned, so nothing of the
  parent's Django or sockets is inherited); each runs buyer threads over
  httpx. A buyer walks the drop's purchase - `dropJoin` and `dropTicket`
  until admitted (when the drop has a waiting room), `dropReserve` (which
  creates the checkout), shipping and billing address, delivery method,
  `transactionInitialize` on the offline gateway, `checkoutComplete` - and
  records every answer it gets: the HTTP status or the transport error, the
  error code, when it was sent and when it came back. A retryable answer (a
  connection error, HTTP 5xx, a top-level `INTERNAL_ERROR` or
  `REQUEST_TIMEOUT`, `UNAVAILABLE`, `RATE_LIMITED`) is retried after a
  pause with the same idempotency key; a definite one (an order,
  `SOLD_OUT`, `INSUFFICIENT_STOCK`...) ends the buyer; a ticket the waiting
  room no longer knows sends the buyer back to `dropJoin`. A request that
  hits the client timeout is recorded as a hang.
- **Books.** `books()` reads, with plain SQL, what the database says after
  the run: units ordered against the drop's quantity, the stock row's
  counters against its allocation and reservation rows, orders per
  checkout, charged transactions that belong to no order, outbox events not
  yet delivered. `Books.violations()` lists every invariant that does not
  hold.
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from tests.servers import REPO, free_port, gunicorn

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

DROP_JOIN = """
mutation($drop: ID!) {
  dropJoin(drop: $drop) {
    ticket { token position state retryAfter } errors { field code message } } }"""
DROP_TICKET = """
query($drop: ID!, $token: String!) {
  dropTicket(drop: $drop, token: $token) { token position state retryAfter } }"""
DROP_RESERVE = """
mutation($drop: ID!, $variant: ID!, $quantity: Int!, $email: String, $ticket: String,
         $key: String) {
  dropReserve(drop: $drop, variantId: $variant, quantity: $quantity, email: $email,
              ticket: $ticket, idempotencyKey: $key) {
    checkout { id } reservationExpires errors { field code message } } }"""
SHIPPING_ADDRESS = """
mutation($id: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(id: $id, shippingAddress: $address) {
    checkout { shippingMethods { id } } errors { field code message } } }"""
BILLING_ADDRESS = """
mutation($id: ID!, $address: AddressInput!) {
  checkoutBillingAddressUpdate(id: $id, billingAddress: $address) {
    checkout { id } errors { field code message } } }"""
DELIVERY_METHOD = """
mutation($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {
    checkout { id } errors { field code message } } }"""
PAY = """
mutation($id: ID!, $gateway: PaymentGatewayToInitialize!, $key: String) {
  transactionInitialize(id: $id, paymentGateway: $gateway, idempotencyKey: $key) {
    transaction { id } errors { field code message } } }"""
COMPLETE = """
mutation($id: ID!) {
  checkoutComplete(id: $id) { order { id number token } errors { field code message } } }"""

# Top-level error codes the server gives for a failure of its own (the view answers
# INTERNAL_ERROR instead of a 500) and payload codes that say "try again".
RETRYABLE_CODES = {"INTERNAL_ERROR", "REQUEST_TIMEOUT", "UNAVAILABLE", "RATE_LIMITED"}
# Answers that end a buyer without an order.
REFUSALS = {"SOLD_OUT", "INSUFFICIENT_STOCK", "LIMIT_EXCEEDED", "ENDED"}


# --- Servers ------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free port: no snapshot, no AOF, nothing shared."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        binary = os.environ.get("REDIS_SERVER", "redis-server")
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        log = (self.directory / "redis.log").open("a")
        self.process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        wait_for_redis(self.url(), self.process)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


def wait_for_redis(url: str, process: subprocess.Popen | None = None, timeout: float = 15) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"redis-server exited with status {process.returncode}")
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            return
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"no Redis answered at {url}") from None
            time.sleep(0.05)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


@dataclass
class Web:
    url: str  # the GraphQL endpoint
    master: int

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text()
        return [int(pid) for pid in children.split()]


@contextmanager
def web(env: dict, log: Path, *, workers: int = 3, threads: int = 4, timeout: int = 30):
    """gunicorn (gthread workers) serving `env`'s database; yields a `Web`."""
    with gunicorn(
        env,
        log,
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        f"--timeout={timeout}",
        "--graceful-timeout=5",
        "--log-level=warning",
    ) as (url, pid):
        yield Web(url=f"{url}/graphql/", master=pid)


class CeleryWorker:
    """`celery worker -B` on the broker of `env`, as a process a test may stop and start."""

    def __init__(self, env: dict, directory: Path):
        self.env = env
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        argv = [sys.executable, "-m", "celery", "-A", "marquee.celeryconf", "worker"]
        argv += ["--pool=solo", "--beat", f"--schedule={self.directory / 'beat-schedule'}"]
        argv += ["--loglevel=INFO", f"--hostname=faults-{uuid.uuid4().hex[:8]}@%h"]
        log = (self.directory / "celery.log").open("a")
        self.process = subprocess.Popen(
            argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the worker logs that it is ready (it consumes from then on)."""
        log = self.directory / "celery.log"
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"celery exited:\n{log.read_text()[-3000:]}")
            if log.read_text().count(" ready.") >= self.starts:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"celery not ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def log(self) -> str:
        return (self.directory / "celery.log").read_text()


@contextmanager
def celery_worker(env: dict, directory: Path, wait: bool = True):
    """A worker for the block, killed at its end (`wait` false: not yet ready on entry)."""
    worker = CeleryWorker(env, directory)
    worker.start(wait=wait)
    try:
        yield worker
    finally:
        worker.stop(signal.SIGKILL)


# --- Buyers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """What every buyer buys, and how patient a buyer is (everything picklable)."""

    url: str
    drop: str  # the drop's global id
    variant: str  # the variant's global id
    quantity: int = 1
    waiting_room: bool = False  # join and wait for admission before reserving
    poll_cap: float = 2.0  # seconds at most between two dropTicket polls
    request_timeout: float = 20.0  # a request longer than this is a hang
    give_up_after: float = 60.0  # seconds of retrying before a buyer stops
    # Every buyer arrives before any follow-up request is sent: the clients first
    # walk each buyer up to its reservation, then the winners through checkout.
    # A drop's buyers all arrive in its first second; without this, a client
    # connection serves one buyer's whole purchase before the next buyer may even
    # arrive, and the reservation rate measured is the checkout rate.
    arrivals_first: bool = False
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


@dataclass
class Answer:
    step: str
    attempt: int
    sent: float  # time.time() when the request left
    received: float
    kind: str  # "ok", an error code, "http:<status>", "transport:<error>", "hang:<error>"
    retryable: bool = False

    @property
    def latency(self) -> float:
        return self.received - self.sent


@dataclass
class Outcome:
    buyer: int
    result: str  # "ORDER", a refusal code, or "GAVE_UP:<last kind>"
    order_token: str | None = None
    checkout: str | None = None
    answers: list[Answer] = field(default_factory=list)

    @property
    def finished(self) -> float:
        return self.answers[-1].received if self.answers else 0.0

    @property
    def decisive(self) -> Answer | None:
        """The answer that decided the buyer's fate (the last one)."""
        return self.answers[-1] if self.answers else None


class _GaveUp(Exception):
    pass


class Buyer:
    """One buyer's walk through the purchase, retrying what may be retried."""

    def __init__(self, client: httpx.Client, flow: Flow, number: int):
        self.client, self.flow, self.number = client, flow, number
        self.outcome = Outcome(buyer=number, result="")
        self.started = time.monotonic()

    def call(self, step: str, document: str, variables: dict, key: str | None = None):
        """(code, payload): code None when the payload has no errors."""
        headers = {"Idempotency-Key": key} if key else {}
        attempt = 0
        while True:
            attempt += 1
            sent = time.time()
            kind, retryable, payload, pause = self._send(step, document, variables, headers)
            self.outcome.answers.append(Answer(step, attempt, sent, time.time(), kind, retryable))
            if not retryable:
                return (None if kind == "ok" else kind), payload
            if time.monotonic() - self.started > self.flow.give_up_after:
                raise _GaveUp(kind)
            time.sleep(pause if pause is not None else min(0.05 * 2**attempt, 1.0))

    def _send(self, step, document, variables, headers):
        try:
            response = self.client.post(
                self.flow.url, json={"query": document, "variables": variables}, headers=headers
            )
        except httpx.TimeoutException as error:
            return f"hang:{type(error).__name__}", True, None, None
        except httpx.HTTPError as error:
            return f"transport:{type(error).__name__}", True, None, None
        retry_after = _retry_after(response)
        if response.status_code >= 500:
            return f"http:{response.status_code}", True, None, retry_after
        try:
            body = response.json()
        except ValueError:
            return f"http:{response.status_code}:not-json", True, None, retry_after
        if body.get("errors"):
            code = _top_level_code(body["errors"])
            return code, code in RETRYABLE_CODES or response.status_code == 429, None, retry_after
        payload = (body.get("data") or {}).get(step) or {}
        codes = [error.get("code") for error in payload.get("errors") or []]
        if codes:
            return codes[0], codes[0] in RETRYABLE_CODES, payload, retry_after
        return "ok", False, payload, None

    def buy(self) -> Outcome:
        checkout = self.arrive()
        if checkout is not None:
            self.complete(checkout)
        return self.outcome

    def arrive(self) -> str | None:
        """Up to the reservation: the checkout that holds the unit, or None (result set)."""
        try:
            return self._arrive()
        except _GaveUp as error:
            self.outcome.result = f"GAVE_UP:{error}"
            return None

    def complete(self, checkout: str) -> Outcome:
        try:
            self.checkout_steps(checkout)
        except _GaveUp as error:
            self.outcome.result = f"GAVE_UP:{error}"
        return self.outcome

    def _arrive(self) -> str | None:
        flow, n = self.flow, self.number
        for _round in range(3):  # a ticket the room no longer knows: join again
            ticket = None
            if flow.waiting_room:
                ticket = self.admission()
                if ticket is None:
                    return None
            key = f"{flow.run}-{n}-reserve"
            code, payload = self.call(
                "dropReserve",
                DROP_RESERVE,
                {
                    "drop": flow.drop,
                    "variant": flow.variant,
                    "quantity": flow.quantity,
                    "email": f"buyer-{flow.run}-{n}@example.com",
                    "ticket": ticket,
                    "key": key,
                },
                key=key,
            )
            if code not in ("NOT_ADMITTED", "INVALID_TICKET") or not flow.waiting_room:
                break
        if code:
            self.outcome.result = code
            return None
        return payload["checkout"]["id"]

    def admission(self) -> str | None:
        """dropJoin, then dropTicket until ADMITTED: the ticket's token, or None (the result
        is set) when the buyer is turned away."""
        code, payload = self.call("dropJoin", DROP_JOIN, {"drop": self.flow.drop})
        if code:
            self.outcome.result = code
            return None
        ticket = payload["ticket"]
        while ticket is not None and ticket["state"] == "WAITING":
            if time.monotonic() - self.started > self.flow.give_up_after:
                raise _GaveUp("WAITING")
            time.sleep(min(ticket.get("retryAfter") or 0.5, self.flow.poll_cap))
            _code, ticket = self.call(
                "dropTicket", DROP_TICKET, {"drop": self.flow.drop, "token": ticket["token"]}
            )
        if ticket is None:
            return self.admission()  # the room forgot the ticket: a new place
        if ticket["state"] == "SOLD_OUT":
            self.outcome.result = "SOLD_OUT"
            return None
        return ticket["token"]

    def checkout_steps(self, checkout: str) -> None:
        """Address, delivery, payment and completion of a checkout that holds the line."""
        self.outcome.checkout = checkout
        code, payload = self.call(
            "checkoutShippingAddressUpdate", SHIPPING_ADDRESS, {"id": checkout, "address": ADDRESS}
        )
        if code:
            self.outcome.result = code
            return
        methods = payload["checkout"]["shippingMethods"]
        if not methods:
            self.outcome.result = "NO_SHIPPING_METHOD"
            return
        code, _ = self.call(
            "checkoutBillingAddressUpdate", BILLING_ADDRESS, {"id": checkout, "address": ADDRESS}
        )
        if code:
            self.outcome.result = code
            return
        code, _ = self.call(
            "checkoutDeliveryMethodUpdate",
            DELIVERY_METHOD,
            {"id": checkout, "method": methods[0]["id"]},
        )
        if code:
            self.outcome.result = code
            return
        key = f"{self.flow.run}-{self.number}-pay"
        code, _ = self.call(
            "transactionInitialize",
            PAY,
            {"id": checkout, "gateway": {"id": OFFLINE_GATEWAY}, "key": key},
            key=key,
        )
        if code:
            self.outcome.result = code
            return
        key = f"{self.flow.run}-{self.number}-complete"
        code, payload = self.call("checkoutComplete", COMPLETE, {"id": checkout}, key=key)
        if code:
            self.outcome.result = code
            return
        self.outcome.result = "ORDER"
        self.outcome.order_token = payload["order"]["token"]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(float(value), 5.0) if value else None
    except ValueError:
        return None


def _top_level_code(errors: list) -> str:
    for error in errors:
        code = ((error.get("extensions") or {}).get("exception") or {}).get("code")
        if code:
            return code
    return "GRAPHQL_ERROR"


def _client_process(flow: Flow, buyers: list[int], threads: int, ready, go, results) -> None:
    """One client process: `threads` buyers at a time over its share of buyer numbers."""
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    with httpx.Client(trust_env=False, timeout=flow.request_timeout, limits=limits) as client:
        ready.put(os.getpid())
        go.wait()

        def one(number: int) -> Outcome:
            return Buyer(client, flow, number).buy()

        with ThreadPoolExecutor(threads) as pool:
            if flow.arrivals_first:
                walkers = [Buyer(client, flow, number) for number in buyers]
                held = list(pool.map(Buyer.arrive, walkers))
                winners = [(b, c) for b, c in zip(walkers, held, strict=True) if c is not None]
                list(pool.map(lambda pair: pair[0].complete(pair[1]), winners))
                outcomes = [walker.outcome for walker in walkers]
            else:
                outcomes = list(pool.map(one, buyers))
    results.put([asdict(outcome) for outcome in outcomes])


class Storm:
    """`buyers` buyers over `processes` client processes, `concurrency` requests at a time.

    `start()` returns once every client process is ready and released; `wait()`
    returns every buyer's `Outcome`. `started_at` is the wall-clock release time.
    """

    def __init__(self, flow: Flow, buyers: int, *, processes: int = 4, concurrency: int = 16):
        self.flow, self.buyers = flow, buyers
        self.processes = max(1, min(processes, buyers))
        self.concurrency = max(self.processes, concurrency)
        self.context = multiprocessing.get_context("spawn")
        self.started_at = 0.0
        self._procs = []

    def start(self, timeout: float = 60) -> None:
        ctx = self.context
        ready, self._results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        threads = self.concurrency // self.processes
        for index in range(self.processes):
            share = list(range(index, self.buyers, self.processes))
            process = ctx.Process(
                target=_client_process,
                args=(self.flow, share, threads, ready, go, self._results),
                daemon=True,
            )
            process.start()
            self._procs.append(process)
        for _ in self._procs:
            ready.get(timeout=timeout)
        self.started_at = time.time()
        go.set()

    def wait(self, timeout: float = 300) -> list[Outcome]:
        outcomes: list[Outcome] = []
        deadline = time.monotonic() + timeout
        for _ in self._procs:
            try:
                chunk = self._results.get(timeout=max(1.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("client processes did not finish in time") from None
            outcomes.extend(_outcome(item) for item in chunk)
        for process in self._procs:
            process.join(timeout=10)
        return sorted(outcomes, key=lambda o: o.buyer)

    def stop(self) -> None:
        for process in self._procs:
            if process.is_alive():
                process.kill()


def _outcome(item: dict) -> Outcome:
    answers = [Answer(**answer) for answer in item.pop("answers")]
    return Outcome(**item, answers=answers)


def run_storm(flow: Flow, buyers: int, **options) -> list[Outcome]:
    storm = Storm(flow, buyers, **options)
    try:
        storm.start()
        return storm.wait()
    finally:
        storm.stop()


# --- Faults ---------------------------------------------------------------------


@dataclass
class Window:
    """When a fault was in force: from its injection to the end of its repair (wall clock)."""

    name: str
    opened: float = 0.0
    closed: float = 0.0

    @contextmanager
    def open(self):
        self.opened = time.time()
        try:
            yield self
        finally:
            self.closed = time.time()


class Fault(threading.Thread):
    """Runs `inject` once `when()` is true (polled), recording the window it took."""

    def __init__(self, name: str, when, inject, poll: float = 0.02, timeout: float = 60):
        super().__init__(daemon=True)
        self.window = Window(name)
        self.when, self.inject, self.poll, self.timeout = when, inject, poll, timeout
        self.error: BaseException | None = None
        self.fired = False
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop waiting for the trigger (the storm is over)."""
        self._cancelled.set()

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        try:
            while not self.when():
                if time.monotonic() > deadline or self._cancelled.is_set():
                    return
                time.sleep(self.poll)
            with self.window.open():
                self.inject()
            self.fired = True
        except BaseException as error:  # reported by result()
            self.error = error

    def result(self) -> Window:
        self.cancel()
        self.join(timeout=self.timeout + 30)
        if self.error is not None:
            raise self.error
        assert self.fired, f"the fault {self.window.name!r} never fired"
        return self.window


# --- Judging a run -------------------------------------------------------------------


def tally(outcomes: list[Outcome]) -> Counter:
    return Counter(outcome.result for outcome in outcomes)


def answers_by_kind(outcomes: list[Outcome]) -> Counter:
    return Counter(answer.kind for outcome in outcomes for answer in outcome.answers)


def undefined(outcomes: list[Outcome]) -> list[Outcome]:
    """Buyers that ended without a definite answer."""
    return [o for o in outcomes if o.result != "ORDER" and o.result not in REFUSALS]


def retried(outcomes: list[Outcome], step: str) -> list[int]:
    """Buyers that had to send `step` again after a retryable answer."""
    return [o.buyer for o in outcomes if any(a.step == step and a.retryable for a in o.answers)]


def hangs(outcomes: list[Outcome]) -> list[Answer]:
    return [a for o in outcomes for a in o.answers if a.kind.startswith("hang:")]


def failures_outside(outcomes: list[Outcome], windows: list[Window], grace: float) -> list:
    """Retryable answers received outside every fault window (plus `grace` seconds)."""
    outside = []
    for outcome in outcomes:
        for answer in outcome.answers:
            if not answer.retryable:
                continue
            inside = any(
                w.opened - grace <= answer.received and answer.sent <= w.closed + grace
                for w in windows
            )
            if not inside:
                outside.append((outcome.buyer, answer))
    return outside


def order_token(global_id_or_token: str) -> str:
    """The order's token from the API's `token` (or a global id "Order:<token>")."""
    try:
        decoded = base64.b64decode(global_id_or_token).decode()
        if decoded.startswith("Order:"):
            return decoded.split(":", 1)[1]
    except ValueError:
        pass
    return global_id_or_token


@dataclass
class Books:
    """What the database says after a run (read with plain SQL)."""

    quantity: int  # the stock on sale
    units_ordered: int
    orders: int
    stock_rows: list[dict]  # id, quantity, allocated, allocations (sum of rows), reserved...
    orders_per_checkout_max: int
    tokens_missing: list[str]  # order tokens a buyer was given that the database lacks
    charged_without_order: int  # charged, not refunded or voided, and in no order
    outbox_pending: int

    def violations(self) -> list[str]:
        found = []
        if self.units_ordered > self.quantity:
            found.append(f"oversold: {self.units_ordered} units ordered of {self.quantity}")
        for row in self.stock_rows:
            held = row["allocated"] + row.get("reserved", 0)
            if held > row["quantity"] or row["allocated"] < 0 or row.get("reserved", 0) < 0:
                found.append(f"stock row {row['id']} breaks its CHECKs: {row}")
            if row["allocated"] != row["allocations"]:
                found.append(f"stock row {row['id']} allocated counter drifted: {row}")
            if "reservations" in row and row["reserved"] != row["reservations"]:
                found.append(f"stock row {row['id']} reserved counter drifted: {row}")
        if sum(row["allocated"] for row in self.stock_rows) != self.units_ordered:
            found.append(
                f"units allocated {sum(r['allocated'] for r in self.stock_rows)} "
                f"!= units ordered {self.units_ordered}"
            )
        if self.orders_per_checkout_max > 1:
            found.append("a checkout became more than one order")
        if self.tokens_missing:
            found.append(f"orders given to buyers but missing: {self.tokens_missing[:5]}")
        if self.charged_without_order:
            found.append(f"{self.charged_without_order} charged transactions lost their order")
        return found


def books(conninfo: str, variant_pk: int, outcomes: list[Outcome]) -> Books:
    """Read the run's books for one variant with psycopg (no Django needed)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        has_reserved = bool(
            conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'merch_stock' "
                "AND column_name = 'quantity_reserved'"
            ).fetchone()
        )
        reserved = "s.quantity_reserved" if has_reserved else "0"
        reservations = (
            "(SELECT coalesce(sum(r.quantity_reserved), 0) FROM merch_reservation r "
            "WHERE r.stock_id = s.id)"
            if has_reserved
            else "NULL"
        )
        rows = conn.execute(
            f"""SELECT s.id, s.quantity, s.quantity_allocated, {reserved}, {reservations},
                  (SELECT coalesce(sum(a.quantity_allocated), 0) FROM merch_allocation a
                   WHERE a.stock_id = s.id)
                FROM merch_stock s WHERE s.product_variant_id = %s ORDER BY s.id""",
            (variant_pk,),
        ).fetchall()
        stock_rows = []
        for sid, quantity, allocated, held, live, allocations in rows:
            row = {"id": sid, "quantity": quantity, "allocated": allocated}
            row["allocations"] = int(allocations)
            if has_reserved:
                row["reserved"], row["reservations"] = held, int(live)
            stock_rows.append(row)
        units, orders = conn.execute(
            """SELECT coalesce(sum(l.quantity), 0), count(DISTINCT l.order_id)
               FROM merch_orderline l WHERE l.variant_id = %s""",
            (variant_pk,),
        ).fetchone()
        per_checkout = conn.execute(
            """SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM merch_order
               WHERE checkout_token IS NOT NULL GROUP BY checkout_token) AS t"""
        ).fetchone()[0]
        given = [order_token(o.order_token) for o in outcomes if o.order_token]
        found = {
            str(token)
            for (token,) in conn.execute(
                "SELECT token FROM merch_order WHERE token = ANY(%s::uuid[])", (given,)
            ).fetchall()
        }
        lost = conn.execute(
            """SELECT count(*) FROM merch_transactionitem
               WHERE charged_value > 0 AND order_id IS NULL
               AND refunded_value + canceled_value < charged_value"""
        ).fetchone()[0]
        pending = conn.execute(
            "SELECT count(*) FROM merch_outboxevent WHERE completed_at IS NULL"
        ).fetchone()[0]
    return Books(
        quantity=sum(row["quantity"] for row in stock_rows),
        units_ordered=int(units),
        orders=orders,
        stock_rows=stock_rows,
        orders_per_checkout_max=per_checkout,
        tokens_missing=[t for t in given if t not in found],
        charged_without_order=lost,
        outbox_pending=pending,
    )


def wait_for(predicate, timeout: float, poll: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll)


@contextmanager
def drop_servers(
    env: dict, directory: Path, *, workers: int = 3, threads: int = 4, celery: bool = True
):
    """gunicorn and (unless `celery` is false) a Celery worker; yields (web, worker)."""
    with ExitStack() as stack:
        # The worker boots while gunicorn does.
        worker = stack.enter_context(celery_worker(env, directory, wait=False)) if celery else None
        server = stack.enter_context(
            web(env, directory / "gunicorn.log", workers=workers, threads=threads)
        )
        if worker is not None:
            worker.wait_ready()
        yield server, worker
