"""A WSGI application that does nothing but answer: the floor of the serving model.

It reads the request body, parses it as JSON and answers a fixed GraphQL
refusal, as small as a sold-out `dropReserve` answer. Served by the same
gunicorn configuration as the shop (`bench/serving_floor.py`), it shows the
most that gunicorn's gthread workers on this machine can answer, and at
what latency: no application behind it can do better.
"""

import json

ANSWER = json.dumps(
    {
        "data": {
            "dropReserve": {
                "checkout": None,
                "reservationExpires": None,
                "errors": [{"field": None, "code": "SOLD_OUT", "message": "The drop is sold out."}],
            }
        }
    }
).encode()


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    json.loads(environ["wsgi.input"].read(length) or b"{}")
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))]
    )
    return [ANSWER]
