"""The one domain error: what a service raises when a rule refuses the operation.

Services know nothing about HTTP. They refuse with `ServiceError(code, message)` (or a subclass
per domain, e.g. devices.services.CallError) when the request is well-formed but the state of
things says no, and with Django's `ValidationError` when the input itself is wrong.
`cybergate.problems` turns both into problem details, mapping each code to its HTTP status in
one table (`SERVICE_ERROR_STATUSES`). Imports nothing, so any layer may raise it.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the operation. `code` is the stable API error code (listed with its title
    in cybergate.problems.TITLES); `message` says why, in words an integrator can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
