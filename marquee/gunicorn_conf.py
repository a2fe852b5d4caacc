"""gunicorn configuration: `gunicorn -c python:marquee.gunicorn_conf marquee.wsgi:application`.

gunicorn names itself in a `Server: gunicorn` header on every response and
has no option to change it; telling every client which server (and so which
known flaws) runs here helps nobody but a scanner. gunicorn.http.wsgi reads
the name from its module-level SERVER when it builds each response (HTTP/1
and HTTP/2 alike), and this module is loaded by the master before any worker
forks, so setting it here renames the header in every worker.

Everything else (bind, workers, threads) stays on the command line or in
GUNICORN_CMD_ARGS, which gunicorn reads itself.
"""

import gunicorn.http.wsgi

SERVER_NAME = "marquee"

gunicorn.http.wsgi.SERVER = SERVER_NAME
