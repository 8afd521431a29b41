"""Refuse query strings with a NUL character in Django admin (400 instead of a 500).

PostgreSQL text cannot hold NUL, so a changelist filter (`?action=%00`) or an autocomplete
search (`?term=%00`) carrying one fails in the database driver, after admin's own validation.
No stored value contains NUL, so such a request cannot mean anything: answer 400 before any
query. The changelist search (`q`) is left to admin, which already refuses NUL with a message.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import cast

from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

ADMIN_PREFIX = "/admin/"


class AdminNulQueryMiddleware(MiddlewareMixin):
    """Sync and async capable; under ASGI it stays in the event loop (MiddlewareMixin would hop
    to a thread for each request, the device gateway's long-polls included)."""

    async def __acall__(self, request: HttpRequest):
        self.process_request(request)
        return await cast(Awaitable[HttpResponseBase], self.get_response(request))

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith(ADMIN_PREFIX) or not request.META.get("QUERY_STRING"):
            return
        for key, values in request.GET.lists():
            if "\x00" in key or (key != SEARCH_VAR and any("\x00" in v for v in values)):
                raise BadRequest("A NUL character in the query string.")
