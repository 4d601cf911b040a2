"""Every main page passes axe-core's WCAG 2 A and AA rules (labels, contrast,
landmarks, names), checked in Chromium on the whole document; and the keyboard
reaches the skip link first, with a visible focus ring."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import pages

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, not added as a <script>: the site's
    # Content-Security-Policy refuses inline scripts, and the pages are checked under it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


@pytest.fixture
def manager_pages(demo_data):
    return pages.manager_pages()


def check(page, live_server, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        problems = violations(page)
        if problems:
            found[path] = problems
    return found


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_sign_in_page_is_accessible(page, live_server, demo_data, italian):
    page.goto(f"{live_server.url}/accounts/login/")
    if italian:
        pages.switch_to_italian(page)
    assert violations(page) == []


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_procurement_manager_pages_are_accessible(page, live_server, manager_pages, italian):
    pages.sign_in(page, live_server, "manager")
    if italian:
        pages.switch_to_italian(page)
    assert check(page, live_server, manager_pages) == {}


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
@pytest.mark.parametrize(
    ("username", "paths"),
    [("vendor", pages.VENDOR_PAGES), ("staff", pages.STAFF_PAGES)],
)
def test_the_vendors_and_staffs_pages_are_accessible(page, live_server, demo_data, username, paths, italian):
    pages.sign_in(page, live_server, username)
    if italian:
        pages.switch_to_italian(page)
    assert check(page, live_server, paths) == {}


def test_the_keyboard_reaches_the_skip_link_first_with_a_visible_focus_ring(page, live_server, demo_data):
    pages.sign_in(page, live_server, "manager")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
