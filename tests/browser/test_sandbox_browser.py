"""Test secrets on the API Access page in real Chromium: the Create test secret dialog."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from tests.browser.conftest import log_in
from tests.browser.portal_tour import axe_violations
from tests.factories import make_api_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_create_a_test_secret_beside_four_live_ones(page, admin_user, actor):
    for i in range(4):
        make_api_secret(admin_user.tenant, f"live {i}", actor=actor)
    log_in(page, admin_user.email)
    expect(page.get_by_role("button", name="Create API secret")).to_be_disabled()

    page.get_by_role("button", name="Create test secret").click()
    dialog = page.get_by_role("dialog", name="Create test secret")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("acts on your sandbox only")).to_be_visible()
    assert axe_violations(page) == []
    dialog.get_by_label("Name").fill("Sandbox app")
    dialog.get_by_label("read — Read").check()  # least privilege: nothing is ticked before
    dialog.get_by_role("button", name="Generate").click()

    created = page.get_by_role("dialog", name="API secret created")
    value = created.get_by_label("API secret").input_value()
    assert value.startswith("cgs_test_")
    assert ApiSecret.objects.get(name="Sandbox app").is_test
    created.get_by_role("button", name="Copy", exact=True).click()
    created.get_by_role("button", name="Close").click()

    row = page.get_by_role("row").filter(has=page.locator(".secret-name", has_text="Sandbox app"))
    expect(row.locator(".badge-test")).to_have_text("test")
    expect(page.get_by_text("1 of 4.")).to_be_visible()
    assert axe_violations(page) == []
