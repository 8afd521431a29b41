"""Permissions, Roll and the usage chart in real Chromium (issue 10)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apisecrets.models import ApiSecret, ApiSecretUsage
from apisecrets.services import api_secret_roll, hash_api_secret
from audit.services import Actor
from cybergate.lib import tokens
from tests.browser.conftest import log_in
from tests.browser.portal_tour import axe_violations
from tests.factories import make_api_secret, make_api_secrets

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def row(page, name):
    return page.get_by_role("row").filter(has=page.locator(".secret-name", has_text=name))


def test_create_with_only_read_and_see_it_in_the_table(page, admin_user, shot):
    log_in(page, admin_user.email)
    page.get_by_role("button", name="Create API secret").click()
    dialog = page.get_by_role("dialog", name="Create API secret")
    # Least privilege: nothing is checked until chosen.
    for label in ("read — Read", "availability — Change availability", "door_open — Open doors"):
        expect(dialog.get_by_label(label)).not_to_be_checked()
    dialog.get_by_label("Name").fill("Reader")
    dialog.get_by_label("read — Read").check()
    shot(page, "issue10-01-create-read-only")
    dialog.get_by_role("button", name="Generate").click()
    created = page.get_by_role("dialog", name="API secret created")
    expect(created.get_by_label("API secret")).to_be_visible()
    created.get_by_role("button", name="Close").click()
    badges = row(page, "Reader").locator(".badge-permission")
    expect(badges).to_have_count(1)
    expect(badges).to_have_text("read")
    assert ApiSecret.objects.get().permissions == ["read"]


def test_roll_at_the_limit_shows_the_new_value_once(page, admin_user, tenant, shot):
    actor = Actor.for_user(admin_user)
    make_api_secrets(tenant, [f"s{i}" for i in range(4)], actor=actor)
    log_in(page, admin_user.email)
    expect(page.get_by_text("4 of 4")).to_be_visible()
    row(page, "s0").get_by_role("button", name="Roll s0").click()
    page.get_by_label("Old secret keeps working for").select_option(label="1 hour")
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page.get_by_role("heading", name="API secret created")).to_be_visible()
    value = page.get_by_label("API secret").input_value()
    assert tokens.checksum_ok(value)
    new = ApiSecret.objects.get(hashed_value=hash_api_secret(value))
    assert new.name == "s0"
    shot(page, "issue10-02-rolled")
    # The same guarded reveal as Create: Close leaves at once once the value is copied.
    page.get_by_role("button", name="Copy", exact=True).click()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_text("4 of 4")).to_be_visible()
    expect(page.get_by_text(re.compile(r"replaced by .*, stops working in"))).to_be_visible()
    # Shown once: the page no longer holds the value anywhere.
    assert value not in page.content()


def test_rolling_again_says_the_replaced_secret_stops_now(page, admin_user, tenant, shot):
    actor = Actor.for_user(admin_user)
    first, _ = make_api_secret(tenant, "s0", actor=actor)
    make_api_secrets(tenant, ["s1", "s2", "s3"], actor=actor)
    api_secret_roll(secret=first, actor=actor, overlap="7d")
    log_in(page, admin_user.email)
    expect(page.get_by_text("4 of 4")).to_be_visible()
    page.get_by_role("button", name="Roll s0").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text(f"{first.masked}, stops working now.")
    shot(page, "issue18-04-roll-again-warns")
    page.get_by_role("button", name="Roll", exact=True).click()
    expect(page.get_by_role("heading", name="API secret created")).to_be_visible()
    page.get_by_role("button", name="Copy", exact=True).click()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_text("4 of 4")).to_be_visible()
    first.refresh_from_db()
    assert first.is_expired()
    assert ApiSecret.objects.filter(name="s0", expires_at__gt=timezone.now()).count() == 2


def test_detail_page_chart_has_30_bars(page, admin_user, tenant, shot):
    secret, _ = make_api_secret(tenant, "Charted", actor=Actor.for_user(admin_user))
    today = timezone.now().date()
    for days_ago, count, refused in [(0, 3, 2), (2, 12, 0), (10, 7, 6)]:
        ApiSecretUsage.objects.create(
            secret=secret, day=today - timedelta(days=days_ago), count=count, refused=refused
        )
    log_in(page, admin_user.email)
    page.get_by_role("link", name="Charted").click()
    expect(page.get_by_role("heading", name="API secret “Charted”")).to_be_visible()
    chart = page.get_by_role("group", name="Requests per day, last 30 days")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.usage-bar")
    expect(bars).to_have_count(30)
    heights = [float(bars.nth(i).get_attribute("height")) for i in range(30)]
    assert sum(1 for h in heights if h > 0) == 3
    assert max(heights) == heights[-3] == 120
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 50
    # Refused requests: a second series beside the first, outlined (not colour alone), named
    # in the legend, and in the table of values.
    refused = chart.locator("rect.usage-refused")
    expect(refused).to_have_count(2)
    assert [float(refused.nth(i).get_attribute("height")) for i in range(2)] == [60, 20]
    assert refused.first.get_attribute("stroke") == "currentColor"
    assert refused.first.get_attribute("fill-opacity") == "0.2"
    expect(page.get_by_text("22 requests in total, 8 refused")).to_be_visible()
    expect(page.get_by_text("Refused: expired, outside its permissions")).to_be_visible()
    table = page.get_by_role("table", name="Requests per day")
    expect(table.get_by_role("columnheader", name="Refused")).to_have_count(1)
    expect(table.get_by_role("row", name=f"{today.isoformat()} 3 2")).to_have_count(1)
    assert axe_violations(page) == []
    shot(page, "issue10-03-detail-chart")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_chart_days_are_read_by_keyboard_and_tap_on_a_dated_axis(
    browser, live_server, admin_user, tenant, shot, scheme, width
):
    secret, _ = make_api_secret(tenant, "Charted", actor=Actor.for_user(admin_user))
    today = timezone.now().date()
    for days_ago, count, refused in [(0, 42, 3), (1, 1, 0)]:
        ApiSecretUsage.objects.create(
            secret=secret, day=today - timedelta(days=days_ago), count=count, refused=refused
        )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 860}, color_scheme=scheme
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, admin_user.email)
        page.goto(f"/api-access/{secret.pk}/")
        # A dated x axis and a y scale, visible.
        first = today - timedelta(days=29)
        for day in (first, first + timedelta(days=15), today):
            expect(page.locator(f'.usage-days time[datetime="{day.isoformat()}"]')).to_be_visible()
        expect(page.locator(".usage-scale")).to_have_text("42210")
        # Keyboard: Tab from the summary above the chart reaches the first day, then the next.
        readout = page.locator("[data-usage-readout]")
        days = page.locator(".usage-day")
        days.first.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        expect(days.first).to_be_focused()
        expect(readout).to_have_text(f"{first.isoformat()}: 0 requests, 0 refused")
        for _ in range(29):
            page.keyboard.press("Tab")
        last = page.get_by_role("img", name=f"{today.isoformat()}: 42 requests, 3 refused")
        expect(last).to_be_focused()
        expect(readout).to_have_text(f"{today.isoformat()}: 42 requests, 3 refused")
        expect(readout).to_be_visible()
        assert axe_violations(page) == []
        shot(page, f"issue23-chart-keyboard-{scheme}-{width}")
        # Tap (a click without a keyboard): the day before, though its bar is tiny.
        yesterday = (today - timedelta(days=1)).isoformat()
        page.get_by_role("img", name=f"{yesterday}: 1 request, 0 refused").click(
            position={"x": 2, "y": 5}
        )
        expect(readout).to_have_text(f"{yesterday}: 1 request, 0 refused")
        # The table of values is kept.
        table = page.get_by_role("table", name="Requests per day")
        expect(table.get_by_role("row", name=f"{today.isoformat()} 42 3")).to_have_count(1)
    finally:
        context.close()
