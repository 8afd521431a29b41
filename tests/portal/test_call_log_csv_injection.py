"""The call-log CSV neutralises every cell a spreadsheet program could run as a formula."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from devices.models import CallLogEntry

DANGEROUS = [
    '=HYPERLINK("http://evil.example")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    ";=1+1",
    "|cmd",
    "\uff1d1+1",  # full-width =
    "\uff20SUM(A1)",  # full-width @
]


def log_entry(tenant, caller: str) -> CallLogEntry:
    now = timezone.now()
    return CallLogEntry.objects.create(
        tenant=tenant,
        started_at=now - timedelta(minutes=2),
        ended_at=now - timedelta(minutes=1),
        device_id_public=uuid.uuid4(),
        device_name=caller,
        call_group_name=caller,
        caller=caller,
        answered_by_upn=caller,
        answered_by_display_name=caller,
        result="missed",
    )


def csv_rows(admin_client) -> list[dict]:
    response = admin_client.get("/call-log.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_that_could_be_a_formula_starts_with_a_quote(admin_client, tenant, value):
    log_entry(tenant, value)
    (row,) = csv_rows(admin_client)
    for field in ("caller", "device_name", "call_group_name", "answered_by_display_name"):
        assert row[field] == "'" + value


@pytest.mark.parametrize("value", ["sip:visitor@street.example", "Front door", "a=b", "x;y"])
def test_ordinary_cells_are_unchanged(admin_client, tenant, value):
    log_entry(tenant, value)
    (row,) = csv_rows(admin_client)
    assert row["caller"] == value


def test_every_cell_is_quoted(admin_client, tenant):
    log_entry(tenant, "plain")
    body = b"".join(admin_client.get("/call-log.csv").streaming_content).decode()
    for line in body.splitlines():
        assert all(cell.startswith('"') and cell.endswith('"') for cell in line.split(","))
