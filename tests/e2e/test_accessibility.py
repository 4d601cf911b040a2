"""Every main page passes axe-core's WCAG 2 A and AA rules (labels, contrast,
landmarks, names), checked in Chromium on the whole document; and the keyboard
reaches the skip link first, with a visible focus ring."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, DEMO_VENDOR_SLUG
from engagements.matching import runs
from engagements.models import Engagement, Requirement

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


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
    requirement = Requirement.objects.filter(client__slug="banca-aurora", status="open").order_by("pk").first()
    run = runs.match_run_create(requirement=requirement)
    runs.match_run_execute(run_id=run.pk, task_id="a11y")
    engagement = Engagement.objects.filter(client__slug="banca-aurora").order_by("pk").first()
    return [
        "/",
        "/vendors/",
        f"/vendors/{DEMO_VENDOR_SLUG}/",
        "/requirements/",
        "/requirements/new/",
        f"/requirements/{requirement.pk}/",
        f"/requirements/{requirement.pk}/runs/{run.pk}/",
        "/engagements/",
        f"/engagements/{engagement.pk}/",
        "/rfps/",
        "/account/tokens/",
        "/help/scoring/",
    ]


def switch_to_italian(page) -> None:
    page.get_by_label("Language").select_option("it")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "it")


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
        switch_to_italian(page)
    assert violations(page) == []


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
def test_the_procurement_manager_pages_are_accessible(page, live_server, manager_pages, italian):
    sign_in(page, live_server, "manager")
    if italian:
        switch_to_italian(page)
    assert check(page, live_server, manager_pages) == {}


@pytest.mark.parametrize("italian", [False, True], ids=["en", "it"])
@pytest.mark.parametrize(
    ("username", "paths"),
    [
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
    ],
)
def test_the_vendors_and_staffs_pages_are_accessible(page, live_server, demo_data, username, paths, italian):
    sign_in(page, live_server, username)
    if italian:
        switch_to_italian(page)
    assert check(page, live_server, paths) == {}


def test_the_keyboard_reaches_the_skip_link_first_with_a_visible_focus_ring(page, live_server, demo_data):
    sign_in(page, live_server, "manager")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
