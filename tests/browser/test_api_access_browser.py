"""The API Access page in real Chromium: the seed's flows, by role and label, as users do them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from tenants.models import SupportRequest
from tests.browser.conftest import log_in
from tests.conftest import STAFF_TOTP_SECRET, totp_code
from tests.factories import PASSWORD, make_api_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def make_secret(tenant, actor, name, days=90, expires_in=None):
    return make_api_secret(tenant, name, days, expires_in=expires_in, actor=actor)[0]


def row(page, name):
    return page.get_by_role("row").filter(has=page.locator(".secret-name", has_text=name))


def test_create_with_bad_then_good_input_copy_and_close(page, admin_user, shot):
    log_in(page, admin_user.email)
    shot(page, "01-api-access-empty")
    page.get_by_role("button", name="Create API secret").click()
    dialog = page.get_by_role("dialog", name="Create API secret")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_be_focused()
    expect(dialog.get_by_label("Validity period (days)")).to_have_value("90")

    dialog.get_by_label("Name").fill("Door@integration")
    dialog.get_by_label("Validity period (days)").fill("5")
    dialog.get_by_role("button", name="Generate").click()
    expect(dialog.get_by_text("These characters are not allowed: @")).to_be_visible()
    expect(dialog.get_by_text("Choose between 10 and 365 days.")).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    shot(page, "02-create-dialog-errors")
    assert not ApiSecret.objects.exists()

    dialog.get_by_label("Name").fill("Door integration")
    dialog.get_by_label("Validity period (days)").fill("90")
    dialog.get_by_label("read — Read").check()
    dialog.get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    value_box = created.get_by_label("API secret")
    expect(value_box).to_be_visible()
    value = value_box.input_value()
    assert value.startswith("cgs_")
    assert ApiSecret.objects.get().hashed_value == hash_api_secret(value)
    expect(created.get_by_text("shown only this once")).to_be_visible()

    created.get_by_role("button", name="Copy", exact=True).click()
    expect(created.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == value
    shot(page, "03-secret-created")

    created.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    new_row = row(page, "Door integration")
    expect(new_row).to_be_visible()
    expect(new_row.get_by_role("cell").nth(1)).to_have_text(re.compile(re.escape(value[:8]) + "•+"))
    expect(new_row).to_contain_text("90 days left")
    expect(new_row).to_contain_text("never")
    assert value not in page.content()  # the dialog forgot it on close
    shot(page, "04-table-after-close")


def test_escape_closes_the_create_dialog(page, admin_user):
    log_in(page, admin_user.email)
    page.get_by_role("button", name="Create API secret").click()
    expect(page.get_by_role("dialog", name="Create API secret")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_warning_only_on_the_secret_expiring_within_20_days_in_visible_words(
    page, admin_user, tenant, actor, shot
):
    make_secret(tenant, actor, "Fresh integration", days=90)
    make_secret(tenant, actor, "Expiring integration", expires_in=timedelta(days=12))
    make_secret(tenant, actor, "Expired integration", expires_in=timedelta(days=-3))
    log_in(page, admin_user.email)
    # Why and what to do beside the icon, readable without hovering: Roll.
    soon = row(page, "Expiring integration").get_by_text("Expires soon. Roll it to get a successor")
    expect(soon).to_be_visible()
    gone = row(page, "Expired integration").get_by_text("Expired: it no longer works. Roll it")
    expect(gone).to_be_visible()
    expect(row(page, "Expired integration")).to_contain_text("expired 3 days ago")
    expect(row(page, "Fresh integration").locator(".expiry-note")).to_have_count(0)
    shot(page, "05-warnings")


def test_sorting_by_a_header_twice_reverses_and_stays_in_the_url(page, admin_user, tenant, actor):
    for name in ["bravo", "Alpha", "charlie"]:
        make_secret(tenant, actor, name)
    log_in(page, admin_user.email)
    names = page.locator(".secret-name")
    expect(names).to_have_text(["bravo", "Alpha", "charlie"])

    header = page.get_by_role("columnheader", name="Name")
    header.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"\?sort=name&dir=asc$"))
    expect(names).to_have_text(["Alpha", "bravo", "charlie"])
    expect(header).to_have_attribute("aria-sort", "ascending")

    page.get_by_role("columnheader", name="Name").get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"\?sort=name&dir=desc$"))
    expect(names).to_have_text(["charlie", "bravo", "Alpha"])

    page.reload()  # the sort survives a reload
    expect(names).to_have_text(["charlie", "bravo", "Alpha"])


def test_create_is_disabled_with_a_tooltip_at_four_secrets(page, admin_user, tenant, actor, shot):
    for i in range(4):
        make_secret(tenant, actor, f"Integration {i}")
    log_in(page, admin_user.email)
    button = page.get_by_role("button", name="Create API secret")
    expect(button).to_be_disabled()
    wrapper = page.locator(".tooltip")
    expect(wrapper).to_have_attribute("title", re.compile("at most 4 API secrets"))
    expect(
        page.get_by_text("You have reached the maximum: at most 4 API secrets per tenant.")
    ).to_be_visible()
    wrapper.hover()
    shot(page, "06-limit-tooltip")


def test_delete_asks_for_confirmation_then_revokes(page, admin_user, tenant, actor, shot):
    make_secret(tenant, actor, "Old integration")
    make_secret(tenant, actor, "Keep me")
    log_in(page, admin_user.email)

    row(page, "Old integration").get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete API secret?")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Old integration")
    shot(page, "07-delete-confirm")
    confirm.get_by_role("button", name="Cancel").click()
    expect(row(page, "Old integration")).to_be_visible()
    assert ApiSecret.objects.count() == 2

    row(page, "Old integration").get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(row(page, "Old integration")).to_have_count(0)
    expect(page.get_by_text("deleted. It no longer works.")).to_be_visible()
    expect(row(page, "Keep me")).to_be_visible()
    assert list(ApiSecret.objects.values_list("name", flat=True)) == ["Keep me"]


def test_support_request_flow_with_api_access_off(
    browser, live_server, page, admin_user, staff_user, tenant, shot
):
    tenant.api_access_enabled = False
    tenant.save()
    log_in(page, admin_user.email)
    expect(page.get_by_text("API access is not enabled")).to_be_visible()
    expect(page.get_by_role("button", name="Create API secret")).to_have_count(0)
    shot(page, "08-access-disabled")

    page.get_by_role("button", name="Contact support").click()
    expect(page.get_by_label("Subject")).to_have_value("Enable API access for Acme")
    expect(page.get_by_label("Message")).to_have_value(re.compile(str(tenant.id)))
    expect(page.get_by_label("Contact email")).to_have_value(admin_user.email)
    shot(page, "09-support-request-form")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    expect(page.get_by_text("is with CyberGate support")).to_be_visible()
    expect(page.get_by_role("button", name="Contact support")).to_have_count(0)
    shot(page, "10-support-request-open")

    # Support resolves it in Django admin with the one action.
    support = browser.new_context(base_url=live_server.url).new_page()
    # Admin sign-in is the portal's, with the staff login's second factor.
    support.goto("/admin/")
    expect(support).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F"))
    support.get_by_label("Email").fill(staff_user.email)
    support.get_by_label("Password", exact=True).fill(PASSWORD)
    support.get_by_role("button", name="Sign in", exact=True).click()
    support.get_by_label("Code").fill(totp_code(STAFF_TOTP_SECRET))
    support.get_by_role("button", name="Sign In").click()
    expect(support).to_have_url(re.compile(r"/admin/$"))
    support.goto("/admin/tenants/supportrequest/")
    support.get_by_role("row", name=re.compile("Enable API access for Acme")).get_by_role(
        "checkbox"
    ).check()
    support.locator("select[name=action]").select_option(label="Enable API access and resolve")
    support.get_by_role("button", name="Go").click()
    expect(support.get_by_text("Enabled API access and resolved 1 request(s).")).to_be_visible()
    shot(support, "11-admin-support-requests")
    support.context.close()

    assert SupportRequest.objects.get().status == "resolved"
    page.reload()
    expect(page.get_by_role("button", name="Create API secret")).to_be_enabled()


def test_without_javascript_create_and_delete_work(browser, live_server, admin_user, shot):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, admin_user.email)
        page.get_by_role("button", name="Create API secret").click()
        expect(page).to_have_url(re.compile(r"/api-access/new/\??$"))
        page.get_by_label("Name").fill("No script {1}")
        page.get_by_label("Validity period (days)").fill("400")
        page.get_by_role("button", name="Generate").click()
        # The error summary's links, and each message beside its field.
        for label, message in [
            ("Name", "These characters are not allowed: { }"),
            ("Validity period (days)", "Choose between 10 and 365 days."),
        ]:
            expect(page.get_by_role("link", name=message)).to_be_visible()
            expect(page.get_by_label(label)).to_have_accessible_description(
                re.compile(re.escape(message))
            )
        assert not ApiSecret.objects.exists()

        page.get_by_label("Name").fill("No script")
        page.get_by_label("Validity period (days)").fill("30")
        page.get_by_label("read — Read").check()
        page.get_by_role("button", name="Generate").click()
        value = page.get_by_label("API secret").input_value()
        assert ApiSecret.objects.get().hashed_value == hash_api_secret(value)
        expect(page.get_by_role("button", name="Copy")).to_be_hidden()  # needs JavaScript
        shot(page, "12-nojs-created")
        page.get_by_role("button", name="Close").click()
        expect(page).to_have_url(re.compile(r"/api-access/\??$"))
        expect(row(page, "No script")).to_contain_text(value[:8])
        assert value not in page.content()

        row(page, "No script").get_by_role("button", name="Delete").click()
        expect(page.get_by_role("heading", name=re.compile("Delete API secret"))).to_be_visible()
        shot(page, "13-nojs-confirm-delete")
        page.get_by_role("button", name="Delete").click()
        expect(page).to_have_url(re.compile(r"/api-access/$"))
        expect(page.get_by_text("No API secrets yet.")).to_be_visible()
        assert not ApiSecret.objects.exists()
    finally:
        context.close()


def test_audit_trail_and_call_log_pages_from_the_nav(page, admin_user, tenant, actor, shot):
    make_secret(tenant, actor, "Door app")
    log_in(page, admin_user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("API secret created"))).to_contain_text(
        admin_user.email
    )
    page.get_by_label("Actor").select_option(admin_user.email)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"actor=alice%40acme.example"))
    shot(page, "14-audit-trail")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Call log").click()
    expect(page.get_by_role("heading", name="Call log")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute("href", "/call-log.csv")
    shot(page, "15-call-log")
