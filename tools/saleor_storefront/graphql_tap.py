"""A pass-through proxy that records every GraphQL call a client makes, and its errors.

Saleor's storefront calls the API mostly from its server (server components,
server actions), where a browser cannot see the calls. Point the storefront
at this tap instead of Marquee and every call is written, one JSON line
each, to the log: operation name, HTTP status, top-level errors and every
mutation payload's `errors`. Marquee's PUBLIC_URL must be the tap's address
(tokens carry it as `iss`).

    python tools/saleor_storefront/graphql_tap.py --listen 8011 --upstream http://127.0.0.1:8010 \
        --log /tmp/tap.jsonl
    python tools/saleor_storefront/graphql_tap.py --summary /tmp/tap.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


def errors_of(body) -> list[str]:
    found = [f"top-level: {e.get('message')}" for e in body.get("errors") or []]
    for name, payload in (body.get("data") or {}).items():
        if isinstance(payload, dict):
            for e in payload.get("errors") or []:
                found.append(f"{name}: {e.get('code')} {e.get('field')} {e.get('message')}")
    return found


def make_handler(upstream: str, log):
    class Tap(BaseHTTPRequestHandler):
        def _forward(self):
            length = int(self.headers.get("content-length") or 0)
            data = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            request = urllib.request.Request(
                upstream + self.path, data=data, headers=headers, method=self.command
            )
            try:
                response = urllib.request.urlopen(request, timeout=120)
            except urllib.error.HTTPError as error:
                response = error
            except urllib.error.URLError as error:
                self.send_error(502, f"upstream unreachable: {error.reason}")
                if self.command == "POST":
                    self._record(data, 502, b"")
                return
            body = response.read()
            self.send_response(response.status)
            for key, value in response.headers.items():
                if key.lower() not in HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            if self.command == "POST" and self.path.startswith("/graphql"):
                self._record(data, response.status, body)

        def _record(self, data, status, body):
            try:
                sent = json.loads(data or b"{}")
            except ValueError:
                sent = {}
            requests = sent if isinstance(sent, list) else [sent]
            try:
                answers = json.loads(body)
            except ValueError:
                answers = [{"errors": [{"message": f"not JSON (HTTP {status})"}]}]
            answers = answers if isinstance(answers, list) else [answers]
            for sent_one, answer in zip(requests, answers, strict=False):
                query = sent_one.get("query") or ""
                named = re.search(r"\b(query|mutation|subscription)\s+(\w+)", query)
                name = sent_one.get("operationName") or (named and named.group(2)) or "?"
                entry = {"operation": name, "status": status, "errors": errors_of(answer)}
                log.write(json.dumps(entry) + "\n")
                log.flush()

        do_GET = do_POST = do_OPTIONS = _forward

        def log_message(self, *_args):
            pass

    return Tap


def summary(path: str) -> int:
    with open(path, encoding="utf-8") as log:
        entries = [json.loads(line) for line in log if line.strip()]
    failing = [e for e in entries if e["errors"] or e["status"] >= 500]
    print(f"{len(entries)} GraphQL calls, {len(failing)} with errors")
    for name, count in Counter(e["operation"] for e in entries).most_common():
        print(f"  {count:4d}  {name}")
    for entry in failing:
        print(f"ERROR {entry['operation']} (HTTP {entry['status']}): {'; '.join(entry['errors'])}")
    return 1 if failing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, default=8011)
    parser.add_argument("--upstream", default="http://127.0.0.1:8000")
    parser.add_argument("--log", default="graphql-tap.jsonl")
    parser.add_argument("--summary", metavar="LOG", help="print the calls recorded in LOG")
    args = parser.parse_args()
    if args.summary:
        return summary(args.summary)
    with open(args.log, "a", encoding="utf-8") as log:
        server = ThreadingHTTPServer(("127.0.0.1", args.listen), make_handler(args.upstream, log))
        print(f"tap on http://127.0.0.1:{args.listen} -> {args.upstream}, log {args.log}")
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
