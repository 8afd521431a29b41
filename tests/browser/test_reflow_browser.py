"""Reflow (WCAG 1.4.10): no sideways page scroll on a phone and at 200 % and 400 % zoom.

A 640×400 CSS-pixel viewport is what a 1280×800 window shows at 200 % zoom; 320 px wide is
1280 at 400 %. On every portal page and state the page is no wider than the window, and an open
dialog lies wholly inside it.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.portal_tour import tour, write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
  const dialog = document.querySelector("dialog[open]");
  const box = dialog && dialog.getBoundingClientRect();
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    dialogInside: !box || (box.left >= 0 && box.top >= 0 &&
      box.right <= window.innerWidth && box.bottom <= window.innerHeight),
  };
}"""


@pytest.mark.parametrize(
    ("width", "height"), [(390, 844), (640, 400), (320, 640)], ids=["phone", "zoom200", "zoom400"]
)
def test_no_sideways_scroll_and_dialogs_fit(
    browser, live_server, tenant, admin_user, width, height
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    results = {}
    try:
        for state in tour(page, tenant=tenant, user=admin_user):
            results[state] = page.evaluate(MEASURE)
            if results[state]["scrollWidth"] > width:
                ARTIFACTS.mkdir(exist_ok=True)
                name = f"reflow-{width}-{state.replace(' ', '-').replace(',', '')}.png"
                page.screenshot(path=str(ARTIFACTS / name))
    finally:
        context.close()
    write_report(f"reflow-{width}x{height}.json", results)
    too_wide = {s: r["scrollWidth"] for s, r in results.items() if r["scrollWidth"] > width}
    clipped = [s for s, r in results.items() if not r["dialogInside"]]
    assert not too_wide, too_wide
    assert not clipped, clipped
