"""axe-core on Swagger UI (/api/docs/): collapsed, an operation opened, tried out and executed.

Swagger UI is third-party markup; SWAGGER_UI_SETTINGS, our stylesheet and our script
(static/css/api-docs.css, static/js/api-docs.js) bring it to 0 WCAG 2.2 A/AA violations in both
colour schemes. Not in the portal tour: the reflow test walks that, and Swagger UI's tables are
not built to reflow at 320 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.portal_tour import WCAG_22_AA, axe_violations, write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_swagger_ui_passes_axe_collapsed_expanded_and_tried_out(browser, live_server, scheme):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 860}, color_scheme=scheme
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    results = {}
    try:
        page.goto("/api/docs/")
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "en"
        expect(page.get_by_role("combobox", name="Servers")).to_be_visible()
        # The operation's toggle holds no link (no control inside a control).
        assert page.locator(".opblock-summary-control a[href]").count() == 0
        results["collapsed"] = axe_violations(page, WCAG_22_AA)

        page.locator(".opblock-get .opblock-summary-control").first.click()
        get = page.locator(".opblock-get").first
        expect(get.get_by_role("button", name="Try it out")).to_be_visible()
        results["GET opened"] = axe_violations(page, WCAG_22_AA)
        get.get_by_role("button", name="Try it out").click()
        get.get_by_role("button", name="Execute", exact=True).click()
        expect(get.locator(".live-responses-table")).to_be_visible()
        results["GET executed"] = axe_violations(page, WCAG_22_AA)

        page.locator(".opblock-post .opblock-summary-control").first.click()
        post = page.locator(".opblock-post").first
        post.get_by_role("button", name="Try it out").click()
        expect(post.get_by_role("textbox", name="Request body")).to_be_visible()
        results["POST tried out"] = axe_violations(page, WCAG_22_AA)
    finally:
        context.close()
    write_report(f"axe-swagger-{scheme}.json", {s: len(found) for s, found in results.items()})
    failing = {state: found for state, found in results.items() if found}
    assert not failing, failing
