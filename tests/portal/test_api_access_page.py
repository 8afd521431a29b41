"""The API Access page through Django's test client: plain forms, HTMX fragments, isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from audit.models import AuditEntry

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/api-access/"


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<span class="secret-name">([^<]*)</span>', html)


def test_home_leads_to_the_api_access_page(admin_client):
    response = admin_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == URL


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api-access/")


def test_login_with_email_and_password(client, admin_user):
    from tests.factories import PASSWORD

    page = client.get("/accounts/login/")
    assert b'type="email"' in page.content
    response = client.post(
        "/accounts/login/", {"login": "ALICE@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(URL).status_code == 200


def test_wrong_password_shows_the_form_again(client, admin_user):
    response = client.post("/accounts/login/", {"login": admin_user.email, "password": "x"})
    assert response.status_code == 200
    assert b"are not correct" in response.content


def test_logout_is_a_post(admin_client):
    response = admin_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert admin_client.get(URL).status_code == 302


def test_user_without_a_tenant_gets_a_page_pointing_to_admin(client, staff_user):
    client.force_login(staff_user)
    for url in [URL, "/api-access/new/", "/audit-trail/", "/call-log/", "/call-log.csv"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"This login has no tenant" in response.content
        assert b'href="/admin/"' in response.content


def test_table_lists_the_tenants_secrets_with_all_columns(admin_client, make_secret):
    secret = make_secret("Monitoring dashboard")
    response = admin_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for header in ["Name", "Secret", "Creation time", "Expiration", "Last used", "Action"]:
        assert re.search(rf"<th [^>]*>\s*(<a [^>]*>)?{header}", html), header
    assert "Monitoring dashboard" in html
    assert secret.masked in html
    assert secret.value not in html
    assert "90 days left" in html
    assert "never" in html
    assert ">Delete<" in html
    assert 'href="/api/docs/"' in html and "API documentation" in html


def test_other_tenants_secrets_are_never_listed(admin_client, make_secret, other_tenant):
    make_secret("Globex secret", on=other_tenant)
    assert b"Globex secret" not in admin_client.get(URL).content


def test_last_used_and_creation_time_in_the_users_time_zone(admin_client, admin_user, make_secret):
    secret = make_secret("Used")
    when = timezone.datetime(2025, 1, 15, 12, 30, tzinfo=timezone.get_fixed_timezone(0))
    ApiSecret.objects.filter(pk=secret.pk).update(created_at=when, last_used_at=when)
    assert b"2025-01-15 12:30" in admin_client.get(URL).content
    admin_user.time_zone = "Europe/Amsterdam"
    admin_user.save()
    html = admin_client.get(URL).content.decode()
    assert html.count("2025-01-15 13:30") == 2
    assert "Times in Europe/Amsterdam" in html


def test_expiry_warning_on_expiring_and_expired_secrets_only_in_visible_text(
    admin_client, make_secret
):
    make_secret("Fresh")
    make_secret("Soon", expires_in=timedelta(days=19))
    make_secret("Gone", expires_in=timedelta(days=-2))
    html = admin_client.get(URL).content.decode()
    # Why and what to do, as text beside the icon (not a hover title): Roll is the answer.
    assert html.count("Expires soon. Roll it to get a successor while it keeps working.") == 1
    assert html.count("Expired: it no longer works. Roll it to get a successor.") == 1
    assert "create a new secret" not in html
    assert 'title="Expires soon' not in html and 'title="Expired' not in html
    assert "expired 2 days ago" in html


# --- sorting ---------------------------------------------------------------------------------


@pytest.fixture
def three_secrets(make_secret):
    make_secret("bravo", days=200)
    make_secret("Alpha", days=30)
    make_secret("charlie", days=100)


def test_default_order_is_creation_time(admin_client, three_secrets):
    assert names_in_order(admin_client.get(URL).content.decode()) == ["bravo", "Alpha", "charlie"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=name&dir=asc", ["Alpha", "bravo", "charlie"]),
        ("sort=name&dir=desc", ["charlie", "bravo", "Alpha"]),
        ("sort=expiration&dir=asc", ["Alpha", "charlie", "bravo"]),
        ("sort=expiration&dir=desc", ["bravo", "charlie", "Alpha"]),
        ("sort=created&dir=desc", ["charlie", "Alpha", "bravo"]),
    ],
)
def test_sorting_by_url_parameters(admin_client, three_secrets, query, expected):
    response = admin_client.get(f"{URL}?{query}")
    assert names_in_order(response.content.decode()) == expected


@pytest.mark.parametrize("column", ["name", "secret", "created", "expiration", "last_used"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_column_sorts(admin_client, three_secrets, column, direction):
    response = admin_client.get(URL, {"sort": column, "dir": direction})
    assert response.status_code == 200
    assert len(names_in_order(response.content.decode())) == 3


@pytest.mark.parametrize(
    "query",
    ["sort=bogus", "sort=name&dir=sideways", "sort=&dir=", "sort=name'--&dir=<b>", "sort[]=x"],
)
def test_unknown_sort_parameters_fall_back_to_the_default(admin_client, three_secrets, query):
    response = admin_client.get(f"{URL}?{query}")
    assert response.status_code == 200
    names = names_in_order(response.content.decode())
    assert names in (["bravo", "Alpha", "charlie"], ["Alpha", "bravo", "charlie"])


def test_clicking_the_sorted_header_again_reverses(admin_client, three_secrets):
    html = admin_client.get(URL, {"sort": "name", "dir": "asc"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="/api-access/?sort=name&amp;dir=desc"' in html
    assert 'href="/api-access/?sort=expiration&amp;dir=asc"' in html
    html = admin_client.get(URL, {"sort": "name", "dir": "desc"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="/api-access/?sort=name&amp;dir=asc"' in html


def test_htmx_sort_returns_only_the_table_fragment(admin_client, three_secrets):
    response = admin_client.get(URL, {"sort": "name", "dir": "desc"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="secrets-table"')
    assert names_in_order(html) == ["charlie", "bravo", "Alpha"]
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(admin_client, three_secrets):
    response = admin_client.get(URL, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert b"<html" in response.content


# --- the limit ---------------------------------------------------------------------------------


def test_create_button_is_offered_below_the_limit(admin_client, make_secret):
    for i in range(3):
        make_secret(f"s{i}")
    html = admin_client.get(URL).content.decode()
    assert re.search(r"<button type=\"submit\"[^>]*>Create API secret</button>", html)
    assert "disabled>Create API secret" not in html


def test_create_button_is_disabled_with_an_explanation_at_4_secrets(admin_client, make_secret):
    for i in range(4):
        make_secret(f"s{i}")
    html = admin_client.get(URL).content.decode()
    assert re.search(r"<button [^>]*disabled>Create API secret</button>", html)
    message = (
        "You have reached the maximum: at most 4 API secrets per tenant. "
        "Delete one to create another."
    )
    assert f'title="{message}"' in html
    assert f'<p id="limit-note" class="limit-note">{message}</p>' in html
    assert 'aria-describedby="limit-note"' in html
    assert 'id="limit-note"' in html
    assert (
        'action="/api-access/new/"' not in html.split('id="secrets-table"')[1].split("</table>")[0]
    )


def test_new_page_at_the_limit_explains_instead_of_offering_the_form(admin_client, make_secret):
    for i in range(4):
        make_secret(f"s{i}")
    html = admin_client.get("/api-access/new/").content.decode()
    assert "the maximum" in html
    assert "Generate" not in html


def test_posting_at_the_limit_shows_the_reason_and_creates_nothing(admin_client, make_secret):
    for i in range(4):
        make_secret(f"s{i}")
    response = admin_client.post(
        "/api-access/new/", {"name": "fifth", "validity_days": "90", "permissions": "read"}
    )
    assert response.status_code == 200
    assert b"at most 4 API secrets" in response.content
    assert ApiSecret.objects.count() == 4


# --- create without JavaScript -----------------------------------------------------------------


def test_create_form_page_has_the_seed_labels_and_default(admin_client):
    html = admin_client.get("/api-access/new/").content.decode()
    assert '<label for="id_name">Name</label>' in html
    assert '<label for="id_validity_days">Validity period (days)</label>' in html
    assert 'value="90"' in html
    assert ">Generate</button>" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "a/b", "validity_days": "90", "permissions": "read"}, "name", "not allowed: /"),
        ({"name": "", "validity_days": "90", "permissions": "read"}, "name", "Enter a name."),
        ({"name": "x" * 257, "validity_days": "90", "permissions": "read"}, "name", "at most 256"),
        (
            {"name": "ok", "validity_days": "5", "permissions": "read"},
            "validity_days",
            "between 10 and 365",
        ),
        (
            {"name": "ok", "validity_days": "366", "permissions": "read"},
            "validity_days",
            "between 10 and 365",
        ),
        ({"name": "ok", "validity_days": "ten"}, "validity_days", "whole number"),
        ({"name": "ok", "validity_days": "1e400"}, "validity_days", "whole number"),
    ],
)
def test_invalid_input_rerenders_with_a_message_per_field(admin_client, data, field, message):
    response = admin_client.post("/api-access/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    error = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', html)
    assert error and message in error.group(1)
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', html)
    assert not ApiSecret.objects.exists()
    assert not AuditEntry.objects.filter(action="api_secret.created").exists()


def test_both_fields_invalid_show_both_messages(admin_client):
    html = admin_client.post(
        "/api-access/new/", {"name": "a@b", "validity_days": "9", "permissions": "read"}
    ).content
    assert b'id="id_name_error"' in html and b'id="id_validity_days_error"' in html


def test_duplicate_name_is_reported_on_the_name_field(admin_client, make_secret):
    make_secret("Monitoring")
    html = admin_client.post(
        "/api-access/new/", {"name": " monitoring ", "validity_days": "90", "permissions": "read"}
    ).content.decode()
    assert re.search(r'id="id_name_error"><p>An API secret with this name already exists', html)
    assert ApiSecret.objects.count() == 1


def test_generate_shows_the_value_once_and_stores_only_its_hash(admin_client, admin_user):
    response = admin_client.post(
        "/api-access/new/", {"name": "Door app", "validity_days": "30", "permissions": "read"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    value = re.search(r'id="new-secret-value"[^>]*value="([^"]+)"', html).group(1)
    secret = ApiSecret.objects.get()
    assert secret.hashed_value == hash_api_secret(value)
    assert secret.name == "Door app"
    assert secret.created_by == admin_user
    assert "shown only this once" in html
    assert ">Copy</button>" in html and ">Close</button>" in html
    # Not kept anywhere that outlives this response.
    assert "no-store" in response["Cache-Control"]
    assert value not in str(dict(admin_client.session))
    assert value not in response.cookies.output()
    listing = admin_client.get(URL).content.decode()
    assert value not in listing and secret.masked in listing


def test_create_is_audited_with_the_acting_user_and_ip(admin_client, admin_user):
    admin_client.post(
        "/api-access/new/", {"name": "Door app", "validity_days": "30", "permissions": "read"}
    )
    entry = AuditEntry.objects.get(action="api_secret.created")
    assert entry.actor_name == admin_user.email
    assert entry.ip == "127.0.0.1"


# --- create with HTMX ------------------------------------------------------------------------


def test_htmx_generate_returns_the_value_fragment_and_refreshes_the_table(admin_client):
    response = admin_client.post(
        "/api-access/new/",
        {"name": "Door app", "validity_days": "30", "permissions": "read"},
        **HTMX,
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="new-secret-value"' in html
    assert "no-store" in response["Cache-Control"]
    assert "secretsChanged" in response["HX-Trigger"]


def test_htmx_invalid_input_returns_the_form_fragment(admin_client):
    response = admin_client.post(
        "/api-access/new/", {"name": "a;b", "validity_days": "9", "permissions": "read"}, **HTMX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="id_name_error"' in html and 'id="id_validity_days_error"' in html
    assert "HX-Trigger" not in response
    assert not ApiSecret.objects.exists()


# --- delete ----------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(admin_client, make_secret):
    secret = make_secret("Old")
    response = admin_client.get(f"/api-access/{secret.id}/delete/")
    assert response.status_code == 200
    assert b"Delete API secret" in response.content and b'method="post"' in response.content
    assert ApiSecret.objects.filter(pk=secret.pk).exists()


def test_delete_revokes_and_audits(admin_client, admin_user, make_secret):
    secret = make_secret("Old")
    response = admin_client.post(f"/api-access/{secret.id}/delete/")
    assert response.status_code == 302 and response["Location"] == URL
    assert not ApiSecret.objects.filter(pk=secret.pk).exists()
    entry = AuditEntry.objects.get(action="api_secret.deleted")
    assert entry.actor_name == admin_user.email
    assert "deleted" in admin_client.get(URL).content.decode()


def test_htmx_delete_answers_no_content_and_refreshes_the_table(admin_client, make_secret):
    secret = make_secret("Old")
    response = admin_client.post(f"/api-access/{secret.id}/delete/", **HTMX)
    assert response.status_code == 204
    assert "secretsChanged" in response["HX-Trigger"]
    assert not ApiSecret.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_tenants_secret_is_404(admin_client, make_secret, other_tenant, method):
    theirs = make_secret("Globex secret", on=other_tenant)
    response = getattr(admin_client, method)(f"/api-access/{theirs.id}/delete/")
    assert response.status_code == 404
    assert ApiSecret.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    "url",
    ["/api-access/not-a-uuid/delete/", "/api-access/00000000-0000-0000-0000-000000000000/delete/"],
)
def test_unknown_secret_urls_are_404(admin_client, url):
    assert admin_client.post(url).status_code == 404


def test_pages_refuse_other_methods(admin_client):
    assert admin_client.post(URL).status_code == 405
    assert admin_client.delete("/api-access/new/").status_code == 405


# --- access disabled and the support request --------------------------------------------------


@pytest.fixture
def access_off(tenant):
    tenant.api_access_enabled = False
    tenant.save()
    return tenant


def test_disabled_access_shows_the_notice_and_no_create_button(admin_client, access_off):
    html = admin_client.get(URL).content.decode()
    assert "API access is not enabled" in html
    assert ">Contact support</button>" in html
    assert "Create API secret</button>" not in html


def test_disabled_access_refuses_creation_on_the_page(admin_client, access_off):
    assert b"not enabled" in admin_client.get("/api-access/new/").content
    response = admin_client.post(
        "/api-access/new/", {"name": "x", "validity_days": "90", "permissions": "read"}
    )
    assert b"not enabled" in response.content
    assert not ApiSecret.objects.exists()


def test_support_request_form_is_prefilled(admin_client, access_off, admin_user):
    response = admin_client.get("/api-access/support-request/")
    form = response.context["form"]
    assert form["subject"].value() == "Enable API access for Acme"
    assert "Acme" in form["message"].value() and str(access_off.id) in form["message"].value()
    assert form["contact_email"].value() == admin_user.email


def test_support_request_is_created_audited_and_shown(admin_client, access_off, admin_user):
    response = admin_client.post(
        "/api-access/support-request/",
        {
            "contact_email": admin_user.email,
            "subject": "Enable API access for Acme",
            "message": "Please enable it.",
        },
    )
    assert response.status_code == 302
    request = access_off.support_requests.get()
    assert request.status == "open" and request.requested_by == admin_user
    entry = AuditEntry.objects.get(action="support_request.created")
    assert entry.actor_name == admin_user.email
    html = admin_client.get(URL).content.decode()
    assert "is with CyberGate support" in html
    assert "Contact support</button>" not in html
    # No second request while one is open.
    assert admin_client.get("/api-access/support-request/").status_code == 302
    admin_client.post("/api-access/support-request/", {"contact_email": "a@b.example"})
    assert access_off.support_requests.count() == 1


def test_support_request_with_a_bad_email_is_refused(admin_client, access_off):
    response = admin_client.post(
        "/api-access/support-request/",
        {"contact_email": "not-an-email", "subject": "s", "message": "m"},
    )
    assert response.status_code == 200
    assert b'id="id_contact_email_error"' in response.content
    assert not access_off.support_requests.exists()


def test_support_request_when_access_is_on_goes_back(admin_client):
    assert admin_client.get("/api-access/support-request/").status_code == 302


# --- query counts ------------------------------------------------------------------------------


def test_page_render_query_count(admin_client, make_secret, django_assert_max_num_queries):
    for i in range(4):
        make_secret(f"s{i}")
    # session, user, tenant, secrets
    with django_assert_max_num_queries(4):
        admin_client.get(URL)
    with django_assert_max_num_queries(4):
        admin_client.get(URL, {"sort": "name"}, **HTMX)


def test_page_render_query_count_with_access_off(
    admin_client, access_off, django_assert_max_num_queries
):
    # session, user, tenant, secrets, open support request
    with django_assert_max_num_queries(5):
        admin_client.get(URL)
