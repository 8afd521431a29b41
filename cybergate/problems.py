"""RFC 9457 problem details for every error under /api/ (filled in by the customer API issue)."""

from __future__ import annotations

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    return drf_exception_handler(exc, context)
