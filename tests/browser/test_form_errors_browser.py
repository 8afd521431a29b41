"""Full-page form errors in real Chromium: a summary at the top takes focus, each of its links
moves focus to the field, whose description is its message; a saved message is said once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.allauth_internals import totp_activate
from tenants.models import SupportRequest
from tests.browser.conftest import log_in, submit_sign_in
from tests.conftest import totp_code
from tests.factories import make_api_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def expect_summary_leads_to(page, field, message: str) -> None:
    """The summary is focused and names `message`; its link focuses `field`, described by it."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_have_count(1)
    link = summary.get_by_role("link", name=re.compile("^" + re.escape(message)))
    link.click()
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_allowed_addresses_error(page, admin_user, tenant):
    secret, _ = make_api_secret(tenant, name="Door")
    log_in(page, admin_user.email)
    page.goto(f"/api-access/{secret.id}/")
    addresses = page.get_by_label("Allowed addresses")
    addresses.fill("999.1.1.1")
    page.get_by_role("button", name="Save addresses").click()
    expect_summary_leads_to(page, addresses, "“999.1.1.1” is not an IP address or CIDR range")
    secret.refresh_from_db()  # nothing saved
    assert secret.allowed_addresses == []


def test_allowed_addresses_saved_is_said_once(page, admin_user, tenant):
    secret, _ = make_api_secret(tenant, name="Door")
    log_in(page, admin_user.email)
    page.goto(f"/api-access/{secret.id}/")
    page.get_by_label("Allowed addresses").fill("203.0.113.7")
    page.get_by_role("button", name="Save addresses").click()
    expect(page.get_by_text("Allowed addresses saved.")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Allowed addresses saved.")).to_have_count(1)
    expect(page.locator("[data-error-summary]")).to_have_count(0)


def test_the_edit_form_links_its_permissions_to_the_first_box(page, admin_user, tenant):
    secret, _ = make_api_secret(tenant, name="Door")
    log_in(page, admin_user.email)
    page.goto(f"/api-access/{secret.id}/")
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Save name and permissions").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Choose at least one permission.").click()
    expect(page.get_by_label("read — Read")).to_be_focused()


def test_roll_form_error(page, admin_user, tenant):
    secret, _ = make_api_secret(tenant, name="Door")
    log_in(page, admin_user.email)
    page.goto(f"/api-access/{secret.id}/roll/")
    days = page.get_by_label("New secret valid for (days)")
    days.fill("0")
    page.get_by_role("button", name="Roll", exact=True).click()
    expect_summary_leads_to(page, days, "Choose between 10 and 365 days.")
    assert tenant.api_secrets.count() == 1


def test_support_request_form_error(page, admin_user, tenant):
    tenant.api_access_enabled = False
    tenant.save(update_fields=["api_access_enabled"])
    log_in(page, admin_user.email)
    page.goto("/api-access/support-request/")
    email = page.get_by_label("Contact email")
    email.fill("not an email")
    page.get_by_role("button", name="Send request").click()
    expect_summary_leads_to(page, email, "Enter a valid email address.")
    assert not SupportRequest.objects.exists()


def test_wrong_code_when_activating_an_authenticator_app(page, admin_user):
    log_in(page, admin_user.email)
    page.goto("/accounts/2fa/totp/activate/")
    secret = page.get_by_label("Authenticator secret").input_value()
    code = page.get_by_label("Authenticator code")
    code.fill(wrong(totp_code(secret)))
    page.get_by_role("button", name="Activate").click()
    expect_summary_leads_to(page, page.get_by_label("Authenticator code"), "Incorrect code.")


def test_wrong_code_at_sign_in(page, admin_user):
    secret = totp_activate(admin_user)
    submit_sign_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_label("Code").fill(wrong(totp_code(secret)))
    page.get_by_role("button", name="Sign in").click()
    expect_summary_leads_to(page, page.get_by_label("Code"), "Incorrect code.")
    # The right code then goes on as before.
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))
