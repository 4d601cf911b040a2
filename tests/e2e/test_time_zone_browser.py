"""A manager picks their time zone by typing part of a city in the searchable list, and the
pages then show date-times in it, the zone named (issue 16, item 8)."""

from __future__ import annotations

from playwright.sync_api import expect

from engagements.models import Engagement
from kpo.models import User
from tests.e2e.pages import sign_in


def test_a_manager_types_a_city_picks_its_zone_and_reads_times_in_it(page, live_server, demo_data, screenshot):
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/account/time-zone/")
    # The demo's bank is in Milan: until the manager chooses, the pages follow it.
    expect(page.locator("[data-zone-source]")).to_have_attribute("data-zone-source", "organization")
    expect(page.locator("footer [data-viewer-zone]")).to_have_attribute("data-viewer-zone", "Europe/Rome")

    page.locator(".ts-wrapper.single .ts-control").click()  # the chosen value, as one clicks a select
    box = page.get_by_role("combobox", name="Time zone")
    expect(box).to_be_focused()
    box.press_sequentially("Kolk")
    expect(page.locator(".ts-dropdown .option.active")).to_have_text("Asia/Kolkata")
    box.press("Enter")
    expect(page.locator(".ts-wrapper.single .ts-control .item")).to_have_text("Asia/Kolkata")
    screenshot(page, "time-zone-choice")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Dates and times are now shown in Asia/Kolkata.")
    assert User.objects.get(username="manager").time_zone == "Asia/Kolkata"
    expect(page.locator("footer [data-viewer-zone]")).to_have_attribute("data-viewer-zone", "Asia/Kolkata")

    now = page.locator("main [data-zone-source] time abbr")
    expect(now).to_have_text("IST")
    expect(now).to_have_attribute("title", "Asia/Kolkata, UTC+05:30")

    engagement = Engagement.objects.filter(client__slug="banca-aurora", events__isnull=False).order_by("pk").first()
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    expect(page.locator("main time abbr").first).to_have_text("IST")  # its history, in the manager's zone
    screenshot(page, "time-zone-engagement")
