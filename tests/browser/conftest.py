"""Real Chromium through Playwright against pytest-django's live_server.

The browser must be there: a missing browser fails these tests (CI sets REQUIRE_BROWSER=1, and we
never skip them either way), because a skipped browser test proves nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import chromium_path
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the ORM
# calls the tests make to set up and check rows.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if not os.path.exists(path):
        raise RuntimeError(f"Chromium not found at {path}: install it or set CHROMIUM.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def shot():
    """Save a screenshot into test-artifacts/ (gitignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


def submit_sign_in(page, email: str, password: str = PASSWORD, next_url: str = "") -> None:
    """Fill and send the sign-in form (allauth's, at the same URL as before)."""
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    submit_sign_in(page, email, password)
    expect(page).to_have_url(re.compile(r"/api-access/$"))


def open_and_fill(page, name: str = "Door integration"):
    """Open the API Access page's Create dialog and fill it in (a name, the `read` permission);
    the dialog, for the test to send or change further."""
    page.get_by_role("button", name="Create API secret").click()
    dialog = page.get_by_role("dialog", name="Create API secret")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("read — Read").check()
    return dialog


def virtual_authenticator(context, page, **options) -> tuple:
    """Chromium's virtual platform authenticator (a passkey store with user verification);
    `options` change its defaults. (The CDP session, the authenticator's id.)"""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
                **options,
            }
        },
    )
    return cdp, result["authenticatorId"]


@pytest.fixture
def authenticator(context, page):
    return virtual_authenticator(context, page)
