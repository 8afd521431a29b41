"""HTMX answers that fail or need a sign-in, as a user meets them in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apisecrets.services import api_secret_delete
from tests.browser.conftest import log_in
from tests.factories import make_api_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_deleting_a_secret_deleted_elsewhere_says_so_and_refreshes(page, admin_user, tenant, actor):
    secret, _ = make_api_secret(tenant, "Twice", actor=actor)
    log_in(page, admin_user.email)
    api_secret_delete(secret=secret, actor=actor)  # the other tab
    page.get_by_role("button", name="Delete Twice").click()
    page.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("no longer exists")
    expect(page.get_by_text("No API secrets yet.")).to_be_visible()


@pytest.mark.parametrize("action", ["sort", "generate", "delete"])
def test_an_expired_session_lands_on_the_login_page(page, admin_user, tenant, actor, action):
    make_api_secret(tenant, "Kept", actor=actor)
    log_in(page, admin_user.email)
    if action == "generate":
        page.get_by_role("button", name="Create API secret").click()
        page.get_by_role("dialog").get_by_label("Name").fill("Late")
    page.context.clear_cookies()  # the session is gone
    if action == "sort":
        page.get_by_role("link", name="Name").click()
    elif action == "generate":
        page.get_by_role("button", name="Generate").click()
    else:
        page.get_by_role("button", name="Delete Kept").click()
        page.get_by_role("dialog", name="Delete API secret?").get_by_role(
            "button", name="Delete"
        ).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
