"""The procurement manager's vendor directory in the browser: search and filters
update the list in place (HTMX) with a shareable URL and a working back button,
then a vendor's page, then two vendors compared side by side."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_VENDOR_SLUG
from tests.e2e import pages

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def accessibility_violations(page) -> list[str]:
    """WCAG 2 A/AA problems axe-core finds in the page's main content."""
    page.evaluate(AXE.read_text())  # not a <script>: the Content-Security-Policy refuses inline ones
    result = page.evaluate(
        "async () => await axe.run('#main', {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


@pytest.fixture
def rate_change(demo_data):
    """A recorded profile change, so the vendor page has history to show."""
    from vendors.models import RateCard

    rate = RateCard.objects.get(vendor__slug=DEMO_VENDOR_SLUG, seniority="senior")
    # The demo rows are bulk-inserted without history: the first save records the
    # rate as it is, the second the change from it.
    for _ in range(2):
        rate.hourly_rate = rate.hourly_rate + Decimal("1.50")
        rate.save()
    return rate


def test_a_manager_searches_filters_opens_a_vendor_and_compares_two(
    page, live_server, demo_data, rate_change, screenshot
):
    pages.sign_in(page, live_server, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vendors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vendor directory")
    summary = page.locator("#results-summary")
    expect(summary).to_contain_text(re.compile(r"\d+ vendors"))
    assert accessibility_violations(page) == []
    # Marks this document: a full page load would lose it.
    page.evaluate("window.__sameDocument = true")

    # Typing searches as you go: the list and the URL change, the page does not reload.
    page.get_by_label("Search", exact=True).fill("analytics")
    expect(page).to_have_url(re.compile(r"/vendors/\?.*q=analytics"))
    expect(summary).to_contain_text("matching “analytics”")
    searched = summary.inner_text()

    page.get_by_label("Domain", exact=True).select_option("data_analytics")
    expect(page).to_have_url(re.compile(r"domain=data_analytics"))
    assert "skill=" not in page.url  # unset filters stay out of the shareable URL
    expect(summary).not_to_have_text(searched)
    by_domain = summary.inner_text()

    page.get_by_label("Location", exact=True).select_option("offshore")
    expect(page).to_have_url(re.compile(r"location=offshore"))
    expect(summary).not_to_have_text(by_domain)
    rows = page.locator(".vendor-row")
    expect(rows.first).to_be_visible()
    for index in range(rows.count()):
        expect(rows.nth(index).locator(".badge-offshore")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "directory")

    # Back restores the previous list and the form, still without a reload.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"location=offshore"))
    expect(page).to_have_url(re.compile(r"domain=data_analytics"))
    expect(summary).to_have_text(by_domain)
    expect(page.get_by_label("Location", exact=True)).to_have_value("")
    expect(page.get_by_label("Domain", exact=True)).to_have_value("data_analytics")
    expect(page.get_by_label("Search", exact=True)).to_have_value("analytics")
    assert page.evaluate("window.__sameDocument") is True

    # The URL is shareable: opened afresh it shows the same list.
    page.goto(page.url)
    expect(summary).to_have_text(by_domain)

    # A vendor's page.
    page.goto(f"{live_server.url}/vendors/?q=lumen")
    page.get_by_role("link", name="Lumen Insight Partners").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lumen Insight Partners")
    expect(page.get_by_role("heading", name="Rate card")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Senior rate changed from [\d.]+ to [\d.]+ USD")).first).to_be_visible()
    expect(page.locator(".badge-nearshore").first).to_be_visible()  # Kraków, for an Italian client
    assert accessibility_violations(page) == []
    screenshot(page, "vendor-page")

    # Pick two vendors in the directory and compare them.
    page.goto(f"{live_server.url}/vendors/?domain=finance")
    compare_button = page.get_by_role("button", name="Compare selected")
    expect(compare_button).to_be_disabled()
    page.get_by_label("Compare Lumen Insight Partners").check()
    expect(compare_button).to_be_disabled()
    page.get_by_label("Compare Sapphire FinServ LLP").check()
    expect(compare_button).to_be_enabled()
    expect(page.locator("#compare-count")).to_contain_text("2 selected")
    compare_button.click()

    expect(page).to_have_url(re.compile(r"/vendors/compare/\?v=lumen-insight-partners&v=sapphire-finserv-llp"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare vendors")
    headers = page.locator("thead th.vendor-col")
    expect(headers).to_have_count(2)
    expect(headers.nth(0)).to_contain_text("Lumen Insight Partners")
    expect(headers.nth(1)).to_contain_text("Sapphire FinServ LLP")
    expect(page.get_by_role("rowheader", name="Senior")).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "compare")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    page.emulate_media(media="screen")


def test_the_selection_survives_a_filter_change(page, live_server, demo_data):
    pages.sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/vendors/?q=lumen")
    page.get_by_label("Compare Lumen Insight Partners").check()
    page.get_by_label("Search", exact=True).fill("sapphire")
    expect(page.locator("#results-summary")).to_contain_text("matching “sapphire”")
    page.get_by_label("Compare Sapphire FinServ LLP").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page.locator("thead th.vendor-col")).to_have_count(2)


def test_the_directory_fits_a_phone(page, live_server, demo_data, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    pages.sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/vendors/")
    expect(page.locator("#results-summary")).to_contain_text(re.compile(r"\d+ vendors"))
    # The filters fold away on a phone, one tap from the list.
    expect(page.get_by_label("Domain", exact=True)).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("Domain", exact=True)).to_be_visible()
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Search", exact=True).fill("lumen or sapphire")
    expect(page.locator("#results-summary")).to_contain_text("2 vendors matching")
    main_width = page.evaluate("document.querySelector('#main').scrollWidth")
    assert main_width <= 390
    screenshot(page, "directory-mobile")
