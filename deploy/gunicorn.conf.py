"""gunicorn configuration for production (see docs/operations.md).

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py 'server.web.app:create_app()'

The values come from the app's settings (``IKPE_GUNICORN_*``, docs/settings.md); gunicorn's command
line overrides them.

Graceful shutdown: on SIGTERM (systemd ``stop``, ``docker stop``) or SIGHUP/SIGUSR2 (reload, binary
upgrade) the master stops accepting connections and lets every worker finish the requests it has
in flight for up to ``graceful_timeout`` seconds before it kills it. ``graceful_timeout`` is longer
than the SPARQL time limit (``IKPE_SPARQL_TIMEOUT``, 30 s), so a query that is running when the
shutdown begins still gets its answer. SIGINT/SIGQUIT stop at once (no grace).
"""
from server.settings import load_settings

settings = load_settings()

bind = settings.gunicorn_bind

# Threads, not processes, carry the concurrency: the data of a release is held once per worker
# process (in memory by default) and every worker starts its own SPARQL query processes.
worker_class = "gthread"
workers = settings.gunicorn_workers
threads = settings.gunicorn_threads
# Each worker opens the store and starts its SPARQL workers itself (never fork a threaded app).
preload_app = False

# A worker that does not report for `timeout` seconds is killed and replaced. Requests never run
# that long: SPARQL queries end at IKPE_SPARQL_TIMEOUT (30 s), remote-store reads at
# IKPE_REMOTE_READ_TIMEOUT (20 s).
timeout = settings.gunicorn_timeout
graceful_timeout = settings.gunicorn_graceful_timeout
keepalive = 5
# Recycle workers now and then (memory of long-lived processes), not all at once. Rarely: a new
# worker starts with an empty page cache and reopens the store (seconds at a million triples).
max_requests = settings.gunicorn_max_requests
max_requests_jitter = max_requests // 10

# Request size limits before the app sees anything (the app refuses URLs over 2,048 characters).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# The app writes its own structured access log (JSON lines, server/web/access_log.py) with the
# release id and the duration; gunicorn's access log is off so that each request is logged once.
# Set IKPE_GUNICORN_ACCESS_LOG=- to get gunicorn's as well (JSON too, without the query string).
accesslog = settings.gunicorn_access_log or None
access_log_format = ('{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
                     '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, "client": "%(h)s", '
                     '"user_agent": "%(a)s", "pid": "%(p)s"}')
errorlog = "-"
loglevel = settings.gunicorn_loglevel
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers (scheme) only from there.
forwarded_allow_ips = settings.gunicorn_forwarded_allow_ips
proc_name = "ikpe-lod"
# gunicorn ≥ 24 opens a control socket in ~/.gunicorn by default; this server needs none.
control_socket_disable = True


def post_fork(server, worker):
    """The app's structured logs, set up in each worker before it loads the app."""
    from server.logging_setup import configure

    configure(settings)


def worker_int(worker):  # SIGINT/SIGQUIT in a worker: say so in the log
    worker.log.info("worker %s interrupted", worker.pid)


def post_worker_init(worker):
    """Open the release and start the SPARQL query processes in the background (the worker accepts
    requests at once; the in-memory copies load meanwhile)."""
    from server.web.query_engine import warm_up_in_background

    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        warm_up_in_background(app)


def worker_exit(server, worker):
    """Stop the SPARQL query processes this worker started."""
    from server.web.query_engine import close_engine

    app = getattr(worker, "wsgi", None)  # the Flask app the worker loaded
    if app is not None and hasattr(app, "extensions"):
        close_engine(app)
