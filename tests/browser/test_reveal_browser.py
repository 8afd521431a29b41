"""The shown-once secret cannot be lost: double-click, Escape, Close before Copy, no-JS resubmit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from tests.browser.conftest import log_in, open_and_fill

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "You have not copied the secret. Close anyway?"


def test_double_click_on_generate_still_shows_the_value(page, admin_user):
    log_in(page, admin_user.email)
    dialog = open_and_fill(page)
    dialog.get_by_role("button", name="Generate").dblclick()
    created = page.get_by_role("dialog", name="API secret created")
    value = created.get_by_label("API secret").input_value()
    # The second click neither closed the dialog nor created a second secret.
    page.wait_for_timeout(300)
    expect(created).to_be_visible()
    assert ApiSecret.objects.count() == 1
    assert ApiSecret.objects.get().hashed_value == hash_api_secret(value)


def test_close_is_not_under_the_generate_button(page, admin_user):
    log_in(page, admin_user.email)
    dialog = open_and_fill(page)
    generate = dialog.get_by_role("button", name="Generate").bounding_box()
    dialog.get_by_role("button", name="Generate").click()
    close = page.get_by_role("dialog", name="API secret created").get_by_role(
        "button", name="Close"
    )
    expect(close).to_be_visible()
    box = close.bounding_box()
    overlap_x = (
        box["x"] < generate["x"] + generate["width"] and generate["x"] < box["x"] + box["width"]
    )
    overlap_y = (
        box["y"] < generate["y"] + generate["height"] and generate["y"] < box["y"] + box["height"]
    )
    assert not (overlap_x and overlap_y)


@pytest.mark.parametrize("how", ["Escape", "Close"])
def test_closing_before_copy_asks_first(page, admin_user, how):
    log_in(page, admin_user.email)
    open_and_fill(page).get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    value_box = created.get_by_label("API secret")
    expect(value_box).to_be_focused()
    page.wait_for_timeout(1100)  # past the moment Close ignores clicks
    if how == "Escape":
        page.keyboard.press("Escape")
    else:
        created.get_by_role("button", name="Close", exact=True).click()
    expect(created.get_by_text(QUESTION)).to_be_visible()
    expect(created.get_by_role("button", name="Back to the secret")).to_be_focused()

    created.get_by_role("button", name="Back to the secret").click()
    expect(created.get_by_text(QUESTION)).to_be_hidden()
    expect(value_box).to_be_visible()

    page.keyboard.press("Escape")
    expect(created.get_by_text(QUESTION)).to_be_visible()
    created.get_by_role("button", name="Close anyway").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    # Focus goes back to where the user started.
    expect(page.get_by_role("button", name="Create API secret")).to_be_focused()


def test_after_copy_close_and_escape_close_at_once(page, admin_user):
    log_in(page, admin_user.email)
    open_and_fill(page).get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    created.get_by_role("button", name="Copy", exact=True).click()
    expect(created.get_by_role("button", name="Copied")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Create API secret")).to_be_focused()


def test_focus_stays_on_the_create_button_when_the_table_refreshes_after_the_dialog_closed(
    page, admin_user
):
    """The table's refresh after a create may land after the dialog closed: the create button it
    replaces had focus, and its replacement gets it."""
    log_in(page, admin_user.email)
    held = []
    page.route(
        lambda url: "sort=" in url and "/api-access/" in url,
        lambda route: held.append(route),
    )
    open_and_fill(page).get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    created.get_by_role("button", name="Copy", exact=True).click()
    expect(created.get_by_role("button", name="Copied")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Create API secret")).to_be_focused()
    assert len(held) == 1, "the table's refresh was not asked for"
    held[0].continue_()
    expect(page.locator("#secrets-table")).to_contain_text("Door integration")
    expect(page.get_by_role("button", name="Create API secret")).to_be_focused()


def test_close_ignores_a_click_right_after_the_value_appeared(page, admin_user):
    log_in(page, admin_user.email)
    open_and_fill(page).get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    created.get_by_role("button", name="Close").click()  # within the first second
    expect(created).to_be_visible()
    expect(created.get_by_text(QUESTION)).to_be_hidden()


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_without_javascript_a_double_submit_shows_the_same_secret_once(nojs_page, admin_user):
    page = nojs_page
    log_in(page, admin_user.email)
    page.get_by_role("button", name="Create API secret").click()
    expect(page.get_by_role("heading", level=1, name="Create API secret")).to_be_visible()
    page.get_by_label("Name").fill("No script")
    page.get_by_label("read — Read").check()
    token = page.locator("input[name=submit_token]").input_value()

    # What a double submit does: the browser sends the same form twice and shows the last answer.
    form = {
        "csrfmiddlewaretoken": page.locator(
            "form[method=post] input[name=csrfmiddlewaretoken]"
        ).last.input_value(),
        "submit_token": token,
        "name": "No script",
        "validity_days": "90",
        "permissions": "read",
    }
    first = page.request.post("/api-access/new/", form=form)
    assert first.ok
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", level=1, name="API secret created")).to_be_visible()
    value = page.get_by_label("API secret").input_value()
    assert value in first.text()  # the same value as the answer the browser dropped
    assert ApiSecret.objects.count() == 1
    assert ApiSecret.objects.get().hashed_value == hash_api_secret(value)

    # A third time: the value is gone for good; the page says why.
    third = page.request.post("/api-access/new/", form=form)
    assert third.ok
    assert re.search(r"/api-access/$", third.url)
    assert "This form was already sent" in third.text()
    assert value not in third.text()
    assert ApiSecret.objects.count() == 1


def test_without_javascript_a_real_double_click_shows_a_secret(nojs_page, admin_user):
    page = nojs_page
    log_in(page, admin_user.email)
    page.goto("/api-access/new/")
    page.get_by_label("Name").fill("Clicked twice")
    page.get_by_label("read — Read").check()
    page.get_by_role("button", name="Generate").dblclick()
    expect(page.get_by_role("heading", level=1, name="API secret created")).to_be_visible()
    value = page.get_by_label("API secret").input_value()
    assert ApiSecret.objects.count() == 1
    assert ApiSecret.objects.get().hashed_value == hash_api_secret(value)


def test_generate_is_disabled_while_its_request_runs(page, admin_user):
    log_in(page, admin_user.email)
    open_and_fill(page)
    # htmx disables the button as it sends (synchronously in the click), before any answer.
    disabled_at_send = page.evaluate(
        """() => {
          const button = document.querySelector("#create-dialog button[type=submit]");
          button.click();
          return button.disabled;
        }"""
    )
    assert disabled_at_send is True
    expect(page.get_by_role("dialog", name="API secret created")).to_be_visible()
