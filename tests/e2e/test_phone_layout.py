"""Every page works on a phone: at 390 x 844 (an iPhone 12-15) no page scrolls sideways. Wide
tables scroll inside their own box, the navigation fits. Checked in Chromium for each kind of
user, in English and Italian (Italian words are longer)."""

from __future__ import annotations

import pytest

from tests.e2e import pages

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


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_managers_pages_fit_a_phone(phone, live_server, demo_data, italian):
    paths = pages.manager_pages()
    pages.sign_in(phone, live_server, "manager")
    if italian:
        pages.switch_to_italian(phone)
    assert overflowing(phone, live_server, paths) == {}


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_vendors_and_staffs_pages_fit_a_phone(phone, live_server, demo_data, italian):
    for username, paths in (("vendor", pages.VENDOR_PAGES), ("staff", pages.STAFF_PAGES)):
        phone.context.clear_cookies()
        pages.sign_in(phone, live_server, username)
        if italian:
            pages.switch_to_italian(phone)
        assert overflowing(phone, live_server, paths) == {}, username


def test_the_sign_in_page_fits_a_phone(phone, live_server, demo_data):
    assert overflowing(phone, live_server, ["/accounts/login/"]) == {}
