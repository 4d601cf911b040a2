"""The pages work under the Content-Security-Policy, in Chromium, with the console clean: a
refused inline script, style or eval is a console error, and so is anything a page fails to
load. Visited as each kind of user: the manager's pages (the directory's HTMX search too), the
vendor's portal, staff in the admin, and the API docs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_VENDOR_SLUG
from engagements.models import Engagement
from tests.e2e import pages
from vendors.models import Vendor


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def visit(page, live_server, paths: list[str], problems: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        before = len(problems)
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if len(problems) > before:
            found[path] = problems[before:]
    return found


def test_the_managers_pages_run_under_the_policy(page, live_server, demo_data):
    paths = [*pages.manager_pages(), "/api/docs/"]
    problems = watch(page)
    pages.sign_in(page, live_server, "manager")
    found = visit(page, live_server, paths, problems)
    # The directory's live search swaps the results in with htmx.
    page.goto(f"{live_server.url}/vendors/")
    page.locator("#id_q").fill("Lumen")
    expect(page.locator("#results")).to_contain_text("Lumen")
    # Swagger UI drew the API from the schema.
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .title").first).to_be_visible()
    assert found == {} and problems == []


@pytest.mark.parametrize(("username", "paths"), [("vendor", pages.VENDOR_PAGES), ("staff", pages.STAFF_PAGES)])
def test_the_vendors_and_staffs_pages_run_under_the_policy(page, live_server, demo_data, username, paths):
    problems = watch(page)
    pages.sign_in(page, live_server, username)
    if username == "staff":  # and the admin
        vendor = Vendor.objects.get(slug=DEMO_VENDOR_SLUG)
        engagement = Engagement.objects.order_by("pk").first()
        paths = [
            *paths,
            "/admin/",
            "/admin/vendors/vendor/",
            "/admin/engagements/engagement/",
            f"/admin/vendors/vendor/{vendor.pk}/change/",
            f"/admin/engagements/engagement/{engagement.pk}/change/",
        ]
    assert visit(page, live_server, paths, problems) == {}
    assert problems == []
