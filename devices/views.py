"""The portal's Call log page and its CSV download, from the tenant's call log only."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cybergate.lib.decorators import tenant_required
from devices.models import CallLogEntry
from tenants.requesttypes import PortalRequest

PAGE_SIZE = 50
CSV_FIELDS = [
    "id",
    "started_at",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "device_id",
    "device_name",
    "call_group_id",
    "call_group_name",
    "caller",
    "answered_by_id",
    "answered_by_upn",
    "answered_by_display_name",
    "result",
    "door_opened",
]
# A cell starting with one of these may be read as a formula (or a DDE call) by a spreadsheet
# program; the caller field comes from outside (a SIP header), so such cells get a leading `'`
# (OWASP "CSV injection": = + - @ TAB CR; also LF, `;` and `|`, which LibreOffice and old Excel
# take as separators or DDE, and the full-width = + - @ that some locales treat as ASCII).
_FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    ";",
    "|",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
)


@tenant_required
@require_GET
def call_log(request: PortalRequest) -> HttpResponse:
    entries = request.tenant.call_log_entries.order_by("-id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "devices/call_log.html", {"page": page})


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_row(entry: CallLogEntry) -> list[str]:
    values = [
        entry.uuid,
        entry.started_at,
        entry.answered_at,
        entry.ended_at,
        entry.duration_seconds,
        entry.device_id_public,
        entry.device_name,
        entry.call_group_id_public,
        entry.call_group_name,
        entry.caller,
        entry.answered_by_id_public,
        entry.answered_by_upn,
        entry.answered_by_display_name,
        entry.result,
        "true" if entry.door_opened else "false",
    ]
    return [_cell(v) for v in values]


def _csv_lines(entries) -> Iterator[str]:
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)  # OWASP: every cell quoted
    yield writer.writerow(CSV_FIELDS)
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow(_csv_row(entry))


@tenant_required
@require_GET
def call_log_csv(request: PortalRequest) -> StreamingHttpResponse:
    """The whole call log, newest first, streamed so a long log costs no memory. Times in UTC."""
    entries = request.tenant.call_log_entries.order_by("-id")
    filename = f"call-log-{timezone.now():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        _csv_lines(entries),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
