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
worker opens its own socket on the same address with SO_REUSEPORT. The
kernel then chooses the listening socket of each new connection by a hash of
its addresses and ports, so connections are spread over the workers evenly,
whichever happens to be awake. Measured on a 2-core machine (32 keep-alive
connections opened at once, 5 workers, connections per worker read from the
server side in the middle of the run, five runs each): one shared socket
gave 27/3/2/0/0, 16/8/7/1/0, 18/9/2/2/1, 17/12/1/1/1 and 11/10/5/4/2; a
socket per worker gave 10/7/6/6/3, 13/7/5/4/3, 10/8/7/6/1, 8/6/6/6/6 and
11/6/6/6/3. `bench/catalogue.py` prints this spread, and each worker's CPU,
for every phase.

A worker listens only once it can answer. gunicorn opens a worker's socket
right after the fork, before the worker has loaded the application (Django's
setup takes seconds on a busy machine), and the kernel starts handing it
connections at once: a client whose connection lands there waits for the
whole boot, which a worker replaced mid-traffic makes a visible stall. So
`post_fork` closes that socket and `post_worker_init`, which gunicorn calls
once the application is loaded, opens it again; until then new connections
go to the other workers.

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
from gunicorn import sock, util

SERVER_NAME = "marquee"

gunicorn.http.wsgi.SERVER = SERVER_NAME

reuse_port = True


def post_fork(server, worker):
    """Close the listening socket gunicorn opened for this worker at the fork.

    Only a socket of the worker's own (the master listens on nothing); sockets
    inherited from the master (reuse_port off) are left alone.
    """
    worker.listens_once_loaded = bool(worker.sockets) and not server.LISTENERS
    if worker.listens_once_loaded:
        sock.close_sockets(worker.sockets, unlink=False)
        worker.sockets = []


def post_worker_init(worker):
    """The application is loaded: open the worker's socket, as gunicorn would have."""
    if getattr(worker, "listens_once_loaded", False):
        worker.sockets = sock.create_sockets(worker.cfg, worker.log)
        for listener in worker.sockets:
            util.close_on_exec(listener)
        worker.wait_fds = worker.sockets + [worker.PIPE[0]]
