"""structlog, configured once (from settings): events as JSON through stdlib logging.

Loggers from `structlog.get_logger(name)` hand each event to the stdlib logger of that name, so
settings.LOGGING decides where lines go and at which level; the message is the event as one JSON
object (`{"event": "auth_failed", "reason": ..., ...}`), which log shippers parse and which
cannot be split or forged by a newline inside a value. Context variables bound elsewhere (a
request id) join every event.
"""

from __future__ import annotations

import structlog


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
