"""How many waiting polls one gateway process may hold: GATEWAY_MAX_WAITING, but never more than
its open-file limit leaves room for.

Each waiting poll holds a socket, one file descriptor. A process out of descriptors cannot
accept a connection (asyncio stops accepting for a second at a time while connections pile up,
time out or are reset) nor open a database or Redis connection. So the polls it holds are capped
at the soft RLIMIT_NOFILE minus FILE_MARGIN, and a poll past the cap is refused like any poll
past GATEWAY_MAX_WAITING: 503 `gateway_busy` with Retry-After, on a connection that then closes.
"""

from __future__ import annotations

import logging
import resource
from functools import lru_cache

from django.conf import settings

# Descriptors kept free of waiting polls: the database pools (DATABASE_POOL_SIZE for Django's,
# GATEWAY_DB_THREADS for the lean path's), Redis, the listening socket, log and metrics files,
# the interpreter's own, and the connections being answered meanwhile (refusals, acks, the
# devices' other requests).
FILE_MARGIN = 256

logger = logging.getLogger(__name__)


def max_waiting() -> int:
    """The waiting polls this process may hold (the admission check's limit)."""
    return _capped(settings.GATEWAY_MAX_WAITING)


@lru_cache(maxsize=4)
def _capped(configured: int) -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or configured <= soft - FILE_MARGIN:
        return configured
    capped = max(soft - FILE_MARGIN, 1)
    logger.warning(
        "GATEWAY_MAX_WAITING=%d capped to %d: the open-file limit (soft RLIMIT_NOFILE) is %d "
        "and %d descriptors stay free for pools, logs and the database; raise the limit "
        "(systemd LimitNOFILE=, ulimit -n) to hold more",
        configured,
        capped,
        soft,
        FILE_MARGIN,
    )
    return capped
