"""Sign-in in real Chromium: lockout, TOTP, passkeys (virtual authenticator), recovery codes,
password reset through a real SMTP server, re-authentication, staff MFA enrolment."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import log_in, submit_sign_in
from tests.conftest import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_sign_in_is_throttled_with_a_clear_message(page, admin_user, shot):
    for _ in range(5):
        submit_sign_in(page, admin_user.email, "not the password")
        expect(page.get_by_text("password you specified are not correct")).to_be_visible()
    submit_sign_in(page, admin_user.email)  # even the right password now
    # The error summary: its heading, then the one message.
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert").get_by_role("listitem")).to_have_text(
        "Too many failed sign-in attempts. Try again in 5 minutes."
    )
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    shot(page, "signin-01-locked-out")


def enrol_totp(page) -> str:
    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name="Activate").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    return secret


def test_enrol_totp_then_sign_in_with_a_code(page, admin_user, shot):
    log_in(page, admin_user.email)
    secret = enrol_totp(page)
    shot(page, "signin-02-totp-enrolled")
    log_out(page)

    submit_sign_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    shot(page, "signin-03-code-asked")
    totp = pyotp.TOTP(secret)
    code = totp_code(secret)
    while code == totp.at(time.time() - 30):  # allauth refuses a code used once
        time.sleep(1)
        code = totp_code(secret)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))


def test_a_recovery_code_signs_in_once(page, admin_user):
    TOTP.activate(admin_user, pyotp.random_base32())
    codes = RecoveryCodes.activate(admin_user).get_unused_codes()
    submit_sign_in(page, admin_user.email)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    log_out(page)
    submit_sign_in(page, admin_user.email)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("link", name="Incorrect code.")).to_be_visible()  # the summary
    expect(page.get_by_label("Code")).to_have_accessible_description("Incorrect code.")


def test_enrol_a_passkey_then_sign_in_with_it(page, admin_user, authenticator, shot):
    cdp, authenticator_id = authenticator
    log_in(page, admin_user.email)
    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Passkey name").fill("Laptop passkey")
    page.get_by_label("Sign in with this passkey alone, without a password").check()
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    shot(page, "signin-04-passkey-added")
    log_out(page)

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    expect(page.locator(".account-email")).to_have_text(admin_user.email)
    log_out(page)

    # As the second factor after the password (our form, which logs a failed assertion).
    submit_sign_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))


def test_password_reset_through_a_real_mail_server(page, admin_user, smtp_inbox, shot):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").first.click()
    page.get_by_label("Email").fill(admin_user.email)
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    deadline = time.monotonic() + 10
    while not smtp_inbox.texts and time.monotonic() < deadline:
        time.sleep(0.1)
    mail = smtp_inbox.texts[0].replace("=\n", "")
    link = re.search(r"(http://\S+/accounts/password/reset/key/\S+)", mail)[1]

    page.goto(link)
    page.get_by_label("New Password", exact=True).fill("a brand new Passw0rd!")
    page.get_by_label("New Password (again)").fill("a brand new Passw0rd!")
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()
    shot(page, "signin-05-password-reset")
    log_in(page, admin_user.email, "a brand new Passw0rd!")

    log_out(page)
    page.goto(link)  # used once: refused
    expect(page.get_by_text("invalid")).to_be_visible()


def test_staff_must_enrol_mfa_before_admin(page, staff_user_without_mfa, shot):
    submit_sign_in(page, staff_user_without_mfa.email, next_url="/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next="))
    expect(page.get_by_text("Set up two-factor authentication to continue")).to_be_visible()
    shot(page, "signin-07-staff-must-enrol")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    enrol_totp(page)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("link", name="CyberGate support")).to_be_visible()
