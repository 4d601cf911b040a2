"""The vendor firm's portal in the browser: a member edits rows of its profile
(a skill's proficiency and years, a rate card's hourly rate) and reads the
change history; then answers an invitation to propose: drafts, submits before
the deadline and sees its proposal submitted."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, DEMO_VENDOR_SLUG
from engagements.models import (
    InvitationStatus,
    Membership,
    ProposalStatus,
    Requirement,
    RequirementStatus,
    RfpInvitation,
)
from engagements.organizations.timezones import vendor_zone
from engagements.rfp import services as rfp_services
from kpo.zones import zoned
from tests.e2e.test_accessibility import violations
from tests.engagements.helpers import succeeded_run
from vendors.models import RateCard, Vendor, VendorSkill

QUESTIONS = ["Who leads the team?", "Which tools do you use?"]


def sign_in_as_vendor(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("vendor")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lumen Insight Partners")


def row_with_value(rows, label: str, value: str):
    """The formset row whose `label` field holds `value` (a select's option value)."""
    for index in range(rows.count()):
        row = rows.nth(index)
        if row.get_by_label(label, exact=True).input_value() == value:
            return row
    raise AssertionError(f"no row with {label} = {value}")


def other(value: int, *, low: int, high: int) -> int:
    """A value in [low, high] different from `value`."""
    return value + 1 if value < high else low


@pytest.fixture
def vendor_page(page, live_server, demo_data):
    sign_in_as_vendor(page, live_server)
    return page


def test_a_vendor_member_edits_a_skill_and_a_rate_and_reads_the_history(vendor_page, screenshot):
    page = vendor_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    vendor = Vendor.objects.get(slug=DEMO_VENDOR_SLUG)
    skill = VendorSkill.objects.filter(vendor=vendor).select_related("skill").order_by("skill__name").first()
    rate = (
        RateCard.objects.filter(vendor=vendor, seniority="senior").first()
        or RateCard.objects.filter(vendor=vendor).order_by("seniority").first()
    )
    assert skill is not None and rate is not None

    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the profile of Lumen Insight Partners")

    def edit(proficiency: int, years: int, hourly: Decimal) -> None:
        skills = page.locator("section[data-prefix='skills'] [data-formset-row]")
        skill_row = row_with_value(skills, "Skill", str(skill.skill_id))
        skill_row.get_by_label("Proficiency").select_option(str(proficiency))
        skill_row.get_by_label("Years of experience").fill(str(years))
        rates = page.locator("section[data-prefix='rates'] [data-formset-row]")
        rate_row = row_with_value(rates, "Seniority", rate.seniority)
        rate_row.get_by_label("Hourly rate").fill(str(hourly))
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_role("status").filter(has_text="Profile saved.")).to_be_visible()

    original = (skill.proficiency, skill.years_experience, rate.hourly_rate)
    # Two edits: the second one changes values the history recorded itself.
    first = (other(skill.proficiency, low=1, high=5), other(skill.years_experience, low=0, high=60))
    first_rate = (rate.hourly_rate + Decimal("3.50")).quantize(Decimal("0.01"))
    edit(*first, first_rate)
    skill.refresh_from_db()
    rate.refresh_from_db()
    assert (skill.proficiency, skill.years_experience, rate.hourly_rate) == (*first, first_rate)
    second = (other(first[0], low=1, high=5), other(first[1], low=0, high=60))
    second_rate = (first_rate + Decimal("2.25")).quantize(Decimal("0.01"))
    edit(*second, second_rate)

    history = page.locator("ol.history")
    expect(history).to_be_visible()
    level = rate.get_seniority_display()
    name = skill.skill.name
    who = "Priya Raman"

    def entry(text: str):
        return history.locator("li").filter(has_text=text)

    # The second edit: old → new, and who made it.
    for text in (
        f"{name} proficiency changed from {first[0]} to {second[0]}",
        f"{name} experience changed from {first[1]} to {second[1]} years",
        f"{level} rate changed from {first_rate} to {second_rate} {rate.currency}",
    ):
        expect(entry(text)).to_have_count(1)
        expect(entry(text).locator("strong")).to_have_text(who)
    screenshot(page, "vendor-profile-history")

    # The first edit of rows the demo seeded: old → new too. BUG, fails until fixed: the demo
    # bulk-inserts its rows, so they have no history record; vendors/selectors.py then has no
    # `previous` to compare with: _describe_skill lists nothing at all (_changed returns []) and
    # _describe_rate says "Senior rate is now 37.25 USD", without the old value.
    for text in (
        f"{name} proficiency changed from {original[0]} to {first[0]}",
        f"{name} experience changed from {original[1]} to {first[1]} years",
        f"{level} rate changed from {original[2]} to {first_rate} {rate.currency}",
    ):
        expect(entry(text)).to_have_count(1)
    assert not errors, errors


@pytest.fixture
def invitation(demo_data):
    """An open invitation of the demo vendor (and of one other firm) from a Banca Aurora shortlist."""
    lumen = Vendor.objects.get(slug=DEMO_VENDOR_SLUG)
    others = list(Vendor.objects.filter(is_active=True).exclude(pk=lumen.pk).order_by("name")[:2])
    requirement = (
        Requirement.objects.filter(client__slug="banca-aurora", status=RequirementStatus.OPEN).order_by("pk").first()
    )
    run = succeeded_run(requirement, vendors=[lumen, *others])
    manager = Membership.objects.get(user__username="manager").user
    rfp = rfp_services.rfp_create(
        run=run,
        vendor_ids=[lumen.pk, others[0].pk],
        deadline=timezone.now() + timedelta(days=3),
        created_by=manager,
        title="Quarterly board pack analytics",
        instructions="Quote for twelve months.",
        questions=QUESTIONS,
    )
    return RfpInvitation.objects.select_related("rfp", "vendor").get(rfp=rfp, vendor=lumen), others


def test_a_vendor_member_drafts_and_submits_a_proposal_before_the_deadline(vendor_page, invitation, screenshot):
    page = vendor_page
    invitation, others = invitation
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations to propose")
    open_section = page.locator("section.card").filter(has=page.get_by_role("heading", name="Open"))
    row = open_section.get_by_role("row").filter(has_text="Quarterly board pack analytics")
    expect(row).to_contain_text("Banca Aurora S.p.A.")
    expect(row).to_contain_text("not started")
    row.get_by_role("link", name="Quarterly board pack analytics").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Quarterly board pack analytics")
    expect(page.get_by_text("Request for proposal from Banca Aurora S.p.A.")).to_be_visible()
    expect(page.locator("#proposal-status")).to_have_text("Not started.")
    expect(page.get_by_role("heading", name="Write your proposal")).to_be_visible()

    # A draft: only some of the answers.
    page.get_by_label("Hourly rate").fill("44.50")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("FTE").fill("2")
    start = (timezone.localdate() + timedelta(days=21)).isoformat()
    page.get_by_label("Earliest start").fill(start)
    page.get_by_label("Approach").fill("Two analysts and a reviewer; weekly check-ins with finance.")
    page.get_by_label(QUESTIONS[0]).fill("Asha Menon, engagement lead.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved.")).to_be_visible()
    expect(page.locator("#proposal-status")).to_have_text("Draft")
    expect(page.get_by_label("Hourly rate")).to_have_value("44.50")
    expect(page.get_by_label(QUESTIONS[0])).to_have_value("Asha Menon, engagement lead.")

    # Submitting with a question unanswered says what is missing and changes nothing.
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_role("alert")).to_contain_text("answer to question 2")
    expect(page.locator("#proposal-status")).to_have_text("Draft")

    page.get_by_label(QUESTIONS[1]).fill("Power BI, SQL Server and Python.")
    screenshot(page, "rfp-vendor-proposal")
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_role("status").filter(has_text="Proposal submitted.")).to_be_visible()
    expect(page.locator("#proposal-status")).to_have_text("Submitted")
    # In the firm's zone (its main delivery centre's), named.
    label = zoned(timezone.now(), vendor_zone(Vendor.objects.get(slug=DEMO_VENDOR_SLUG).pk)).label
    expect(page.locator("main .muted", has_text=re.compile(r"^submitted .+, revision 1$"))).to_contain_text(
        f" {label},"
    )
    # Still open: the vendor may revise, not go back to a draft.
    expect(page.get_by_role("heading", name="Revise your proposal")).to_be_visible()
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit revision")).to_be_visible()
    # Never another invitee's name.
    for firm in others:
        expect(page.locator("body")).not_to_contain_text(firm.name)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SUBMITTED
    proposal = invitation.proposal
    assert proposal.status == ProposalStatus.SUBMITTED
    assert (proposal.hourly_rate, proposal.currency, proposal.fte) == (Decimal("44.50"), "EUR", Decimal("2.0"))
    assert proposal.start_date.isoformat() == start
    assert proposal.answers == ["Asha Menon, engagement lead.", "Power BI, SQL Server and Python."]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(open_section.get_by_role("row").filter(has_text="Quarterly board pack analytics")).to_contain_text(
        "Submitted"
    )
    assert violations(page) == []
    page.get_by_role("link", name="Quarterly board pack analytics").click()
    assert violations(page) == []
    assert not errors, errors
