"""gunicorn configuration: `gunicorn -c python:marquee.gunicorn_conf marquee.wsgi:application`.

The server header. gunicorn names itself in a `Server: gunicorn` header on
every response and has no option to change it; telling every client which
server (and so which known flaws) runs here helps nobody but a scanner.
gunicorn.http.wsgi reads the name from its module-level SERVER when it builds
each response (HTTP/1 and HTTP/2 alike), and this module is loaded by the
master before any worker forks, so setting it here renames the header in
every worker.

One listening socket per worker (`reuse_port`). Without it the master binds
one socket and every worker accepts from it. A gthread worker accepts every
connection that is ready whenever its event loop wakes, and keep-alive
clients open their connections once, in the first milliseconds: whichever
worker is awake then takes most of them (32 connections were seen spread
32/0/0/0/0 over five workers) and keeps them for the whole session, so one
process - one interpreter lock, one core - serves nearly all the load while
the other workers idle.

With `reuse_port` gunicorn (27, as locked) binds no socket in the master: each
worker, right after it forks, opens its own socket on the same address with
SO_REUSEPORT. The kernel then chooses the listening socket of each new
connection by a hash of its addresses and ports, so connections are spread
over the workers evenly whoever happens to be awake, and a busy worker's
connections do not land in an idle worker's queue or the other way round.
Measured with `bench/catalogue.py` (32 keep-alive connections, 5 workers),
the spread of CPU over the workers is in its report.

What changes when a worker dies. The kernel closes its socket with it: the
connections it had accepted fail, as they always did, and those still in its
accept queue are reset (unless the host enables net.ipv4.tcp_migrate_req,
Linux 5.14+, which moves them to a sibling socket) - clients see a reset
connection, which they retry, never a hang. New connections hash over the
sockets that remain, until the master's replacement worker opens its own.
With no worker alive (a restart of the whole server) connections are refused
rather than queued.

Two things to know when deploying. The worker, not the master, binds: a port
already taken by another program makes each worker fail to start (the log
says "Connection in use") instead of the master. And a second server started
by the same user on the same port with SO_REUSEPORT shares it silently
rather than failing, so give each server its own port.

A per-worker cap (`worker_connections`) is no substitute: keep-alive
connections count against it, so clients beyond the cap wait in the backlog
for as long as the others stay connected.

Everything else (bind, workers, threads) stays on the command line or in
GUNICORN_CMD_ARGS, which gunicorn reads itself.
"""

import gunicorn.http.wsgi

SERVER_NAME = "marquee"

gunicorn.http.wsgi.SERVER = SERVER_NAME

reuse_port = True
