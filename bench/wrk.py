"""wrk, the C load generator, as the benches call it: one POST body, figures parsed.

The benches' own clients are Python: on a 2-core machine they take CPU from
the server they measure (about 1.5 ms a request). wrk costs next to
nothing, so what it measures is the server's. Debian: `apt install wrk`;
without it `run` returns None and the bench says what it did not measure.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, body: dict, *, connections: int, seconds: int, log=print) -> dict | None:
    """POST `body` as JSON to `url` from `connections` keep-alive connections for `seconds`."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.TemporaryDirectory(prefix="marquee-wrk-") as directory:
        script = Path(directory) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
        )
        command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
        command += ["-s", str(script), url]
        log("$ " + shlex.join(command))
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    text = output.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:(.*)", text)
    return {
        "connections": connections,
        "seconds": seconds,
        "requests_per_second": float(rate.group(1)) if rate else None,
        "latency_ms": {
            f"p{q}": round(float(value) * UNITS_MS[unit], 1)
            for q, value, unit in LATENCY.findall(text)
        },
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }
