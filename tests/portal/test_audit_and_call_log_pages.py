"""The Audit trail and Call log pages: the tenant's own rows, newest first, paginated."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.services import Actor, record
from devices.models import CallLogEntry


def test_audit_trail_is_newest_first_and_tenant_scoped(admin_client, tenant, other_tenant):
    record(tenant=tenant, actor=Actor("user", "alice@acme.example"), action="first.thing")
    record(tenant=tenant, actor=Actor("api_secret", "Door app"), action="second.thing")
    record(tenant=other_tenant, actor=Actor("user", "bob@globex.example"), action="globex.thing")
    html = admin_client.get("/audit-trail/").content.decode()
    assert html.index("second.thing") < html.index("first.thing")
    assert "globex.thing" not in html and "bob@globex.example" not in html


def test_audit_trail_filters_by_actor(admin_client, tenant):
    record(tenant=tenant, actor=Actor("user", "alice@acme.example"), action="by.alice")
    record(tenant=tenant, actor=Actor("api_secret", "Door app"), action="by.door.app")
    html = admin_client.get("/audit-trail/", {"actor": "Door app"}).content.decode()
    assert "by.door.app" in html and "by.alice" not in html
    assert '<option value="Door app" selected>' in html


def test_audit_trail_paginates_and_keeps_the_filter(admin_client, tenant):
    for i in range(55):
        record(tenant=tenant, actor=Actor("user", "alice@acme.example"), action=f"a.n{i}")
    first = admin_client.get("/audit-trail/", {"actor": "alice@acme.example"}).content.decode()
    assert "a.n54" in first and "a.n4<" not in first
    assert "actor=alice%40acme.example&amp;page=2" in first
    second = admin_client.get("/audit-trail/", {"page": 2}).content.decode()
    assert "a.n4<" in second


@pytest.mark.parametrize("actor", ["\x00", "a\x00b", "x" * 301])
def test_an_unusable_actor_filter_shows_everything_instead_of_failing(admin_client, tenant, actor):
    record(tenant=tenant, actor=Actor("user", "alice@acme.example"), action="by.alice")
    response = admin_client.get("/audit-trail/", {"actor": actor})
    assert response.status_code == 200
    assert "by.alice" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1.5"])
def test_bad_page_numbers_never_fail(admin_client, page):
    assert admin_client.get("/audit-trail/", {"page": page}).status_code == 200
    assert admin_client.get("/call-log/", {"page": page}).status_code == 200


def make_call(tenant, caller="sip:visitor@door", minutes_ago=5, door_opened=True):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    return CallLogEntry.objects.create(
        tenant=tenant,
        started_at=started,
        answered_at=started + timedelta(seconds=4),
        ended_at=started + timedelta(seconds=64),
        device_id_public=uuid.uuid4(),
        device_name="Main entrance",
        call_group_id_public=uuid.uuid4(),
        call_group_name="Reception",
        caller=caller,
        answered_by_id_public=uuid.uuid4(),
        answered_by_upn="anna@acme.example",
        answered_by_display_name="Anna",
        result="answered",
        door_opened=door_opened,
    )


def test_call_log_is_newest_first_and_tenant_scoped(admin_client, tenant, other_tenant):
    make_call(tenant, caller="older-caller", minutes_ago=10)
    make_call(tenant, caller="newer-caller", minutes_ago=1)
    make_call(other_tenant, caller="globex-caller")
    html = admin_client.get("/call-log/").content.decode()
    assert html.index("newer-caller") < html.index("older-caller")
    assert "globex-caller" not in html
    assert "64 s" in html


def test_call_log_csv_has_the_api_fields_and_only_this_tenant(admin_client, tenant, other_tenant):
    entry = make_call(tenant)
    make_call(other_tenant, caller="globex-caller")
    response = admin_client.get("/call-log.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(entry.uuid)
    assert row["duration_seconds"] == "64"
    assert row["device_name"] == "Main entrance"
    assert row["answered_by_upn"] == "anna@acme.example"
    assert row["result"] == "answered" and row["door_opened"] == "true"
    assert row["started_at"] == entry.started_at.isoformat()


def test_call_log_csv_neutralises_spreadsheet_formulas(admin_client, tenant):
    make_call(tenant, caller='=HYPERLINK("http://evil.example")')
    body = b"".join(admin_client.get("/call-log.csv").streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["caller"].startswith("'=")


def test_audit_and_call_log_query_counts(admin_client, tenant, django_assert_max_num_queries):
    for i in range(60):
        record(tenant=tenant, actor=Actor("user", f"user{i % 3}@acme.example"), action="x.y")
        make_call(tenant)
    # session, user, tenant, secrets (filter and links), actor names, count, page
    with django_assert_max_num_queries(7):
        admin_client.get("/audit-trail/")
    # session, user, tenant, count, page
    with django_assert_max_num_queries(5):
        admin_client.get("/call-log/")
