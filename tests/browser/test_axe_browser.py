"""axe-core (npm, pinned in tests/browser/package.json) on every portal page and state.

0 violations of the WCAG 2.0/2.1 A and AA rules. The per-page result is written to
test-artifacts/axe.json for the release notes.
"""

from __future__ import annotations

import pytest

from tests.browser.portal_tour import AXE_JS, axe_violations, tour, write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_axe_has_been_installed():
    assert AXE_JS.exists(), "run `npm ci` in tests/browser (make test does)"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_portal_page_and_state_passes_axe_wcag21_aa(
    browser, live_server, tenant, admin_user, scheme
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 860}, color_scheme=scheme
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    results = {}
    without_h1 = []
    try:
        for state in tour(page, tenant=tenant, user=admin_user):
            results[state] = axe_violations(page)
            if page.locator("h1").count() != 1:
                without_h1.append(state)
    finally:
        context.close()
    write_report(f"axe-{scheme}.json", {state: len(found) for state, found in results.items()})
    assert len(results) >= 20
    failing = {state: found for state, found in results.items() if found}
    assert not failing, failing
    assert not without_h1, f"not exactly one h1: {without_h1}"
