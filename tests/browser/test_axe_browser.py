"""axe-core (npm, pinned in tests/browser/package.json) on every portal page and state.

0 violations of the WCAG 2.0/2.1 A and AA rules. The per-page result is written to
test-artifacts/axe.json for the release notes.
"""

from __future__ import annotations

import pytest

from tests.browser.portal_tour import AXE_JS, axe_violations, tour, write_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_axe_has_been_installed():
    assert AXE_JS.exists(), "run `npm ci` in tests/browser (make test does)"


def test_every_portal_page_and_state_passes_axe_wcag21_aa(page, tenant, admin_user):
    results = {}
    for state in tour(page, tenant=tenant, user=admin_user):
        results[state] = axe_violations(page)
    write_report("axe.json", {state: len(found) for state, found in results.items()})
    assert len(results) >= 20
    failing = {state: found for state, found in results.items() if found}
    assert not failing, failing
