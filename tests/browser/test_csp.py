"""Every portal page works in Chromium under the Content-Security-Policy, with no violation.

Violations are caught twice: the console messages Chromium prints for them, and the
`securitypolicyviolation` events the page itself sees (an init script records them before any
page script runs).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from tenants.models import SupportRequest
from tests.browser.conftest import log_in
from tests.conftest import STAFF_TOTP_SECRET, totp_code
from tests.factories import PASSWORD, make_api_secret, make_missed_call

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
"""


class Watch:
    """Console CSP messages and page errors of one browser page, and the pages it saw."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        self.events: list[str] = []
        self.visited: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def collect(self) -> None:
        """Add the violations this document recorded (call before leaving it)."""
        self.visited.append(self.page.url)
        self.events.extend(self.page.evaluate("window.__cspViolations || []"))

    def goto(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.ok, (path, response and response.status)
        assert "content-security-policy" in response.headers, path
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def assert_clean(self) -> None:
        assert self.console == [], self.console
        assert self.events == [], self.events
        assert self.errors == [], self.errors


@pytest.fixture
def watch(page) -> Watch:
    return Watch(page)


def test_portal_pages_and_the_create_dialog_have_no_csp_violations(watch, page, tenant, admin_user):
    make_missed_call(tenant, caller="sip:visitor@street.example")
    watch.goto("/accounts/login/")
    log_in(page, admin_user.email)
    watch.collect()

    # Empty table, then the create dialog through HTMX: bad input re-rendered, then good.
    page.get_by_role("button", name="Create API secret").click()
    dialog = page.get_by_role("dialog", name="Create API secret")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name").fill("Door@integration")
    dialog.get_by_role("button", name="Generate").click()
    expect(dialog.get_by_text("These characters are not allowed: @")).to_be_visible()
    dialog.get_by_label("Name").fill("Door integration")
    dialog.get_by_label("read — Read").check()
    dialog.get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    expect(created.get_by_label("API secret")).to_be_visible()
    created.get_by_role("button", name="Close").click()
    expect(page.get_by_role("cell", name="Door integration", exact=True)).to_be_visible()
    assert ApiSecret.objects.filter(tenant=tenant).count() == 1
    watch.collect()

    # At the limit, with warnings; sorted; the delete confirmation page.
    make_api_secret(tenant, "expiring", expires_in=timedelta(days=3))
    make_api_secret(tenant, "expired", expires_in=-timedelta(days=2))
    last, _ = make_api_secret(tenant, "fourth")
    watch.goto("/api-access/?sort=name&dir=desc")
    expect(page.get_by_role("button", name="Create API secret")).to_be_disabled()
    watch.goto(f"/api-access/{last.id}/delete/")
    watch.goto("/audit-trail/")
    watch.goto("/call-log/")
    expect(page.get_by_text("sip:visitor@street.example")).to_be_visible()
    watch.goto("/users/")

    # API access off: the notice, the support request form, the "request is open" state.
    tenant.api_access_enabled = False
    tenant.save(update_fields=["api_access_enabled"])
    watch.goto("/api-access/")
    page.get_by_role("button", name="Contact support").click()
    page.wait_for_load_state("networkidle")
    watch.collect()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state("networkidle")
    watch.collect()
    assert SupportRequest.objects.filter(tenant=tenant).exists()
    watch.goto("/api-access/")
    expect(page.get_by_text("with CyberGate support")).to_be_visible()

    watch.assert_clean()


def test_swagger_ui_renders_its_operations_under_the_csp(watch, page):
    watch.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/version")).to_be_visible()
    assert page.locator(".opblock").count() >= 8
    # "Authorize" opens its dialog (Swagger UI's own script, still working).
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    expect(page.locator(".modal-ux")).to_be_visible()
    watch.collect()
    watch.assert_clean()


def test_django_admin_has_no_csp_violations(watch, page, staff_user, tenant):
    # Admin sign-in is the portal's (allauth), with the staff login's second factor.
    watch.goto("/admin/login/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(staff_user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Code").fill(totp_code(STAFF_TOTP_SECRET))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    watch.collect()
    watch.goto("/admin/")
    watch.goto("/admin/tenants/tenant/")
    watch.goto(f"/admin/tenants/tenant/{tenant.pk}/change/")
    watch.goto("/admin/tenants/user/add/")
    watch.goto("/admin/callgroups/callgroup/add/")
    watch.assert_clean()
