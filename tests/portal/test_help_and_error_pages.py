"""Help within reach: the support link on every page, error pages that give the request id and
where to ask, a portal page for a form whose CSRF cookie is gone, a favicon, the portal's own
message for a failed HTMX call under DEBUG, and distinct names for the two rows of a roll."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from apisecrets.services import api_secret_roll
from tests.factories import PASSWORD, make_api_secret

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = 'Help: <a href="mailto:support@cybergate.example">support@cybergate.example</a>'


@pytest.mark.parametrize("path", ["/api-access/", "/audit-trail/", "/call-log/", "/accounts/2fa/"])
def test_the_help_link_and_favicon_are_on_every_page(admin_client, path):
    html = admin_client.get(path).content.decode()
    assert SUPPORT in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_the_help_link_is_on_the_sign_in_page_too(client):
    assert SUPPORT in client.get("/accounts/login/").content.decode()


def test_the_favicon_is_served():
    assert finders.find("favicon.svg")


def test_support_email_is_configurable(admin_client, settings):
    settings.SUPPORT_EMAIL = "help@example.net"
    assert 'href="mailto:help@example.net"' in admin_client.get("/api-access/").content.decode()


def test_403_page_gives_the_request_id_and_support(rf, admin_user):
    from django.core.exceptions import PermissionDenied

    from cybergate.lib.problems import handler403
    from cybergate.lib.requestid import _request_id

    request = rf.get("/x/")
    request.user = admin_user
    request.tenant = admin_user.tenant
    token = _request_id.set("req-403.test")
    try:
        response = handler403(request, PermissionDenied())
    finally:
        _request_id.reset(token)
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Not allowed</h1>" in html
    assert '<code class="request-id">req-403.test</code>' in html
    assert "mailto:support@cybergate.example?subject=Request%20req-403.test" in html


def test_500_page_gives_the_request_id_and_support(admin_user, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    from django.urls import path

    from cybergate import urls

    def boom(request):
        raise RuntimeError("boom")

    urls.urlpatterns.insert(0, path("boom-test/", boom))
    try:
        from django.urls import clear_url_caches

        clear_url_caches()
        response = client.get("/boom-test/", headers={"X-Request-Id": "req-500.test"})
    finally:
        urls.urlpatterns.pop(0)
        clear_url_caches()
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert '<code class="request-id">req-500.test</code>' in html
    assert "mailto:support@cybergate.example?subject=Request%20req-500.test" in html


def test_a_form_whose_csrf_cookie_is_gone_gets_a_portal_page(admin_user, tenant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(
        "/api-access/new/", {"name": "Door", "validity_days": "90", "permissions": "read"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Your form was not sent</h1>" in html
    assert "Nothing was changed." in html
    assert 'class="mainnav"' in html  # the portal's page, not Django's bare one
    assert "support@cybergate.example" in html
    assert not tenant.api_secrets.exists()


def test_the_sign_in_form_without_its_csrf_cookie_gets_the_portal_page(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "<h1>Your form was not sent</h1>" in response.content.decode()


def test_under_debug_a_failed_htmx_call_is_not_replaced_by_the_debug_page(admin_client, settings):
    settings.DEBUG = True
    html = admin_client.get("/api-access/").content.decode()
    assert "django-htmx.js" not in html  # its debug handler swaps in Django's error page
    assert "htmx-2.min.js" in html
    assert 'id="live-status"' in html  # where portal.js explains a failed call


def test_make_run_prints_localhost():
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "run"], capture_output=True, text=True, check=False
    ).stdout
    assert "http://localhost:8000/" in out
    assert "http://127.0.0.1:8000/" not in out


def test_the_two_rows_of_a_roll_have_distinct_accessible_names(admin_client, tenant, actor):
    old, _ = make_api_secret(tenant, "Door app")
    new, _ = api_secret_roll(secret=old, actor=actor, overlap="1d")
    html = admin_client.get("/api-access/").content.decode()
    deletes = re.findall(r'Delete<span class="visually-hidden"> ([^<]*)</span>', html)
    assert sorted(deletes) == sorted([f"Door app ({old.prefix}…)", f"Door app ({new.prefix}…)"])
    links = re.findall(r'<a class="secret-link"[^>]*>(.*?)</a>', html)
    names = [re.sub(r"<[^>]+>", "", link) for link in links]
    assert len(set(names)) == 2, names
