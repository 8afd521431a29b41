"""Expired sessions under HTMX go to the login page whole; portal-styled 403, 404 and 500 pages."""

from __future__ import annotations

import uuid

import pytest
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/api-access/?sort=name&dir=asc"}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api-access/?sort=name&dir=asc"),  # sorting
        ("post", "/api-access/new/"),  # Generate
        ("post", "/api-access/6f1c2a4e-0d6b-4f3e-9a51-2b7c8d9e0f12/delete/"),  # Delete
    ],
)
def test_signed_out_htmx_request_is_sent_to_the_login_page_with_next(client, method, url):
    response = getattr(client, method)(url, headers=HX)
    assert response.status_code == 200
    assert (
        response["HX-Redirect"]
        == "/accounts/login/?next=%2Fapi-access%2F%3Fsort%3Dname%26dir%3Dasc"
    )
    assert b"Sign in" not in response.content  # no login page swapped into the fragment


def test_signed_out_plain_request_still_gets_an_ordinary_redirect(client):
    response = client.get("/api-access/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_next_from_another_site_is_not_followed(client):
    headers = {"HX-Request": "true", "HX-Current-URL": "https://evil.example//evil.example/x"}
    response = client.get("/api-access/", headers=headers)
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"


def test_404_is_a_portal_page_with_a_heading(admin_client):
    response = admin_client.get(f"/api-access/{uuid.uuid4()}/delete/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="mainnav"' in html  # the portal's navigation, not Django's bare page


def test_500_renders_without_request_or_database():
    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html
    assert "portal.css" in html


def test_403_is_a_portal_page(rf, admin_user):
    from django.views.defaults import permission_denied

    request = rf.get("/x/")
    request.user = admin_user
    request.tenant = admin_user.tenant
    response = permission_denied(request, Exception())
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()
