"""The one family of refusals: what a service raises when the state of things says no.

Services know nothing about HTTP. They refuse with `ServiceError(code, message)` (or a subclass
per domain, e.g. devices.services.CallError) when the request is well-formed but the state of
things says no, and with Django's `ValidationError` only when the input itself is wrong.
`cybergate.lib.problems` turns both into problem details, mapping each code to its HTTP status in
one table (`SERVICE_ERROR_STATUSES`); `cybergate.lib.forms.add_refusal` puts either on a form.
Imports nothing, so any layer may raise it.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """A rule refused the operation. `code` is the stable API error code (listed with its title
    in cybergate.lib.problems.TITLES); `message` says why, in words an integrator can act on.

    A subclass names the codes it refuses with in `codes`, so the table can be checked against
    every kind of refusal.
    """

    codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
