"""The pages work under the Content-Security-Policy, in Chromium, with the console clean: a
refused inline script, style or eval is a console error, and so is anything a page fails to
load. Visited as each kind of user: the manager's pages (the directory's HTMX search too), the
vendor's portal, staff in the admin, and the API docs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, DEMO_VENDOR_SLUG
from engagements.matching import runs
from engagements.models import Engagement, Requirement
from vendors.models import Vendor


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


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
    requirement = Requirement.objects.filter(client__slug="banca-aurora", status="open").order_by("pk").first()
    run = runs.match_run_create(requirement=requirement)
    runs.match_run_execute(run_id=run.pk, task_id="csp")
    engagement = Engagement.objects.filter(client__slug="banca-aurora").order_by("pk").first()
    two = list(Vendor.objects.order_by("pk").values_list("slug", flat=True)[:2])
    problems = watch(page)
    sign_in(page, live_server, "manager")
    found = visit(
        page,
        live_server,
        [
            "/",
            "/vendors/",
            f"/vendors/{DEMO_VENDOR_SLUG}/",
            f"/vendors/compare/?v={two[0]}&v={two[1]}",
            f"/requirements/{requirement.pk}/",
            f"/requirements/{requirement.pk}/runs/{run.pk}/",
            f"/engagements/{engagement.pk}/",
            "/account/tokens/",
            "/help/scoring/",
            "/api/docs/",
        ],
        problems,
    )
    # The directory's live search swaps the results in with htmx.
    page.goto(f"{live_server.url}/vendors/")
    page.locator("#id_q").fill("Lumen")
    expect(page.locator("#results")).to_contain_text("Lumen")
    # Swagger UI drew the API from the schema.
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .title").first).to_be_visible()
    assert found == {} and problems == []


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("vendor", ["/", "/vendors/profile/", "/vendors/profile/preview/", "/portal/engagements/"]),
        ("staff", ["/", "/admin/", "/admin/vendors/vendor/", "/admin/engagements/engagement/"]),
    ],
)
def test_the_vendors_and_staffs_pages_run_under_the_policy(page, live_server, demo_data, username, paths):
    problems = watch(page)
    sign_in(page, live_server, username)
    if username == "staff":
        vendor = Vendor.objects.get(slug=DEMO_VENDOR_SLUG)
        engagement = Engagement.objects.order_by("pk").first()
        paths = [
            *paths,
            f"/admin/vendors/vendor/{vendor.pk}/change/",
            f"/admin/engagements/engagement/{engagement.pk}/change/",
        ]
    assert visit(page, live_server, paths, problems) == {}
    assert problems == []
