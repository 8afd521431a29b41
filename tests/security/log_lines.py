"""Every line the security log writes in the suite is one JSON object with an `event`.

An autouse fixture (imported by tests/conftest.py) formats each test's `cybergate.security`
records with the handler settings.LOGGING configures (its formatter and filters) and fails the
test's teardown on a line that does not parse: the check covers every flow the suite runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

SECURITY_LOGGER = "cybergate.security"


class FormattedLines(logging.Handler):
    """The lines the configured console handler would write, kept in a list."""

    def __init__(self, configured: logging.Handler) -> None:
        super().__init__()
        self.setFormatter(configured.formatter)
        for log_filter in configured.filters:
            self.addFilter(log_filter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


def _configured_handler() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    return handler


def _not_an_event(line: str) -> bool:
    try:
        parsed = json.loads(line)
    except ValueError:
        return True
    return "\n" in line or not isinstance(parsed, dict) or not isinstance(parsed.get("event"), str)


@pytest.fixture(autouse=True)
def security_log_lines() -> Iterator[FormattedLines]:
    handler = FormattedLines(_configured_handler())
    logger = logging.getLogger(SECURITY_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    bad = [line for line in handler.lines if _not_an_event(line)]
    assert not bad, f"{SECURITY_LOGGER} wrote lines that are not one JSON object each: {bad}"
