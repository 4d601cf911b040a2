"""A request for proposal end to end in the browser: a buyer invites three
vendors from a finished shortlist, two of them propose (each in its own
browser session), the third does not answer; the bids stay sealed until the
deadline; the buyer then compares the proposals side by side, scores one on
every criterion and awards it; every invitee reads its own outcome and never
another invitee's name."""

from __future__ import annotations

import re
import zoneinfo
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD
from engagements.matching import runs
from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementStatus,
    InvitationOutcome,
    InvitationStatus,
    MatchRun,
    Membership,
    ProposalStatus,
    Requirement,
    RequirementSkill,
    Rfp,
    Role,
)
from tests.e2e.test_accessibility import violations
from vendors.models import ExpertiseArea, Skill

BIDDER_PASSWORD = "bidder-pass-2026!"  # noqa: S105 - a test user's password
TITLE = "IFRS 9 close support 2027"
QUESTION = "Who leads the team, and how many years has that person led IFRS 9 work?"
ROME = zoneinfo.ZoneInfo("Europe/Rome")  # Banca Aurora's time zone


@pytest.fixture
def shortlist(demo_data):
    """A requirement of Banca Aurora, a run scored for real in this thread, and a member
    user (known password) for each of the three vendors the buyer will invite: ranks 1, 2 and 4."""
    manager = get_user_model().objects.get(username="manager")
    # A loose data-analytics need: a dozen of the demo's thirty vendors qualify.
    requirement = Requirement.objects.create(
        client=ClientOrganization.objects.get(slug="banca-aurora"),
        title="Branch cash-demand forecasting",
        domain=ExpertiseArea.objects.get(code="data_analytics"),
        budget_hourly_rate=Decimal("80"),
        currency="EUR",
        estimated_hours=400,
        fte_needed=Decimal("1"),
        start_date=timezone.localdate() + timedelta(days=45),
    )
    RequirementSkill.objects.create(
        requirement=requirement, skill=Skill.objects.get(code="forecasting"), min_proficiency=2
    )
    run = MatchRun.objects.create(requirement=requirement, requested_by=manager)
    assert runs.match_run_execute(run_id=run.pk, task_id=f"e2e-rfp-{run.pk}") == "succeeded"
    results = list(run.results.filter(vendor__is_active=True).select_related("vendor").order_by("rank"))
    assert len(results) >= 4, run.summary
    invited = [results[0].vendor, results[1].vendor, results[3].vendor]
    users = []
    for index, vendor in enumerate(invited, start=1):
        user = get_user_model().objects.create_user(
            username=f"bidder{index}",
            password=BIDDER_PASSWORD,
            email=f"bidder{index}@example.com",
            first_name=f"Bidder{index}",
            last_name="Member",
        )
        Membership.objects.create(user=user, vendor=vendor, role=Role.ADMIN)
        users.append(user)
    return {"requirement": requirement, "run": run, "results": results, "invited": invited, "users": users}


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@contextmanager
def session(browser, live_server, username: str, password: str = BIDDER_PASSWORD):
    """A page in a browser context of its own (its own cookies), signed in as `username`."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, live_server, username, password)
        yield page
        assert not errors, errors
    finally:
        context.close()


def open_invitation(page, *, section: str) -> None:
    """From the nav: Invitations, then the RFP in the `section` ("Open" or "Past") table."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations to propose")
    table = page.locator("section.card").filter(has=page.get_by_role("heading", name=section, exact=True))
    table.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def assert_only_its_own_name(page, invited, own) -> None:
    body = page.locator("body")
    expect(body).to_contain_text(own.name)  # the account menu names the firm
    for vendor in invited:
        if vendor != own:
            expect(body).not_to_contain_text(vendor.name)


def test_a_buyer_invites_three_vendors_waits_for_the_deadline_compares_and_awards(
    browser, page, live_server, shortlist, screenshot
):
    requirement, run, invited = shortlist["requirement"], shortlist["run"], shortlist["invited"]
    results = shortlist["results"]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # -- the buyer requests proposals from the shortlist ------------------------------------------
    sign_in(page, live_server, "manager", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/requirements/{requirement.pk}/runs/{run.pk}/")
    page.get_by_role("link", name="Request proposals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request proposals")
    # The top three are preselected; the buyer swaps the third for the fourth.
    for result in results[:3]:
        expect(page.get_by_label(result.vendor.name, exact=True)).to_be_checked()
    for result in results[3:]:
        expect(page.get_by_label(result.vendor.name, exact=True)).not_to_be_checked()
    page.get_by_label(results[2].vendor.name, exact=True).uncheck()
    page.get_by_label(results[3].vendor.name, exact=True).check()

    page.get_by_label("Title").fill(TITLE)
    expect(
        page.get_by_text("Your time, Europe/Rome. Each vendor also sees the deadline in its own zone.")
    ).to_be_visible()
    deadline = (timezone.now().astimezone(ROME) + timedelta(days=2)).replace(
        hour=12, minute=30, second=0, microsecond=0
    )
    page.get_by_label("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Instructions to vendors").fill("Quote a blended hourly rate for the whole of 2027.")
    page.get_by_label("Questions").fill(QUESTION)
    criteria = [
        page.get_by_label("Criterion", exact=True).nth(i).input_value()
        for i in range(page.get_by_label("Criterion", exact=True).count())
    ]
    assert criteria == ["Approach and expertise", "Team and delivery", "Cost"]
    screenshot(page, "rfp-request-form")
    page.get_by_role("button", name="Send invitations").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_role("status").filter(has_text="Invitations sent to 3 vendors.")).to_be_visible()
    expect(page.locator("#rfp-state")).to_have_text("Sealed")
    expect(page.get_by_text("0 of 3 vendors answered")).to_be_visible()
    rfp = Rfp.objects.get(title=TITLE)
    assert rfp.deadline == datetime(deadline.year, deadline.month, deadline.day, 12, 30, tzinfo=ROME)
    assert rfp.questions == [QUESTION]
    assert sorted(rfp.invitations.values_list("vendor_id", flat=True)) == sorted(v.pk for v in invited)
    rfp_url = page.url

    # -- two vendors propose, each in its own session; the third does not answer ---------------------
    rates = {invited[0]: "48.00", invited[1]: "39.50"}
    for index, vendor in enumerate(invited[:2], start=1):
        with session(browser, live_server, f"bidder{index}") as vendor_page:
            open_invitation(vendor_page, section="Open")
            assert_only_its_own_name(vendor_page, invited, vendor)
            vendor_page.get_by_label("Hourly rate").fill(rates[vendor])
            expect(vendor_page.get_by_label("Currency")).to_have_value("EUR")  # the requirement's
            vendor_page.get_by_label("FTE").fill(str(index + 1))
            vendor_page.get_by_label("Earliest start").fill((timezone.localdate() + timedelta(days=30)).isoformat())
            vendor_page.get_by_label("Approach").fill(f"{vendor.name}: a senior lead and {index + 1} analysts.")
            vendor_page.get_by_label(QUESTION).fill(f"Our lead, {10 + index} years of IFRS 9 work.")
            vendor_page.get_by_role("button", name="Submit proposal").click()
            expect(vendor_page.locator("#proposal-status")).to_have_text("Submitted")
            assert_only_its_own_name(vendor_page, invited, vendor)

    # -- sealed until the deadline ---------------------------------------------------------------------
    page.goto(rfp_url)
    expect(page.locator("#rfp-state")).to_have_text("Sealed")
    expect(page.get_by_text("2 of 3 vendors answered")).to_be_visible()
    expect(page.get_by_role("heading", name="Proposals are sealed")).to_be_visible()
    expect(page.get_by_role("heading", name="Proposals side by side")).to_have_count(0)
    for rate in rates.values():
        expect(page.locator("main")).not_to_contain_text(rate)
    invitees = page.locator("table.invitees")
    expect(invitees.locator(f"tr[data-vendor='{invited[2].slug}']")).to_contain_text("Invited")
    screenshot(page, "rfp-sealed")

    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() - timedelta(minutes=1))

    # -- the bids open: compare, score, award -----------------------------------------------------------
    page.reload()
    expect(page.locator("#rfp-state")).to_have_text("Bids open")
    compare = page.locator("table.proposals-compare")
    headers = compare.locator("thead th")
    expect(headers).to_have_count(3)  # the criteria column and one per submitted proposal
    expect(headers.nth(1)).to_contain_text(invited[0].name)
    expect(headers.nth(2)).to_contain_text(invited[1].name)
    expect(compare).not_to_contain_text(invited[2].name)  # no proposal, no column
    expect(invitees.locator(f"tr[data-vendor='{invited[2].slug}']")).to_contain_text("Invited")
    rate_row = compare.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Proposed rate"))
    expect(rate_row.get_by_role("cell").nth(0)).to_have_text("48.00 EUR/h")
    expect(rate_row.get_by_role("cell").nth(1)).to_have_text("39.50 EUR/h")
    cost_row = compare.locator("tr.cost-row")
    expect(cost_row.locator("td").nth(1)).to_contain_text("lowest")  # same hours, lower rate
    expect(compare.get_by_role("row").filter(has=page.get_by_role("rowheader", name=QUESTION))).to_contain_text(
        "11 years of IFRS 9 work"
    )
    assert violations(page) == []

    winner, loser, silent = invited[1], invited[0], invited[2]
    proposal = rfp.invitations.get(vendor=winner).proposal
    form = page.locator(f"form[action$='/proposals/{proposal.pk}/scores/']")
    for criterion, score in (("Approach and expertise", "5"), ("Team and delivery", "4"), ("Cost", "4")):
        form.get_by_role("group", name=criterion).get_by_label(score, exact=True).check()
    # The name reads "Save my scores : <vendor>" (the hidden span is positioned, so a space is added).
    form.get_by_role("button", name=re.compile(rf"^Save my scores\W+{re.escape(winner.name)}$")).click()
    expect(page.get_by_role("status").filter(has_text=f"Your scores for {winner.name} are saved.")).to_be_visible()
    # (5×40 + 4×30 + 4×30) / 100 = 4.4 on 1-5, that is 85.0 on 0-100.
    expect(compare.locator("td[data-my-score]").nth(1)).to_have_attribute("data-my-score", "85.0")
    expect(compare.locator("td[data-my-score]").nth(0)).to_contain_text("not scored yet")
    expect(compare.locator("td[data-panel-score]").nth(1)).to_contain_text("85.0")
    screenshot(page, "rfp-compare")

    award = compare.locator("details.award").filter(has_text=f"Confirm award to {winner.name}")
    award.locator("summary").click()
    award.get_by_role("button", name=f"Confirm award to {winner.name}").click()
    expect(page).to_have_url(re.compile(r"/engagements/\d+/$"))
    expect(page.locator(".page-head .badge")).to_have_text("Active")
    expect(page.get_by_role("status").filter(has_text=f"Awarded to {winner.name}.")).to_be_visible()
    engagement = Engagement.objects.get(proposal=proposal)
    assert engagement.status == EngagementStatus.ACTIVE
    assert (engagement.vendor, engagement.agreed_rate, engagement.currency) == (winner, Decimal("39.50"), "EUR")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWARDED
    assert rfp.invitations.get(vendor=loser).proposal.status == ProposalStatus.REJECTED
    assert rfp.invitations.get(vendor=silent).status == InvitationStatus.INVITED
    assert dict(rfp.invitations.values_list("vendor_id", "outcome")) == {
        winner.pk: InvitationOutcome.AWARDED,
        loser.pk: InvitationOutcome.NOT_AWARDED,
        silent.pk: InvitationOutcome.NOT_AWARDED,
    }

    # -- every invitee reads its own outcome ------------------------------------------------------------
    for username, vendor in (("bidder1", loser), ("bidder3", silent)):
        with session(browser, live_server, username) as vendor_page:
            open_invitation(vendor_page, section="Past")
            expect(vendor_page.get_by_role("heading", name="Outcome: Not awarded")).to_be_visible()
            assert_only_its_own_name(vendor_page, invited, vendor)
            if vendor == loser:
                expect(vendor_page.get_by_role("heading", name="What you proposed")).to_be_visible()
                expect(vendor_page.locator("#proposal-status")).to_have_text("Not awarded")
                screenshot(vendor_page, "rfp-outcome-loser")
                assert violations(vendor_page) == []
    with session(browser, live_server, "bidder2") as vendor_page:
        open_invitation(vendor_page, section="Past")
        expect(vendor_page.get_by_role("heading", name="Outcome: Awarded")).to_be_visible()
        assert_only_its_own_name(vendor_page, invited, winner)
        vendor_page.get_by_role("link", name="Open the engagement").click()
        expect(vendor_page.locator(".page-head .badge")).to_have_text("Active")
    assert not errors, errors
