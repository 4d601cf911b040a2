"""What the page-by-page browser checks visit (accessibility, Content-Security-Policy, phone
layout): how each kind of user signs in, the Italian switch, and the pages of each."""

from __future__ import annotations

from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, DEMO_VENDOR_SLUG
from engagements.matching import runs
from engagements.models import Engagement, Requirement, Rfp
from vendors.models import Vendor

VENDOR_PAGES = [
    "/",
    "/vendors/profile/",
    "/vendors/profile/preview/",
    "/portal/engagements/",
    "/portal/invitations/",
    "/portal/team/",
    "/account/time-zone/",
]
STAFF_PAGES = ["/", "/vendors/exports/", "/account/time-zone/"]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def switch_to_italian(page) -> None:
    page.get_by_label("Language").select_option("it")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "it")


def manager_pages() -> list[str]:
    """The procurement manager's pages on the demo data, a match run made for them."""
    requirement = Requirement.objects.filter(client__slug="banca-aurora", status="open").order_by("pk").first()
    run = runs.match_run_create(requirement=requirement)
    runs.match_run_execute(run_id=run.pk, task_id=f"pages-{run.pk}")
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
        "/account/time-zone/",
        "/help/scoring/",
    ]
    rfp = Rfp.objects.filter(client__slug="banca-aurora").order_by("pk").first()
    if rfp is not None:
        paths.append(f"/rfps/{rfp.pk}/")
    return paths
