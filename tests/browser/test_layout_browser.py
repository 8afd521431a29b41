"""Layout on the API Access and secret pages, measured in real Chromium at 390 px (a phone) and
1280 px: where badges, checkboxes, messages, the chart and the page-wide actions actually land."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import make_api_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 1280]


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_badges_and_expiry_date_sit_in_the_value_column(page, tenant, admin_user, width, shot):
    make_api_secret(tenant, "Door integration", permissions=["read", "availability", "door_open"])
    page.set_viewport_size({"width": width, "height": 860})
    log_in(page, admin_user.email)
    row = page.get_by_role("row").filter(has_text="Door integration")
    permissions = row.locator("td.cell-permissions")
    badges = permissions.locator(".badge-permission")
    expect(badges).to_have_count(3)
    shot(page, f"layout-api-access-{width}")
    first = box(badges.first)
    expiration = row.locator("td[data-label='Expiration']")
    if width == 390:
        expiry_time = box(expiration.locator("time"))
        expiry_date = box(expiration.locator(".expiry-date"))
        # A card: the label column on the left, every value right of it.
        label_end = box(row.locator("td[data-label='Name']"))["x"] + 7 * 15  # 7rem of 15 px
        for index in range(3):
            assert box(badges.nth(index))["x"] >= label_end, (
                f"badge {index + 1} in the label column"
            )
        assert expiry_time["x"] >= label_end
        assert expiry_date["x"] >= label_end, "the expiry date sits in the label column"
    else:
        cell = box(permissions)
        for index in range(3):
            badge = box(badges.nth(index))
            assert cell["x"] <= badge["x"] <= cell["x"] + cell["width"]
    for index in range(1, 3):
        # Each badge after the first starts at or right of its predecessor, or on a new line
        # in the same column: never left of the first one.
        assert box(badges.nth(index))["x"] >= first["x"]


@pytest.mark.parametrize("width", WIDTHS)
def test_permission_checkboxes_sit_by_their_labels(page, admin_user, width):
    page.set_viewport_size({"width": width, "height": 860})
    log_in(page, admin_user.email)
    page.get_by_role("button", name="Create API secret").click()
    dialog = page.get_by_role("dialog", name="Create API secret")
    checkboxes = dialog.get_by_role("checkbox")
    expect(checkboxes.first).to_be_visible()
    assert checkboxes.count() >= 3
    for index in range(checkboxes.count()):
        checkbox = checkboxes.nth(index)
        label = checkbox.locator("xpath=ancestor::label[1]")
        text_x = label.evaluate(
            """label => {
                const range = document.createRange();
                const text = [...label.childNodes]
                    .find(n => n.nodeType === 3 && n.textContent.trim());
                range.selectNodeContents(text);
                return range.getBoundingClientRect().x;
            }"""
        )
        mark = box(checkbox)
        gap = text_x - (mark["x"] + mark["width"])
        # The box is the square drawn (a wide box draws its square in the middle, far away).
        assert mark["width"] <= 24, f"checkbox {index + 1} is {mark['width']:.0f} px wide"
        assert 0 <= gap < 16, f"checkbox {index + 1} is {gap:.0f} px from its label"


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_message_sits_above_the_secrets_panel(page, admin_user, width):
    page.set_viewport_size({"width": width, "height": 860})
    log_in(page, admin_user.email)
    message = page.get_by_text("Successfully signed in")
    expect(message).to_be_visible()
    assert message.evaluate("m => m.closest('.panel, #secrets-table') === null")
    panel = box(page.locator("#secrets-table"))
    assert box(message)["y"] + box(message)["height"] <= panel["y"]
    # One message, not one on the page and one in the panel.
    expect(page.get_by_text("Successfully signed in")).to_have_count(1)


def test_a_message_after_an_htmx_delete_shows_page_level_once(page, tenant, admin_user):
    make_api_secret(tenant, "Door integration")
    make_api_secret(tenant, "Spare")
    log_in(page, admin_user.email)
    page.get_by_role("button", name="Delete Spare").click()
    page.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    message = page.get_by_text("deleted. It no longer works.")
    expect(message).to_be_visible()
    expect(message).to_have_count(1)
    assert message.evaluate("m => m.closest('.panel, #secrets-table') === null")
    # Announced: it was put into the live region that was already on the page.
    assert message.evaluate("m => m.closest('[role=status]') !== null")
    expect(page.get_by_text("Successfully signed in")).to_have_count(0)
    # A second delete replaces the message rather than adding to it.
    page.get_by_role("button", name="Delete Door integration").click()
    page.get_by_role("dialog", name="Delete API secret?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.get_by_text("“Door integration” deleted")).to_be_visible()
    expect(page.get_by_text("deleted. It no longer works.")).to_have_count(1)


@pytest.mark.parametrize("width", WIDTHS)
def test_secret_page_spacing_and_its_own_manage_section(page, tenant, admin_user, width, shot):
    secret, _ = make_api_secret(tenant, "Door integration")
    page.set_viewport_size({"width": width, "height": 860})
    log_in(page, admin_user.email)
    page.goto(f"/api-access/{secret.id}/")

    shot(page, f"layout-secret-page-{width}")
    chart_end = box(page.locator(".chart-legend"))
    next_heading = box(page.get_by_role("heading", name="Name and permissions"))
    assert next_heading["y"] - (chart_end["y"] + chart_end["height"]) >= 24

    manage = page.get_by_role("region", name="Manage this secret")
    expect(manage).to_be_visible()
    addresses = page.locator("form").filter(has=page.get_by_role("button", name="Save addresses"))
    for name in ("Roll", "Disable", "Delete"):
        button = manage.get_by_role("button", name=name, exact=True)
        expect(button).to_be_visible()
        assert button.evaluate(
            "b => !b.closest('form').contains(document.querySelector('#id_allowed_addresses'))"
        )
        expect(addresses.get_by_role("button", name=name, exact=True)).to_have_count(0)
    form_end = box(addresses)
    section = box(manage)
    assert section["y"] - (form_end["y"] + form_end["height"]) >= 24
    # Visibly apart: a rule above the section, not only white space.
    border = manage.evaluate("s => parseFloat(getComputedStyle(s).borderTopWidth)")
    assert border >= 1
