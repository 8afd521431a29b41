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
from collections.abc import Mapping

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


# The access line's logger: gunicorn logs each request to it with its "atoms" as the record's
# arguments (deploy/gunicorn.conf.py), as does the gateway pool's worker (gateway/workers.py).
ACCESS_LOGGER = "gunicorn.access"


def _access_fields(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    """An access line as fields. The path is without its query string: a query may carry a
    feed cursor, which is never logged."""
    args = event_dict.pop("positional_args", None)  # a stdlib record's (pass_foreign_args)
    record = event_dict.get("_record")
    if record is None:
        return event_dict
    if record.name == "django.server" and isinstance(args, tuple) and len(args) == 3:
        # runserver's line (`make run`): '"GET /path?query HTTP/1.1" 200 1234'.
        method, _, target = str(args[0]).partition(" ")
        event_dict.update(
            event="request",
            method=method,
            path=target.rsplit(" ", 1)[0].partition("?")[0],
            status=getattr(record, "status_code", None),
        )
        return event_dict
    if record.name != ACCESS_LOGGER or not isinstance(args, Mapping):
        return event_dict
    atoms = args
    status, duration = atoms.get("s", "-"), atoms.get("L", "-")
    event_dict.update(
        event="request",
        method=atoms.get("m"),
        path=atoms.get("U"),
        status=int(status) if status.isdigit() else None,
        duration=float(duration) if duration != "-" else None,
        remote_addr=atoms.get("h"),
        request_id=atoms.get("{x-request-id}o", "-"),
    )
    return event_dict


def _add_request_id(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    # Bound by the request id middleware (structlog events), else set on the record by
    # cybergate.lib.requestid.RequestIdLogFilter ("-" outside a request). The tenant id likewise,
    # once the request's tenant is known.
    record = event_dict.get("_record")
    event_dict.setdefault("request_id", getattr(record, "request_id", "-"))
    tenant_id = getattr(record, "tenant_id", None)
    if tenant_id is not None:
        event_dict.setdefault("tenant_id", tenant_id)
    return event_dict


def logging_config(level: str = "INFO") -> dict:
    """The logging configuration of the Django processes (settings.LOGGING), the base of
    gunicorn's (deploy/gunicorn.conf.py): one JSON handler on stderr for everything."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "cybergate.lib.requestid.RequestIdLogFilter"}},
        "formatters": {"json": {"()": "cybergate.lib.logformat.json_formatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"},
            # runserver's access lines, which Django's defaults write as plain text.
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def json_formatter() -> logging.Formatter:
    """The formatter of every handler in settings.LOGGING."""
    return structlog.stdlib.ProcessorFormatter(
        pass_foreign_args=True,
        processors=[
            _access_fields,
            _add_request_id,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
    )
