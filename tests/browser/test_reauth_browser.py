"""Re-authentication in real Chromium loses nothing: the dialog's request is held while the
password is asked again and carried out after it (clock moved past the 15-minute window)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from tests.browser.conftest import log_in, open_and_fill
from tests.factories import PASSWORD, make_api_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def delete(page, name: str) -> None:
    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()


def confirm_access(page, password: str = PASSWORD) -> None:
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()


def test_what_was_typed_in_create_survives_confirm_access_and_a_wrong_password(
    page, admin_user, time_machine, shot
):
    log_in(page, admin_user.email)
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    page.get_by_role("button", name="Create API secret").click()
    dialog = page.get_by_role("dialog", name="Create API secret")
    dialog.get_by_label("Name").fill("After a break")
    dialog.get_by_label("Validity period (days)").fill("30")
    dialog.get_by_label("read — Read").check()
    dialog.get_by_label("door_open — Open doors").check()
    dialog.get_by_label("Allowed addresses").fill("203.0.113.7\n192.0.2.0/24")
    dialog.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=%2Fapi-access%2Fnew%2F$"))
    shot(page, "reauth-01-confirm-access")
    confirm_access(page, "not the password")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_accessible_description(
        re.compile(r"Incorrect password\.$")
    )
    assert not ApiSecret.objects.exists()
    confirm_access(page)
    # The held Generate, carried out: the secret as typed, its value shown this once.
    expect(page.get_by_role("heading", name="API secret created")).to_be_visible()
    expect(page.get_by_text("After a break")).to_be_visible()
    expect(page.get_by_label("API secret")).to_have_value(re.compile(r"^cgs_"))
    shot(page, "reauth-02-held-create-carried-out")
    secret = ApiSecret.objects.get()
    assert (secret.name, secret.validity_days) == ("After a break", 30)
    assert sorted(secret.permissions) == ["door_open", "read"]
    assert secret.allowed_addresses == ["203.0.113.7", "192.0.2.0/24"]


def test_a_confirmed_delete_is_carried_out_after_confirm_access(
    page, admin_user, tenant, time_machine
):
    make_api_secret(tenant, name="Old")
    log_in(page, admin_user.email)
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    page.get_by_role("button", name="Delete Old").click()
    page.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    assert ApiSecret.objects.filter(name="Old").exists()
    confirm_access(page)
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    expect(page.get_by_text("API secret “Old” deleted.")).to_be_visible()
    assert not ApiSecret.objects.exists()


def test_a_second_tab_goes_on_after_the_first_confirmed_access(
    context, admin_user, tenant, time_machine
):
    make_api_secret(tenant, name="Old")
    first = context.new_page()
    log_in(first, admin_user.email)
    second = context.new_page()
    second.goto("/api-access/")
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    # The second tab's dialog is open and typed in while the first asks for the password.
    dialog = open_and_fill(second, "From the second tab")
    first.get_by_role("button", name="Delete Old").click()
    first.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(first).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    confirm_access(first)
    expect(first.get_by_text("API secret “Old” deleted.")).to_be_visible()
    # The session is recent again for every tab: Generate goes through at once.
    dialog.get_by_role("button", name="Generate").click()
    expect(second.get_by_role("dialog", name="API secret created")).to_be_visible()
    expect(second).to_have_url(re.compile(r"/api-access/$"))
    assert list(ApiSecret.objects.values_list("name", flat=True)) == ["From the second tab"]


def test_a_typed_roll_survives_confirm_access(page, admin_user, tenant, time_machine):
    old, _ = make_api_secret(tenant, name="Door")
    log_in(page, admin_user.email)
    page.get_by_role("button", name=re.compile(r"^Roll Door")).click()
    page.get_by_label("Old secret keeps working for").select_option(label="1 day")
    page.get_by_label("New secret valid for (days)").fill("45")
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    confirm_access(page)
    expect(page.get_by_role("heading", name="API secret created")).to_be_visible()
    successor = ApiSecret.objects.exclude(pk=old.pk).get()
    assert successor.validity_days == 45
    old.refresh_from_db()
    assert old.replaced_by_id == successor.pk


def test_two_tabs_waiting_at_confirm_access_each_carry_out_their_own(
    context, admin_user, tenant, time_machine
):
    make_api_secret(tenant, name="Old")
    first = context.new_page()
    log_in(first, admin_user.email)
    second = context.new_page()
    second.goto("/api-access/")
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    dialog = open_and_fill(first, "From the first tab")
    dialog.get_by_role("button", name="Generate").click()
    expect(first).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    delete(second, "Old")
    expect(second).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    confirm_access(first)
    expect(first.get_by_role("heading", name="API secret created")).to_be_visible()
    expect(first.get_by_text("From the first tab")).to_be_visible()
    assert ApiSecret.objects.filter(name="Old").exists()
    confirm_access(second)
    expect(second.get_by_text("API secret “Old” deleted.")).to_be_visible()
    assert list(ApiSecret.objects.values_list("name", flat=True)) == ["From the first tab"]
