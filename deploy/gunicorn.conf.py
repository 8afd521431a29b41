"""gunicorn settings shared by both pools (`gunicorn -c deploy/gunicorn.conf.py ...`, README
"Deploying"): JSON log lines and Prometheus multiprocess mode.

gunicorn's own lines (boot, worker exits) and its access lines go through the JSON formatter of
every other line (cybergate/lib/logformat.py), on stderr. An access line has the method, the path
without its query string (a feed's `?after=` carries a cursor, which is never logged), the
status, the duration in seconds, the remote address and the request id (the X-Request-Id the
answer carries). The gateway pool's uvicorn workers log theirs in the same form
(gateway/workers.py).

With PROMETHEUS_MULTIPROC_DIR set (one directory per pool, never shared), every worker writes
its metrics to files there and a scrape of any worker sums them (cybergate/lib/metrics.py). The
master empties the directory when it starts (values of an earlier run would be counted again)
and marks each exited worker dead, so its "live" gauges (polls waiting) stop counting.

A worker that stops (a restart, a deploy, `--max-requests`) first writes the API secret usage
counts it still holds in memory (apisecrets/authentication.py writes them at most once a minute
per secret): without that, every stop would lose up to a minute of each secret's requests.
"""

import os
from pathlib import Path

from cybergate.lib.logformat import ACCESS_LOGGER, logging_config

_DIRECTORY = os.environ.get("PROMETHEUS_MULTIPROC_DIR")

logconfig_dict = logging_config(os.environ.get("LOG_LEVEL", "INFO"))
logconfig_dict["loggers"].update(
    {
        # Handlers of their own (not the root's): the uvicorn worker hands gunicorn's handlers
        # to uvicorn's loggers. No level here: gunicorn's --log-level sets it.
        name: {"handlers": ["console"], "propagate": False}
        for name in ("gunicorn.error", ACCESS_LOGGER)
    }
)
accesslog = "-"  # to the access logger, whose handler is the JSON one above
# The atoms the JSON formatter reads; none of them has the query string (%(q)s, %(r)s do).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(L)s %({x-request-id}o)s'


def on_starting(server):
    if _DIRECTORY:
        directory = Path(_DIRECTORY)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if _DIRECTORY:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    """In the worker, once it has stopped serving: write its pending API secret usage counts.

    gunicorn also calls this hook in the master, for a worker that vanished without a trace;
    Django is not set up there (nor is there anything to write). An error is logged, never
    raised: the worker is on its way out either way.
    """
    from django.apps import apps

    if not apps.ready:
        return
    try:
        from apisecrets.authentication import flush_usage

        flush_usage()
    except Exception:
        server.log.exception(
            "API secret usage counts of worker %s could not be written", worker.pid
        )
