"""Focus and contrast: where focus goes, Escape on the tooltip, the ring, forced colours."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apisecrets.models import MAX_PER_TENANT
from tests.browser.conftest import log_in
from tests.factories import make_api_secrets

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONTRAST = """([a, b]) => {
  const lum = (css) => {
    const [r, g, b] = css.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}"""


def make(tenant, actor, *names):
    make_api_secrets(tenant, names, actor=actor)


def test_focus_stays_on_the_sort_header_after_sorting(page, admin_user, tenant, actor):
    make(tenant, actor, "bravo", "Alpha")
    log_in(page, admin_user.email)
    page.get_by_role("link", name="Name").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(page.get_by_role("link", name="Name")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.get_by_role("link", name="Name")).to_be_focused()


def test_escape_dismisses_the_limit_tooltip(page, admin_user, tenant, actor):
    make(tenant, actor, *[f"s{i}" for i in range(MAX_PER_TENANT)])
    log_in(page, admin_user.email)
    tooltip = page.locator(".tooltip")
    tooltip.focus()
    opacity = "el => getComputedStyle(el, '::after').opacity"
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.tooltip'), '::after').opacity === '1'"
    )
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)  # the fade
    assert tooltip.evaluate(opacity) == "0"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_and_input_borders_have_3_to_1_contrast(
    browser, live_server, admin_user, scheme
):
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
    page = context.new_page()
    try:
        log_in(page, admin_user.email)
        page.get_by_role("button", name="Create API secret").click()
        name = page.get_by_role("dialog").get_by_label("Name")
        surface = page.get_by_role("dialog").evaluate("el => getComputedStyle(el).backgroundColor")
        border = name.evaluate("el => getComputedStyle(el).borderTopColor")
        page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
        ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
        page_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert page.evaluate(CONTRAST, [border, surface]) >= 3
        assert page.evaluate(CONTRAST, [ring, surface]) >= 3
        assert page.evaluate(CONTRAST, [ring, page_bg]) >= 3
    finally:
        context.close()


def test_dialogs_keep_an_edge_in_forced_colours(browser, live_server, admin_user):
    context = browser.new_context(base_url=live_server.url, forced_colors="active")
    page = context.new_page()
    try:
        log_in(page, admin_user.email)
        page.get_by_role("button", name="Create API secret").click()
        dialog = page.get_by_role("dialog", name="Create API secret")
        expect(dialog).to_be_visible()
        assert dialog.evaluate("el => parseFloat(getComputedStyle(el).borderTopWidth)") >= 2
    finally:
        context.close()
