"""The portal's error pages that Django would otherwise answer bare: the 500 page (rendered
without the request or the database, with the request id to quote) and the CSRF failure of a
form sent without JavaScript (its cookie gone or from another session)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from cybergate.lib import problems
from cybergate.lib.clientinfo import is_api_request
from cybergate.lib.requestid import current_request_id


def support_context() -> dict[str, str | None]:
    """What every error page offers: the request id to quote and where support is."""
    return {"request_id": current_request_id(), "support_email": settings.SUPPORT_EMAIL}


def handler500(request: HttpRequest) -> HttpResponse:
    """problem+json under /api/ and /device-api/ (cybergate.lib.problems), else the portal's
    page."""
    if is_api_request(request):
        return problems.handler500(request)
    # No request context: context processors could touch the database that may have failed.
    return HttpResponseServerError(loader.get_template("500.html").render(support_context()))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form is refused, explained, and nothing was changed."""
    return render(request, "403_csrf.html", status=403)
