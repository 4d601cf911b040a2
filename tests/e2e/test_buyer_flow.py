"""The procurement manager's whole journey in the browser: write a requirement
with the skills formset, run matching on the real worker and watch it finish,
read the shortlist and its chart, ask "why not this vendor?", propose an
engagement, complete it once the vendor has accepted, and review the vendor."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from engagements.delivery import services as delivery_services
from engagements.demo import DEMO_PASSWORD
from engagements.models import Engagement, MatchRun, Requirement
from vendors.models import Vendor

RUN_DEADLINE_MS = 60_000  # a deadline for the wait, not a timed assertion


@pytest.fixture
def signed_in(page, live_server, demo_data):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Banca Aurora S.p.A.")
    return page


def test_a_manager_writes_a_requirement_runs_matching_hires_and_reviews_a_vendor(
    signed_in, live_server, celery_worker, screenshot
):
    page = signed_in
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # -- the requirement form ------------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requirements").click()
    page.get_by_role("link", name="New requirement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New requirement")
    page.get_by_label("Title").fill("Branch analytics dashboards")
    page.get_by_label("Domain", exact=True).select_option(label="Data analytics")
    expect(page.get_by_role("radio", name=re.compile("^Balanced"))).to_be_checked()  # the domain's default
    page.get_by_label("Domain", exact=True).select_option(label="Legal services")
    expect(page.get_by_role("radio", name=re.compile("^Quality and cost 80.20"))).to_be_checked()
    page.get_by_label("Domain", exact=True).select_option(label="Data analytics")

    rows = page.locator("[data-formset-row]")
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_label("Skill").fill("SQL & data warehousing")
    rows.nth(0).get_by_label("Minimum level").select_option("2")
    page.get_by_role("button", name="Add a skill").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("Skill")).to_be_focused()
    rows.nth(1).get_by_label("Skill").fill("BI dashboards (Power BI, Tableau)")
    rows.nth(1).get_by_label("Weight").fill("2")
    page.get_by_role("button", name="Add a skill").click()
    rows.nth(2).get_by_label("Skill").fill("Machine learning")
    rows.nth(2).get_by_role("button", name="Remove").click()
    expect(rows.nth(2)).to_be_hidden()

    page.get_by_label("Hourly budget").fill("50")
    expect(page.get_by_label("Currency")).to_have_value("EUR")  # the organization's currency
    page.get_by_label("Estimated hours").fill("500")
    page.get_by_label("FTE needed").fill("1")
    page.get_by_label("Start date").fill("2026-12-07")
    screenshot(page, "requirement-form")
    page.get_by_role("button", name="Create requirement").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Branch analytics dashboards")
    requirement = Requirement.objects.get(title="Branch analytics dashboards")
    assert set(requirement.requirement_skills.values_list("skill__code", flat=True)) == {"sql", "bi-dashboards"}
    assert requirement.selection_method == "balanced"

    # -- matching on the real worker ---------------------------------------------------------
    page.get_by_role("button", name="Run matching").click()
    expect(page).to_have_url(re.compile(r"/requirements/\d+/runs/\d+/$"))
    progress = page.locator("#run-panel progress")
    if progress.count():  # the worker may already have finished
        screenshot(page, "match-progress")
    shortlist = page.get_by_role("heading", name=re.compile(r"^Shortlist: \d+ vendors?$"))
    expect(shortlist).to_be_visible(timeout=RUN_DEADLINE_MS)
    run = MatchRun.objects.get(requirement=requirement)
    assert run.status == "succeeded", run.error
    results = list(run.results.select_related("vendor").order_by("rank"))
    assert len(results) >= 2, run.summary

    entries = page.locator("li.result")
    expect(entries).to_have_count(len(results))
    first = entries.nth(0)
    expect(first.get_by_role("heading", level=3)).to_have_text(results[0].vendor.name)
    expect(first.locator(".bar-row")).to_have_count(5)
    expect(first).to_contain_text("Estimated cost")
    expect(page.get_by_role("link", name="How scores work").first).to_be_visible()
    chart = page.locator("canvas#pareto-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-drawn", "1")  # Chart.js drew it
    expect(page.get_by_text(re.compile("^Pareto front:"))).to_be_visible()

    # -- why not this vendor? --------------------------------------------------------------------
    listed = {result.vendor_id for result in results}
    absent = Vendor.objects.filter(is_active=True).exclude(pk__in=listed).order_by("name").first()
    page.get_by_label("Vendor name").fill(absent.name)
    page.get_by_role("button", name="Explain").click()
    answer = page.locator("#why-not-answer")
    expect(answer).to_contain_text(re.compile("was left out:|below the shortlist"))
    expect(answer).to_contain_text(absent.name)
    page.get_by_label("Vendor name").fill(results[0].vendor.name)
    page.get_by_role("button", name="Explain").click()
    expect(answer).to_contain_text("is on the shortlist: ranked #1")
    screenshot(page, "match-results")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(first.get_by_role("link", name=re.compile("^Propose engagement"))).to_be_visible()
    screenshot(page, "match-results-mobile")
    page.set_viewport_size({"width": 1280, "height": 800})

    # -- propose, then the vendor accepts --------------------------------------------------------------
    first.get_by_role("link", name=re.compile("^Propose engagement")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Propose an engagement to")
    expected_rate = Decimal(str(results[0].explanation["hourly_rate"])).quantize(Decimal("0.01"))
    expect(page.get_by_label("Agreed hourly rate")).to_have_value(str(expected_rate))
    page.get_by_role("button", name="Send proposal").click()
    expect(page.locator(".page-head .badge")).to_have_text("Proposed")
    engagement = Engagement.objects.get(requirement=requirement)
    assert engagement.match_result == results[0]

    # Vendors' pages come later: the service plays the vendor accepting (no actor: a trusted caller).
    delivery_services.engagement_transition(engagement=engagement, action="accept", actor=None)
    page.reload()
    expect(page.locator(".page-head .badge")).to_have_text("Active")

    page.get_by_label("Milestone", exact=True).fill("First dashboard release")
    page.get_by_label("Due", exact=True).fill("2026-12-20")
    page.get_by_role("button", name="Add milestone").click()
    expect(page.locator("#milestones")).to_contain_text("First dashboard release")
    page.get_by_role("button", name=re.compile("^Mark delivered")).click()
    expect(page.locator("#milestones .badge")).to_have_text("Delivered")
    expect(page.locator("#milestones")).to_contain_text("Waiting for the vendor to confirm")  # the other side confirms

    page.get_by_label("New FTE").fill("2")
    page.get_by_label("Reason").fill("Second branch network joins")
    page.get_by_role("button", name="Change FTE").click()
    expect(page.locator(".timeline")).to_contain_text("FTE 1.0 → 2.0")

    # -- complete and review ---------------------------------------------------------------------------
    vendor = results[0].vendor
    vendor.refresh_from_db()
    before = (vendor.rating, vendor.review_count)
    stars = "4" if vendor.rating == Decimal("5.00") else "5"  # any rating that moves the mean
    page.get_by_role("button", name="Complete engagement").click()
    expect(page.locator(".page-head .badge")).to_have_text("Completed")
    page.get_by_label(f"{stars} ★").check()
    page.get_by_label("Comment").fill("Clear dashboards, on time.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("heading", name="Your review")).to_be_visible()
    vendor.refresh_from_db()
    assert vendor.review_count == before[1] + 1
    assert vendor.rating != before[0]
    expect(page.locator(".timeline")).to_contain_text("Active → Completed")
    screenshot(page, "engagement-detail")

    # -- the dashboard ----------------------------------------------------------------------------------
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Banca Aurora S.p.A.")
    expect(page.locator("canvas#spend-chart")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Spend and realised savings by vendor country"))).to_be_visible()
    savings = page.locator("[data-savings]")
    expect(savings.get_by_role("heading", name=re.compile("Savings against the onshore benchmark"))).to_be_visible()
    expect(savings.get_by_role("table", name="By domain")).to_be_visible()
    expect(savings.get_by_role("table", name="By quarter")).to_be_visible()
    recent = page.locator("section.card").filter(has=page.get_by_role("heading", name="Recent match runs"))
    expect(recent.get_by_role("link", name="Branch analytics dashboards")).to_be_visible()
    screenshot(page, "dashboard-manager")
    assert not errors, errors
