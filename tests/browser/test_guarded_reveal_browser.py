"""One guarded reveal for Create and Roll: nothing loses the shown-once value without asking.

Leaving (reload, Back, a link, Back after a header sort) warns until the value is copied (button,
Ctrl+C, the curl line) or marked saved; Roll shows its value the same way and a resent Roll form
shows it once more; a secret deleted in another tab stops being shown.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from audit.services import Actor
from tests.browser.conftest import log_in, open_and_fill
from tests.factories import make_api_secrets

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "You have not copied the secret. Close anyway?"


class Dialogs:
    """The browser's own dialogs (beforeunload, confirm), answered as told and recorded."""

    def __init__(self, page, accept: bool = False):
        self.page = page
        self.seen: list[str] = []
        self.accept = accept
        page.on("dialog", self._answer)

    def wait_for(self, expected: list[str]) -> None:
        """The dialogs event arrives after the call that caused it may have returned."""
        for _ in range(100):
            if self.seen == expected:
                return
            self.page.wait_for_timeout(100)
        assert self.seen == expected

    def _answer(self, dialog) -> None:
        self.seen.append(dialog.type)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def generate(page, name="Door integration"):
    open_and_fill(page, name).get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    expect(created.get_by_label("API secret")).to_be_visible()
    return created


def roll(page, name):
    page.get_by_role("row").filter(has=page.locator(".secret-name", has_text=name)).get_by_role(
        "button", name=f"Roll {name}"
    ).click()
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="API secret created")).to_be_visible()


def test_back_after_a_sort_asks_and_keeps_the_dialog_and_its_address(page, admin_user, tenant):
    make_api_secrets(tenant, ["bravo", "Alpha"], actor=Actor.for_user(admin_user))
    log_in(page, admin_user.email)
    page.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"\?sort=name&dir=asc$"))
    created = generate(page)
    value = created.get_by_label("API secret").input_value()
    dialogs = Dialogs(page)

    page.go_back()
    dialogs.wait_for(["confirm"])
    expect(created.get_by_label("API secret")).to_have_value(value)
    expect(page).to_have_url(re.compile(r"\?sort=name&dir=asc$"))

    # Asked again, the user agrees: the earlier page, and the value kept nowhere (not in htmx's
    # history cache either).
    dialogs.accept = True
    page.go_back()
    dialogs.wait_for(["confirm", "confirm"])
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert value not in page.content()
    stored = page.evaluate("JSON.stringify([sessionStorage, localStorage])")
    assert "htmx-history-cache" in stored
    assert value not in stored


@pytest.mark.parametrize("how", ["reload", "back"])
def test_leaving_the_dialog_warns_until_copied(page, admin_user, how):
    log_in(page, admin_user.email)
    created = generate(page)
    value = created.get_by_label("API secret").input_value()
    dialogs = Dialogs(page)
    leave = page.reload if how == "reload" else page.go_back

    with pytest.raises(PlaywrightTimeoutError):  # the user stayed: the navigation never happened
        leave(timeout=2_000)
    dialogs.wait_for(["beforeunload"])
    expect(created.get_by_label("API secret")).to_have_value(value)

    created.get_by_role("button", name="Copy", exact=True).click()
    expect(created.get_by_role("button", name="Copied")).to_be_visible()
    leave()
    assert dialogs.seen == ["beforeunload"]  # no second question
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_i_have_saved_it_confirms_too(page, admin_user):
    log_in(page, admin_user.email)
    created = generate(page)
    dialogs = Dialogs(page)
    created.get_by_label("I have saved the secret").check()
    page.reload()
    assert dialogs.seen == []
    expect(page.get_by_role("heading", level=1, name="API Access")).to_be_visible()


def test_roll_shows_the_value_selected_and_guarded_and_a_resent_form_shows_it_once_more(
    page, admin_user, tenant
):
    make_api_secrets(tenant, ["s0"], actor=Actor.for_user(admin_user))
    log_in(page, admin_user.email)
    roll(page, "s0")
    value_box = page.get_by_label("API secret", exact=True)
    value = value_box.input_value()
    new = ApiSecret.objects.get(hashed_value=hash_api_secret(value))
    expect(value_box).to_be_focused()
    assert page.evaluate("window.getSelection().toString()") == value

    # Every way off the page asks: a link, Back, Close (in the page).
    dialogs = Dialogs(page)
    with pytest.raises(PlaywrightTimeoutError):  # the user stayed: the navigation never happened
        page.get_by_role("link", name="Audit trail").click()
        page.wait_for_url(re.compile(r"/audit-trail/"), timeout=2_000)
    dialogs.wait_for(["beforeunload"])
    with pytest.raises(PlaywrightTimeoutError):
        page.go_back(timeout=2_000)
    dialogs.wait_for(["beforeunload", "beforeunload"])
    expect(value_box).to_have_value(value)
    page.wait_for_timeout(1_100)  # past the moment Close ignores clicks
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    page.get_by_role("button", name="Back to the secret").click()
    expect(value_box).to_be_focused()

    # The form sent again (reload resends the POST): the same value, not "already rolled".
    dialogs.accept = True
    page.reload()
    expect(page.get_by_role("heading", level=1, name="API secret created")).to_be_visible()
    expect(page.get_by_label("API secret", exact=True)).to_have_value(value)
    assert ApiSecret.objects.filter(name="s0").count() == 2
    assert ApiSecret.objects.get(pk=new.pk).hashed_value == hash_api_secret(value)

    # A third time: gone for good, said plainly.
    page.reload()
    expect(page.get_by_text("This form was already sent")).to_be_visible()
    assert value not in page.content()
    assert ApiSecret.objects.filter(name="s0").count() == 2


def test_close_anyway_leaves_the_roll_page_without_the_browser_asking(page, admin_user, tenant):
    make_api_secrets(tenant, ["s0"], actor=Actor.for_user(admin_user))
    log_in(page, admin_user.email)
    roll(page, "s0")
    dialogs = Dialogs(page)
    page.wait_for_timeout(1_100)
    page.get_by_role("button", name="Close", exact=True).click()
    page.get_by_role("button", name="Close anyway").click()
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    assert dialogs.seen == []


@pytest.mark.parametrize("field", ["API secret", "Try it: list your call groups"])
def test_copying_with_ctrl_c_counts_as_copied(page, admin_user, field):
    log_in(page, admin_user.email)
    created = generate(page)
    box = created.get_by_label(field, exact=True)
    box.focus()
    box.select_text()
    page.keyboard.press("Control+C")
    expect(box.locator("xpath=../..").get_by_text("Copied to the clipboard.")).to_be_visible()
    page.wait_for_timeout(1_100)
    created.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text(QUESTION)).to_have_count(0)


def test_copying_part_of_the_value_is_not_copying_it(page, admin_user):
    log_in(page, admin_user.email)
    created = generate(page)
    box = created.get_by_label("API secret", exact=True)
    box.focus()
    page.evaluate("document.getElementById('new-secret-value').setSelectionRange(0, 8)")
    page.keyboard.press("Control+C")
    page.wait_for_timeout(1_100)
    created.get_by_role("button", name="Close", exact=True).click()
    expect(created.get_by_text(QUESTION)).to_be_visible()


def test_the_curl_line_holds_the_new_secret_and_its_copy_counts(page, admin_user, live_server):
    log_in(page, admin_user.email)
    created = generate(page)
    value = created.get_by_label("API secret", exact=True).input_value()
    curl = f'curl -H "Authorization: Bearer {value}" {live_server.url}/api/v1/call-groups'
    expect(created.get_by_label("Try it: list your call groups")).to_have_value(curl)
    created.get_by_role("button", name="Copy the curl command").click()
    expect(created.get_by_role("button", name="Copied the curl command")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == curl
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    # The line works as it is: the customer API answers it.
    response = page.request.get(
        f"{live_server.url}/api/v1/call-groups", headers={"Authorization": f"Bearer {value}"}
    )
    assert response.status == 200


@pytest.mark.parametrize("where", ["dialog", "roll page"])
def test_a_secret_deleted_in_another_tab_stops_being_shown(
    context, page, admin_user, tenant, where
):
    make_api_secrets(tenant, ["s0"], actor=Actor.for_user(admin_user))
    log_in(page, admin_user.email)
    if where == "dialog":
        generate(page, name="Door integration")
        name = "Door integration"
    else:
        roll(page, "s0")
        name = "s0"
    value = page.get_by_label("API secret", exact=True).input_value()
    new = ApiSecret.objects.get(hashed_value=hash_api_secret(value))

    other = context.new_page()
    other.goto("/api-access/")
    other.get_by_role("button", name=f"Delete {name} ({new.prefix}…)").click()
    other.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(other.get_by_text(f"API secret “{name}” deleted.")).to_be_visible()
    assert not ApiSecret.objects.filter(pk=new.pk).exists()

    # Back to the first tab, with real focus events (Playwright otherwise keeps every tab focused).
    for tab in (page, other):
        context.new_cdp_session(tab).send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    other.bring_to_front()
    page.bring_to_front()
    gone = page.get_by_text("This API secret has been deleted")
    expect(gone).to_be_visible()
    assert value not in page.content()
    expect(page.locator("[data-reveal]").get_by_role("button", name="Copy")).to_have_count(0)
    # Nothing is left to lose: leaving asks nothing.
    dialogs = Dialogs(page)
    page.reload()
    assert dialogs.seen == []


def test_without_javascript_a_double_click_on_roll_shows_the_one_successor(
    browser, live_server, admin_user, tenant
):
    make_api_secrets(tenant, ["s0"], actor=Actor.for_user(admin_user))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, admin_user.email)
        page.get_by_role("button", name="Roll s0").click()
        # The browser drops the first answer and shows the second: the same successor, not
        # "already rolled".
        page.get_by_role("button", name="Roll", exact=True).dblclick()
        expect(page.get_by_role("heading", level=1, name="API secret created")).to_be_visible()
        value = page.get_by_label("API secret", exact=True).input_value()
        assert value in page.get_by_label("Try it: list your call groups").input_value()
        assert ApiSecret.objects.filter(name="s0").count() == 2
        assert ApiSecret.objects.filter(hashed_value=hash_api_secret(value)).exists()
    finally:
        context.close()
