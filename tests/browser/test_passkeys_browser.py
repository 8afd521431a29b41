"""Passkeys in real Chromium (its virtual authenticator, on localhost as WebAuthn needs): a failed
or cancelled prompt says so on the page, the pages say "passkey", the second step offers a passkey
only to a login that has one, and recovery codes can be copied, downloaded and left."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import log_in, submit_sign_in, virtual_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def add_passkey(page, name: str = "Laptop passkey") -> None:
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Passkey name").fill(name)
    page.get_by_role("button", name="Add passkey").click()


def test_a_refused_prompt_on_the_add_page_is_explained(context, page, admin_user, shot):
    # An authenticator whose user never verifies: the browser's prompt ends in NotAllowedError.
    cdp, authenticator_id = virtual_authenticator(context, page, isUserVerified=False)
    log_in(page, admin_user.email)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    add_passkey(page)
    alert = page.get_by_role("alert").filter(has_text="No passkey was added")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("cancelled or timed out")
    shot(page, "passkeys-01-add-refused")
    assert not Authenticator.objects.filter(user=admin_user).exists()
    assert not any("NotAllowedError" in text for text in errors), "still only on the console"
    # The second try is announced again: the alert is refilled, not left as it was.
    page.get_by_role("button", name="Add passkey").click()
    expect(alert).to_be_visible()
    # With a verifying authenticator the same page then works.
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator_id, "isUserVerified": True}
    )
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    assert Authenticator.objects.filter(user=admin_user, type="webauthn").count() == 1


def test_passkey_sign_in_without_a_passkey_is_explained(page, admin_user, authenticator, shot):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    alert = page.get_by_role("alert").filter(has_text="not signed in with a passkey")
    expect(alert).to_be_visible()
    shot(page, "passkeys-02-sign-in-refused")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_second_step_with_a_passkey_then_a_failed_one_is_explained(
    context, page, admin_user, authenticator, shot
):
    cdp, authenticator_id = authenticator
    log_in(page, admin_user.email)
    add_passkey(page)
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    submit_sign_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    # The passkey is gone from this device (another computer, a wiped phone).
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator_id})
    page.get_by_role("button", name="Use a passkey").click()
    alert = page.get_by_role("alert").filter(has_text="not signed in with a passkey")
    expect(alert).to_be_visible()
    shot(page, "passkeys-03-second-step-refused")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))


def test_second_step_offers_a_passkey_only_to_a_login_with_one(page, admin_user, shot):
    TOTP.activate(admin_user, pyotp.random_base32())
    submit_sign_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_label("Code")).to_be_visible()
    expect(page.get_by_text(re.compile("security key|passkey", re.I))).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    shot(page, "passkeys-04-second-step-code-only")


def test_the_pages_say_passkey(page, admin_user, authenticator):
    log_in(page, admin_user.email)
    seen = []
    page.goto("/accounts/2fa/")
    seen.append(page.locator("main").inner_text())
    add_passkey(page)
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    page.goto("/accounts/2fa/webauthn/add/")
    seen.append(page.locator("main").inner_text())
    expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
    alone = page.get_by_label("Sign in with this passkey alone, without a password")
    expect(alone).to_be_checked()
    assert alone.bounding_box()["width"] <= 24, "the checkbox is stretched away from its label"
    expect(alone).to_have_accessible_description(re.compile("fingerprint, face or PIN"))
    page.goto("/accounts/2fa/")
    seen.append(page.locator("main").inner_text())
    page.get_by_role("link", name="Manage passkeys").click()
    expect(page.get_by_role("heading", name="Passkeys")).to_be_visible()
    expect(page.get_by_role("cell", name="Laptop passkey", exact=True)).to_be_visible()
    seen.append(page.locator("main").inner_text())
    page.get_by_role("link", name="Remove Laptop passkey").click()
    seen.append(page.locator("main").inner_text())
    text = "\n".join(seen)
    assert "passkey" in text.lower()
    assert not re.search(r"security key|passwordless", text, re.I), text


def test_recovery_codes_copy_download_and_go_on(page, admin_user, shot):
    TOTP.activate(admin_user, pyotp.random_base32())
    codes = RecoveryCodes.activate(admin_user).get_unused_codes()
    submit_sign_in(page, admin_user.email)
    page.get_by_label("Code").fill(codes[-1])
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    page.goto("/accounts/2fa/recovery-codes/")
    unused = codes[:-1]
    expect(page.get_by_label("Unused codes")).to_have_value("\n".join(unused))
    shot(page, "passkeys-05-recovery-codes")

    page.get_by_role("button", name="Copy the recovery codes").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "\n".join(unused)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download (.txt)").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".txt")
    assert download.path().read_text().split() == unused

    page.get_by_role("link", name="Done: back to Security").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))


def test_confirming_access_with_a_passkey_that_fails_is_explained(page, admin_user, authenticator):
    cdp, authenticator_id = authenticator
    log_in(page, admin_user.email)
    add_passkey(page)
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    page.goto("/accounts/reauthenticate/")
    page.get_by_role("link", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/reauthenticate/"))
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator_id})
    page.get_by_role("button", name="Use a passkey").click()
    alert = page.get_by_role("alert").filter(has_text="Access was not confirmed with a passkey")
    expect(alert).to_be_visible()
