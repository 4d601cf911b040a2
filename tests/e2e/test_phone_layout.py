"""Every page works on a phone: at 390 x 844 (an iPhone 12-15) no page scrolls sideways. Wide
tables scroll inside their own box, the navigation fits. Checked in Chromium for each kind of
user, in English and Italian (Italian words are longer)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, DEMO_VENDOR_SLUG
from engagements.matching import runs
from engagements.models import Engagement, Requirement, Rfp
from vendors.models import Vendor

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    # Not is_mobile: mobile emulation widens the layout viewport to fit wide content, which would
    # hide the overflow this looks for. A 390 px window lays the page out at 390 px exactly.
    context = browser.new_context(viewport=PHONE, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


# The innermost elements sticking out past the right edge, named by tag and class (to fix them).
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5
    && ![...el.children].some(child => child.getBoundingClientRect().right > window.innerWidth + 0.5)
    && !(el.parentElement && el.parentElement.closest('.table-scroll, .compare-scroll, pre')))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''))"""


def overflowing(page, live_server, paths: list[str]) -> dict[str, str]:
    """Paths whose document is wider than the viewport: the width it needs, and what sticks out."""
    found = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert page.evaluate("window.innerWidth") == PHONE["width"]
        if width > PHONE["width"]:
            found[path] = f"{width} px: {page.evaluate(WIDE_ELEMENTS)}"
    return found


def switch_to_italian(page) -> None:
    page.get_by_label("Language").select_option("it")
    page.get_by_role("button", name="Change").click()


def manager_paths() -> list[str]:
    requirement = Requirement.objects.filter(client__slug="banca-aurora", status="open").order_by("pk").first()
    run = runs.match_run_create(requirement=requirement)
    runs.match_run_execute(run_id=run.pk, task_id="phone")
    engagement = Engagement.objects.filter(client__slug="banca-aurora").order_by("pk").first()
    two = list(Vendor.objects.order_by("pk").values_list("slug", flat=True)[:2])
    paths = [
        "/",
        "/vendors/",
        f"/vendors/{DEMO_VENDOR_SLUG}/",
        f"/vendors/compare/?v={two[0]}&v={two[1]}",
        "/requirements/",
        "/requirements/new/",
        f"/requirements/{requirement.pk}/",
        f"/requirements/{requirement.pk}/runs/{run.pk}/",
        "/rfps/",
        "/engagements/",
        f"/engagements/{engagement.pk}/",
        "/account/tokens/",
        "/help/scoring/",
    ]
    rfp = Rfp.objects.filter(client__slug="banca-aurora").order_by("pk").first()
    if rfp is not None:
        paths.append(f"/rfps/{rfp.pk}/")
    return paths


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_managers_pages_fit_a_phone(phone, live_server, demo_data, italian):
    paths = manager_paths()
    sign_in(phone, live_server, "manager")
    if italian:
        switch_to_italian(phone)
    assert overflowing(phone, live_server, paths) == {}


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_vendors_and_staffs_pages_fit_a_phone(phone, live_server, demo_data, italian):
    for username, paths in (
        (
            "vendor",
            [
                "/",
                "/vendors/profile/",
                "/vendors/profile/preview/",
                "/portal/engagements/",
                "/portal/invitations/",
                "/portal/team/",
            ],
        ),
        ("staff", ["/", "/vendors/exports/"]),
    ):
        phone.context.clear_cookies()
        sign_in(phone, live_server, username)
        if italian:
            switch_to_italian(phone)
        assert overflowing(phone, live_server, paths) == {}, username


def test_the_sign_in_page_fits_a_phone(phone, live_server, demo_data):
    assert overflowing(phone, live_server, ["/accounts/login/"]) == {}
