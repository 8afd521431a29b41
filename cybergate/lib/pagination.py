"""Pagination of plain collections (call groups): DRF's cursor pagination, strict about input.

Strict because a silently ignored `limit=0` or a garbled cursor answered with the first page
hides client bugs; both are 400 problem details instead (`invalid_request`, `invalid_cursor`).
"""

from __future__ import annotations

import base64
from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from cybergate.lib.problems import Problem

LIMIT_MIN = 1
LIMIT_MAX = 500


def parse_limit(raw: str | None, *, default: int) -> int:
    """`limit` query parameter: a whole number 1–500, else 400 invalid_request."""
    if raw is None:
        return default
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not LIMIT_MIN <= int(raw) <= LIMIT_MAX:
        raise Problem(
            400,
            "invalid_request",
            f"limit must be a whole number from {LIMIT_MIN} to {LIMIT_MAX}.",
            errors={"limit": [f"Must be a whole number from {LIMIT_MIN} to {LIMIT_MAX}."]},
        )
    return int(raw)


class NamedCursorPagination(CursorPagination):
    """Keyset pages ordered by name (unique per tenant), `limit` 1–500, default 100."""

    ordering = ("name",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = LIMIT_MAX

    def get_page_size(self, request) -> int:
        return parse_limit(request.query_params.get(self.page_size_query_param), default=100)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None:
            # DRF's decoding skips characters outside base64, so junk could read as "no cursor".
            try:
                if not base64.b64decode(encoded.encode("ascii"), validate=True):
                    raise ValueError("empty cursor")
            except (ValueError, UnicodeEncodeError):
                raise Problem(400, "invalid_cursor", "The cursor is not valid.") from None
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
            bad = True
        else:
            # A hand-made cursor could carry characters the database refuses (NUL).
            bad = cursor is not None and "\x00" in str(cursor.position)  # str(None): no NUL
        if bad:
            raise Problem(400, "invalid_cursor", "The cursor is not valid.")
        return cursor

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # DRF's example links point at api.example.org/accounts; show ours.
        response = super().get_paginated_response_schema(schema)
        response["properties"]["next"]["example"] = (
            "https://cybergate.example.com/api/v1/call-groups?cursor=cD1SZWNlcHRpb24%3D&limit=100"
        )
        response["properties"]["previous"]["example"] = None
        response["properties"]["next"]["description"] = "The next page's URL, or null."
        response["properties"]["previous"]["description"] = "The previous page's URL, or null."
        return response

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's `next` or `previous` link.",
                # DRF's cursors are base64; anything else is 400 `invalid_cursor`.
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9+/]+={0,2}$"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Page size, {LIMIT_MIN}–{LIMIT_MAX} (default 100).",
                "schema": {
                    "type": "integer",
                    "minimum": LIMIT_MIN,
                    "maximum": LIMIT_MAX,
                    "default": 100,
                },
            },
        ]
