"""gunicorn settings shared by both pools (`gunicorn -c deploy/gunicorn.conf.py ...`, README
"Deploying"): Prometheus multiprocess mode.

With PROMETHEUS_MULTIPROC_DIR set (one directory per pool, never shared), every worker writes
its metrics to files there and a scrape of any worker sums them (cybergate/metrics.py). The
master empties the directory when it starts (values of an earlier run would be counted again)
and marks each exited worker dead, so its "live" gauges (polls waiting) stop counting.
"""

import os
from pathlib import Path

_DIRECTORY = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


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
