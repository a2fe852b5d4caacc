"""The serving model's floor: gunicorn with the shop's settings, an application doing nothing.

`bench/floor_app.py` answers a fixed, sold-out-sized GraphQL refusal. This
serves it exactly as production serves the shop (`marquee.gunicorn_conf`,
gthread workers, a socket per worker) and loads it with wrk at each
`--connections`: requests/s and p50/p90/p99. A latency goal below what this
prints cannot be met by any application behind the same server on the
same machine; it needs an answer in front of it (a proxy or CDN rule).

    .venv/bin/python bench/serving_floor.py
    .venv/bin/python bench/serving_floor.py --connections 32 256 --workers 5 --threads 4

Needs Debian's wrk (`apt install wrk`). Exit status 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue as base  # noqa: E402 - the gunicorn runner
import wrk  # noqa: E402

BODY = {"query": "mutation { dropReserve { errors { code } } }", "variables": {"drop": "x"}}


def parse_args(argv=None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not wrk.available():
        print("wrk is not installed (Debian: apt install wrk)", file=sys.stderr)
        return 2
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(base.REPO / "bench"), str(base.REPO)])}
    port = base.free_port()
    url = f"http://127.0.0.1:{port}/"
    results = []
    with base.gunicorn(
        env, port, args.workers, args.threads, app="floor_app:application"
    ) as server:
        base.wait_until_every_worker_listens(server.pid, port, args.workers)
        time.sleep(0.5)
        for connections in args.connections:
            results.append(wrk.run(url, BODY, connections=connections, seconds=args.seconds))
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "server": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "machine": {"cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"server      gunicorn gthread {args.workers} x {args.threads}, marquee.gunicorn_conf")
    print(f"machine     {report['machine']}")
    for result in results:
        latency = result["latency_ms"]
        print(
            f"{result['connections']:>4} connections: {result['requests_per_second']} requests/s, "
            f"p50 {latency.get('p50')} ms, p90 {latency.get('p90')} ms, p99 {latency.get('p99')} ms"
        )
    print(f"reproduce   {report['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
