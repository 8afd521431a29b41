"""Logging, configured once (from settings): every log line is one JSON object.

Loggers from `structlog.get_logger(name)` hand each event to the stdlib logger of that name, so
settings.LOGGING decides where lines go and at which level. Its one formatter (`json_formatter`)
renders structlog events and plain stdlib records alike as one JSON object per line
(`{"event": "auth_failed", "reason": ..., "level": "warning", "logger": ..., "request_id": ...,
"timestamp": ...}`), which log shippers parse and which cannot be split or forged by a newline
inside a value (a traceback is a field, not extra lines). Context variables bound elsewhere (a
request id) join every event.
"""

from __future__ import annotations

import logging

import structlog
from structlog.typing import EventDict, WrappedLogger


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _add_request_id(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    # Bound by the request id middleware (structlog events), else set on the record by
    # cybergate.requestid.RequestIdLogFilter ("-" outside a request).
    record = event_dict.get("_record")
    event_dict.setdefault("request_id", getattr(record, "request_id", "-"))
    return event_dict


def json_formatter() -> logging.Formatter:
    """The formatter of every handler in settings.LOGGING."""
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            _add_request_id,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
    )
