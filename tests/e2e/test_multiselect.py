"""The site's multiple selects are one accessible widget (Tom Select): a plain click or Enter adds
a choice without losing the others (the hand-made select lost them on a plain click), each
choice is removed by its own button, and the form saves every choice."""

from __future__ import annotations

from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, DEMO_VENDOR_SLUG
from vendors.models import VendorLanguage


def test_the_vendor_adds_languages_with_plain_clicks_and_keeps_each(page, live_server, demo_data, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("vendor")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/vendors/profile/")
    before = set(VendorLanguage.objects.filter(vendor__slug=DEMO_VENDOR_SLUG).values_list("code", flat=True))

    box = page.get_by_role("combobox", name="Working languages")
    box.click()  # the typing box, at the end of the chosen languages
    expect(box).to_be_focused()
    box.press_sequentially("Portug")
    page.locator(".ts-dropdown .option", has_text="Portuguese").click()  # a plain click adds it
    box.fill("")
    box.press_sequentially("Japan")
    expect(page.locator(".ts-dropdown .option.active")).to_have_text("Japanese")
    box.press("Enter")  # so does Enter
    chosen = page.locator(".ts-control .item")
    expect(chosen.filter(has_text="Portuguese")).to_have_count(1)
    expect(chosen.filter(has_text="Japanese")).to_have_count(1)
    expect(chosen).to_have_count(len(before) + 2)  # nothing chosen before was lost
    screenshot(page, "profile-languages")

    with page.expect_navigation():
        page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".messages")).to_contain_text("Profile saved.")
    after = set(VendorLanguage.objects.filter(vendor__slug=DEMO_VENDOR_SLUG).values_list("code", flat=True))
    assert after == before | {"pt", "ja"}

    page.locator(".ts-control .item", has_text="Japanese").locator(".remove").click()  # its own remove button (×)
    with page.expect_navigation():
        page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".ts-control .item", has_text="Japanese")).to_have_count(0)
    assert "ja" not in set(VendorLanguage.objects.filter(vendor__slug=DEMO_VENDOR_SLUG).values_list("code", flat=True))
