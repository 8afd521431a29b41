"""Every portal page and state, visited in order by the axe and reflow tests.

`tour(page, ...)` yields (state name, page) after bringing the page into each state; the caller
checks whatever it checks there. Data is arranged through the ORM and services between states.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyotp
from django.template.loader import render_to_string
from playwright.sync_api import expect

from accounts import lockout
from accounts.allauth_internals import totp_activate
from apisecrets.models import MAX_PER_TENANT
from apisecrets.services import api_secret_delete, api_secret_roll
from audit.services import Actor
from tenants.models import SupportRequest
from tests.browser.conftest import log_in, submit_sign_in, virtual_authenticator
from tests.factories import make_api_secret, make_api_secrets, make_missed_call
from webhooks.models import Endpoint, Message
from webhooks.services import endpoint_disable, endpoint_send_test

AXE_JS = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.2 AA adds target size (24 by 24 CSS pixels).
WCAG_22_AA = [*WCAG_21_AA, "wcag22aa"]
# 256 characters without a space: the longest name allowed, the worst case for layout.
LONG_NAME = "Integration-" + "x" * 244


# What cybergate.lib.portalerrors gives the error pages (rendered here without a request).
ERROR_CONTEXT = {"request_id": "0" * 32, "support_email": "support@cybergate.example"}


def _arrange(tenant) -> None:
    make_missed_call(tenant, caller="sip:visitor-with-a-rather-long-address@street.example")
    make_api_secrets(tenant, ["Door integration", LONG_NAME])


def tour(page, *, tenant, user) -> Iterator[str]:
    _arrange(tenant)
    page.goto("/accounts/login/")
    yield "login"
    log_in(page, user.email)
    yield "api access"
    page.get_by_role("button", name="Create API secret").click()
    expect(page.get_by_role("dialog", name="Create API secret")).to_be_visible()
    yield "create dialog"
    page.get_by_role("dialog").get_by_role("button", name="Generate").click()
    expect(page.get_by_role("dialog").get_by_text("Enter a name.")).to_be_visible()
    yield "create dialog with errors"
    page.get_by_role("dialog").get_by_label("Name").fill(LONG_NAME[:200] + "-new")
    page.get_by_role("dialog").get_by_label("read — Read").check()
    page.get_by_role("dialog").get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    expect(created.get_by_label("API secret")).to_be_visible()
    yield "created dialog"
    page.keyboard.press("Escape")
    expect(created.get_by_text("Close anyway?")).to_be_visible()
    yield "created dialog asking before close"
    created.get_by_role("button", name="Close anyway").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("button", name="Delete " + LONG_NAME).click()
    expect(page.get_by_role("dialog", name="Delete API secret?")).to_be_visible()
    yield "delete dialog"
    page.keyboard.press("Escape")
    make_api_secret(tenant, "Fourth")
    assert tenant.api_secrets.count() == MAX_PER_TENANT
    page.reload()
    yield "api access at the limit"
    page.get_by_text("Create API secret").focus()
    yield "api access at the limit, tooltip"
    page.goto("/api-access/new/")
    yield "create page (no JavaScript), blocked"
    secret = tenant.api_secrets.first()
    page.goto(f"/api-access/{secret.id}/delete/")
    yield "delete page (no JavaScript)"
    successor, _ = api_secret_roll(secret=secret, actor=Actor.for_user(user), overlap="1d")
    page.goto(f"/api-access/{successor.id}/roll/")
    expect(page.get_by_text("stops working now")).to_be_visible()
    yield "roll page, the replaced secret stops working now"
    page.get_by_label("New secret valid for (days)").fill("0")
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    yield "roll page with errors"
    fourth = tenant.api_secrets.get(name="Fourth")
    page.goto(f"/api-access/{fourth.id}/roll/")
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page.get_by_label("API secret", exact=True)).to_be_focused()
    yield "rolled: the new value, shown once"
    fourth.refresh_from_db()
    api_secret_delete(secret=fourth.replaced_by, actor=Actor.for_user(user))
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # back to this tab
    expect(page.get_by_text("This API secret has been deleted")).to_be_visible()
    yield "rolled: the new secret deleted elsewhere"
    page.goto(f"/api-access/{successor.id}/")
    yield "secret page"
    page.get_by_role("button", name="Save name and permissions").focus()
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save name and permissions").click()
    expect(page.get_by_role("link", name="Enter a name.")).to_be_visible()  # in the error summary
    yield "secret page, edit with errors"
    page.get_by_label("Allowed addresses").fill("999.1.1.1")
    page.get_by_role("button", name="Save addresses").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    yield "secret page, addresses with errors"
    page.get_by_label("Allowed addresses").fill("203.0.113.7")
    page.get_by_role("button", name="Save addresses").click()
    expect(page.get_by_text("Allowed addresses saved.")).to_be_visible()
    yield "secret page, addresses saved"
    page.goto(f"/api-access/{successor.id}/")
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("button", name="Enable")).to_be_visible()
    yield "secret page, disabled"
    page.goto(f"/audit-trail/?secret={successor.id}")
    yield "audit trail, one secret"
    page.goto("/audit-trail/")
    yield "audit trail"
    page.goto("/call-log/")
    yield "call log"
    page.goto("/users/")
    yield "users"
    yield from _webhooks(page, tenant=tenant, user=user)
    page.goto("/accounts/2fa/")
    yield "security"
    page.goto("/accounts/2fa/totp/activate/")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(_wrong_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    yield "security: authenticator app, wrong code"
    page.goto("/accounts/reauthenticate/?next=/api-access/")
    yield "confirm access"
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    yield "confirm access, wrong password"
    page.goto("/accounts/password/change/")
    yield "security: password"
    page.goto("/accounts/time-zone/")
    yield "security: time zone"
    page.goto("/api/docs/guide/")
    yield "API guide"
    page.goto("/api/docs/changelog/")
    yield "API changelog"
    page.goto("/no-such-page/")
    yield "404 page"
    page.set_content(render_to_string("500.html", ERROR_CONTEXT))
    yield "500 page"
    page.set_content(render_to_string("403.html", {"user": user, **ERROR_CONTEXT}))
    yield "403 page"
    page.set_content(render_to_string("403_csrf.html", {"user": user, **ERROR_CONTEXT}))
    yield "form not sent page (CSRF)"
    locked_out = {"message": lockout.message(300), **ERROR_CONTEXT}
    page.set_content(render_to_string("account/locked_out.html", locked_out))
    yield "sign-in locked out"
    tenant.api_access_enabled = False
    tenant.save(update_fields=["api_access_enabled"])
    page.goto("/api-access/")
    yield "api access off"
    page.goto("/api-access/support-request/")
    yield "support request form"
    page.get_by_label("Contact email").fill("not an email")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    yield "support request form with errors"
    SupportRequest.objects.create(
        tenant=tenant, contact_email=user.email, subject="API access", message="Please."
    )
    page.goto("/api-access/")
    yield "api access off, request sent"
    yield from _passkeys(page, user=user)
    secret = totp_activate(user)  # the passkey states ended signed out, at the sign-in page
    submit_sign_in(page, user.email)
    page.get_by_label("Code").fill(_wrong_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    yield "sign-in: authenticator code, wrong code"


def _wrong_code(secret: str) -> str:
    return f"{(int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000:06d}"


def _webhooks(page, *, tenant, user) -> Iterator[str]:
    page.goto("/webhooks/")
    yield "webhooks, none"
    page.goto("/webhooks/new/")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("link", name="Enter the URL.")).to_be_visible()  # in the error summary
    yield "webhooks: add, with errors"
    page.get_by_label("URL").fill("https://hooks.example.com/" + "x" * 200)
    page.get_by_label("door_open.executed").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_label("Secret")).to_be_visible()
    yield "webhooks: endpoint added, its secret"
    endpoint = tenant.webhook_endpoints.get()
    message = endpoint_send_test(endpoint=endpoint, actor=Actor.for_user(user))
    message.attempts.update(
        status="failed",
        sent_at=message.created_at,
        http_status=503,
        duration_ms=40,
        error="HTTP 503",
        response="Service unavailable, try again later.",
    )
    Message.objects.filter(pk=message.pk).update(status="failed")
    endpoint_disable(endpoint=endpoint, actor=Actor.for_user(user), reason="Answered 410 Gone.")
    Endpoint.objects.filter(pk=endpoint.pk).update(last_error="HTTP 410 Gone")
    page.goto("/webhooks/")
    yield "webhooks, a disabled endpoint"
    page.goto(f"/webhooks/{endpoint.id}/")
    page.get_by_text("Answer (first 1 KB)").click()
    yield "webhook endpoint page, delivery log"
    page.get_by_role("button", name="Recover").click()
    expect(
        page.get_by_role("link", name="Enter a date and time.")
    ).to_be_visible()  # in the error summary
    yield "webhook endpoint page, recover with errors"
    page.goto(f"/webhooks/{endpoint.id}/delete/")
    yield "webhook endpoint delete page"


def _passkeys(page, *, user) -> Iterator[str]:
    """Passkey pages and their failure messages, with Chromium's virtual authenticator (last:
    the login ends with a second factor)."""
    cdp, authenticator_id = virtual_authenticator(page.context, page, isUserVerified=False)
    authenticator = {"authenticatorId": authenticator_id}
    page.goto("/accounts/2fa/webauthn/add/")
    yield "security: add a passkey"
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_text("No passkey was added")).to_be_visible()
    yield "security: add a passkey, prompt refused"
    cdp.send("WebAuthn.setUserVerified", {**authenticator, "isUserVerified": True})
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_label("Unused codes")).to_be_visible()
    yield "security: recovery codes"
    page.goto("/accounts/2fa/webauthn/")
    yield "security: passkeys"
    page.get_by_role("button", name="Log out").click()
    submit_sign_in(page, user.email)
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    yield "sign in: second step"
    cdp.send("WebAuthn.clearCredentials", authenticator)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_text("not signed in with a passkey")).to_be_visible()
    yield "sign in: second step, passkey refused"
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text("not signed in with a passkey")).to_be_visible()
    yield "sign in, passkey refused"


def axe_violations(page, tags: list[str] = WCAG_21_AA) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA (or `tags`') violations of the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern: the
        # portal's CSP stays as strict in these tests as in production.
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def write_report(name: str, rows: dict) -> None:
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(rows, indent=2))
