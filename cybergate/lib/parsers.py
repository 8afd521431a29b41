"""The JSON body parser of both APIs (settings.REST_FRAMEWORK's only parser).

DRF's JSONParser turns only `ValueError` into a 400. Hostile bodies get past it: nesting deep
enough for a RecursionError (in the decoder, or later in a serializer's error message), a lone
surrogate (`"\\ud800"`: valid JSON, but not encodable as UTF-8, so the error answer that echoes it
fails), or a body larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE when DRF reads the request
stream itself (Django checks the size only in `request.body`; its RequestDataTooBig is mapped in
cybergate/lib/problems.py). Every one of those is the client's mistake: 400 `invalid_request`,
or 413 `payload_too_large` for the size.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from cybergate.lib.problems import payload_too_large

# No request body of either API nests deeper than 2; 32 leaves room and keeps every recursive
# consumer (serializers, error messages, the renderer) far from Python's recursion limit.
MAX_DEPTH = 32


def _refuse(reason: str) -> ParseError:
    return ParseError(f"JSON parse error - {reason}")


def _check(data: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and strings that are not valid Unicode (surrogates).

    Iterative, so the check itself cannot overflow the stack.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _refuse("a string holds a lone surrogate (invalid Unicode).") from None
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise _refuse(f"nested deeper than {MAX_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((key, depth))
                stack.append((item, depth + 1))


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, with a size limit and every malformed body as a ParseError (400)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise payload_too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(
                raw.decode(encoding),
                parse_constant=strict_constant if self.strict else None,
            )
        except RecursionError:
            raise _refuse(f"nested deeper than {MAX_DEPTH} levels.") from None
        except ValueError as exc:  # also UnicodeDecodeError: bytes that are not `encoding`
            raise _refuse(str(exc)) from None
        _check(data)
        return data
