"""The JSON renderer of both APIs (settings.REST_FRAMEWORK's only renderer).

DRF's JSONRenderer looks for an `indent` parameter (`Accept: application/json; indent=4`) by
parsing the accepted media type on every answer, and raises and suppresses a KeyError when there
is none, the usual case: about 1 µs of each `GET /api/v1/version` (bench/README.md, auth.py).
A media type without parameters has no `indent`, so this one skips that parse; with parameters it
is DRF's, indent and all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    def get_indent(
        self, accepted_media_type: str, renderer_context: Mapping[str, Any]
    ) -> int | None:
        if ";" in (accepted_media_type or ""):
            return super().get_indent(accepted_media_type, renderer_context)
        return renderer_context.get("indent")
