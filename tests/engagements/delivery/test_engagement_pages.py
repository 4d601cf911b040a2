"""The engagement pages of the procurement manager: propose from a shortlist
entry, the list with its status filter, one engagement's page (timeline,
milestones, FTE, complete or cancel, review), and the dashboard's spend chart.
Only the owning organization sees them; every write is a POST with CSRF."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from engagements.delivery import services as delivery_services
from engagements.models import Engagement, EngagementEvent, Milestone, Review
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def manager(owner, client):
    client.force_login(owner)
    return owner


@pytest.fixture
def result(owner):
    return succeeded_run(requirement_for(owner, start_date=date(2030, 1, 7)), count=2).results.get(rank=1)


def detail_url(engagement) -> str:
    return reverse("engagements:detail", args=[engagement.pk])


# -- proposing ---------------------------------------------------------------------------------


def test_the_proposal_form_starts_from_the_vendors_estimated_rate(client, manager, result):
    html = client.get(reverse("engagements:propose", args=[result.pk])).content.decode()
    assert 'name="agreed_rate" value="31.00"' in html  # explanation hourly_rate 31.0
    assert '<option value="EUR" selected>' in html
    assert 'name="fte" value="2.0"' in html
    assert 'name="start_date" value="2030-01-07"' in html


def test_a_manager_proposes_an_engagement_from_a_shortlist_entry(client, manager, result):
    data = {"agreed_rate": "29.50", "currency": "EUR", "fte": "1.5", "start_date": "2030-01-07", "end_date": ""}
    response = client.post(reverse("engagements:propose", args=[result.pk]), data)
    engagement = Engagement.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(engagement)
    assert (engagement.status, engagement.agreed_rate, engagement.fte, engagement.vendor) == (
        "proposed",
        Decimal("29.50"),
        Decimal("1.5"),
        result.vendor,
    )
    assert engagement.events.get().to_value == "proposed"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"agreed_rate": "0"}, "greater than or equal to 0.01"),
        ({"fte": "0"}, "greater than or equal to 0.1"),
        ({"currency": "XAF"}, "Select a valid choice"),
        ({"end_date": "2029-12-31"}, "The end date must not be before the start date."),
        ({"start_date": ""}, "This field is required."),
    ],
)
def test_an_invalid_proposal_shows_the_error_and_creates_nothing(client, manager, result, overrides, error):
    data = {"agreed_rate": "30", "currency": "EUR", "fte": "1", "start_date": "2030-01-07", "end_date": ""}
    data.update(overrides)
    response = client.post(reverse("engagements:propose", args=[result.pk]), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Engagement.objects.exists()


def test_a_second_open_proposal_to_the_same_vendor_is_refused(client, manager, result):
    data = {"agreed_rate": "30", "currency": "EUR", "fte": "1", "start_date": "2030-01-07", "end_date": ""}
    client.post(reverse("engagements:propose", args=[result.pk]), data)
    html = client.post(reverse("engagements:propose", args=[result.pk]), data).content.decode()
    assert "already has an open engagement" in html
    assert Engagement.objects.count() == 1


# -- list ----------------------------------------------------------------------------------------------


def test_the_list_shows_the_organizations_engagements_and_filters_by_status(
    client, manager, result, outsider, django_assert_num_queries
):
    mine = [
        engagement_for(result, status=status, end_date=date(2026, 12, 1) if status == "completed" else None)
        for status in ["proposed", "active", "active", "completed"]
    ]
    theirs = succeeded_run(requirement_for(outsider, title="Their need"), count=1).results.get()
    engagement_for(theirs)
    with django_assert_num_queries(5):
        html = client.get(reverse("engagements:list")).content.decode()
    for engagement in mine:
        assert f'href="{detail_url(engagement)}"' in html
    assert "Their need" not in html
    active = client.get(reverse("engagements:list"), {"status": "active"}).content.decode()
    assert active.count('class="badge badge-active"') == 2
    assert 'class="badge badge-proposed"' not in active


def test_the_list_query_count_does_not_grow_with_rows(client, manager, result, django_assert_num_queries):
    engagement_for(result)
    with django_assert_num_queries(5):
        client.get(reverse("engagements:list"))
    for _ in range(6):
        other = succeeded_run(result.run.requirement, vendors=[VendorFactory()]).results.get()
        engagement_for(other, status="active")
    with django_assert_num_queries(5):
        client.get(reverse("engagements:list"))


# -- one engagement ----------------------------------------------------------------------------------


def test_the_detail_page_shows_terms_timeline_milestones_and_actions(
    client, manager, result, django_assert_max_num_queries
):
    engagement = engagement_for(result, status="active")
    EngagementEvent.objects.create(engagement=engagement, kind="fte", from_value="2.0", to_value="3.0", note="Peak")
    Milestone.objects.create(engagement=engagement, title="Kick-off pack", due_date=date(2026, 12, 1))
    with django_assert_max_num_queries(10):
        response = client.get(detail_url(engagement))
    html = response.content.decode()
    assert "30.00 EUR / h" in html
    assert "FTE 2.0 → 3.0" in html and "Peak" in html
    assert "Kick-off pack" in html and "Mark delivered" in html
    assert "Complete engagement" in html and "Cancel engagement" in html
    assert reverse("requirements:run", args=[result.run.requirement_id, result.run_id]) in html


def test_a_proposed_engagement_waits_for_the_vendor(client, manager, result):
    html = client.get(detail_url(engagement_for(result))).content.decode()
    assert "waiting for the vendor" in html
    assert "Complete engagement" not in html and "Cancel engagement" in html


def test_the_manager_completes_an_active_engagement(client, manager, result):
    engagement = engagement_for(result, status="active")
    response = client.post(reverse("engagements:transition", args=[engagement.pk]), {"action": "complete"}, follow=True)
    engagement.refresh_from_db()
    assert engagement.status == "completed"
    assert "Engagement completed." in response.content.decode()


def test_a_transition_the_state_does_not_allow_is_refused_with_a_message(client, manager, result):
    engagement = engagement_for(result)
    response = client.post(reverse("engagements:transition", args=[engagement.pk]), {"action": "complete"}, follow=True)
    assert "Cannot complete: this engagement is proposed" in response.content.decode()
    assert Engagement.objects.get().status == "proposed"


def test_the_manager_cannot_play_the_vendor(client, manager, result):
    engagement = engagement_for(result)
    response = client.post(reverse("engagements:transition", args=[engagement.pk]), {"action": "accept"}, follow=True)
    assert "Only the vendor can accept or decline" in response.content.decode()
    assert Engagement.objects.get().status == "proposed"


def test_the_manager_scales_the_team_with_a_reason(client, manager, result):
    engagement = engagement_for(result, status="active")
    client.post(reverse("engagements:fte", args=[engagement.pk]), {"fte": "4", "reason": "New region"})
    engagement.refresh_from_db()
    assert engagement.fte == Decimal("4.0")
    assert engagement.events.filter(kind="fte", from_value="2.0", to_value="4.0", note="New region").exists()


def test_an_invalid_fte_change_shows_the_error_and_changes_nothing(client, manager, result):
    engagement = engagement_for(result, status="active")
    response = client.post(reverse("engagements:fte", args=[engagement.pk]), {"fte": "2.0", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The engagement already has 2.0 FTE." in html and "This field is required." in html
    engagement.refresh_from_db()
    assert engagement.fte == Decimal("2.0") and not engagement.events.filter(kind="fte").exists()


def test_milestones_are_added_and_advanced_with_htmx(client, manager, result):
    engagement = engagement_for(result, status="active")
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(
        reverse("engagements:milestone_create", args=[engagement.pk]),
        {"title": "Data model", "due_date": "2026-12-15"},
        **htmx,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Data model" in html and 'id="milestones"' in html
    milestone = Milestone.objects.get()
    url = reverse("engagements:milestone_advance", args=[engagement.pk, milestone.pk])
    # The vendor declares it delivered (its portal); the manager confirms it here.
    delivery_services.milestone_advance(
        milestone=milestone, action="deliver", actor=VendorMembershipFactory(vendor=engagement.vendor).user
    )
    html = client.get(detail_url(engagement)).content.decode()
    assert "declared delivered" in html and "by the vendor" in html and "Confirm delivery" in html
    html = client.post(url, {"action": "accept"}, **htmx).content.decode()
    milestone.refresh_from_db()
    assert milestone.status == "accepted" and "Accepted" in html and "by the client" in html
    html = client.post(url, {"action": "accept"}, **htmx).content.decode()
    assert "only a delivered milestone can be marked accepted" in html


def test_a_delivery_the_manager_declares_waits_for_the_vendor(client, manager, result):
    engagement = engagement_for(result, status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="Close", due_date=date(2026, 12, 15))
    url = reverse("engagements:milestone_advance", args=[engagement.pk, milestone.pk])
    html = client.post(url, {"action": "deliver"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Waiting for the vendor to confirm" in html and "Confirm delivery" not in html
    html = client.post(url, {"action": "accept"}, HTTP_HX_REQUEST="true").content.decode()
    assert "the vendor confirms it" in html
    milestone.refresh_from_db()
    assert milestone.status == "delivered"


def test_a_proposed_engagement_plans_milestones_but_offers_no_delivery(client, manager, result):
    engagement = engagement_for(result, status="proposed")
    Milestone.objects.create(engagement=engagement, title="Kick-off", due_date=date(2026, 12, 15))
    html = client.get(detail_url(engagement)).content.decode()
    assert "Kick-off" in html and "Mark delivered" not in html
    assert "once the vendor has accepted the engagement" in html


def test_an_invalid_milestone_shows_the_error(client, manager, result):
    engagement = engagement_for(result, status="active")
    html = client.post(
        reverse("engagements:milestone_create", args=[engagement.pk]),
        {"title": "", "due_date": "soon"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "This field is required." in html and "Enter a valid date." in html
    assert not Milestone.objects.exists()


def test_the_manager_reviews_a_completed_engagement_once(client, manager, result):
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    html = client.get(detail_url(engagement)).content.decode()
    assert "Submit review" in html
    client.post(reverse("engagements:review", args=[engagement.pk]), {"rating": "4", "comment": "Solid."})
    result.vendor.refresh_from_db()
    assert (result.vendor.rating, result.vendor.review_count) == (Decimal("4.00"), 1)
    response = client.post(reverse("engagements:review", args=[engagement.pk]), {"rating": "1"}, follow=True)
    assert "already been reviewed" in response.content.decode()
    assert Review.objects.get().rating == 4
    assert "Submit review" not in client.get(detail_url(engagement)).content.decode()


def test_a_review_needs_a_rating(client, manager, result):
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    response = client.post(reverse("engagements:review", args=[engagement.pk]), {"rating": "9"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Review.objects.exists()


def test_vendor_written_text_is_escaped(client, manager, owner):
    vendor = VendorFactory(name=XSS, slug="evil")
    result = succeeded_run(requirement_for(owner), vendors=[vendor]).results.get()
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    delivery_services.review_create(engagement=engagement, author=owner, rating=2, comment=XSS)
    engagement_for(result, status="active")
    for url in [
        reverse("engagements:list"),
        detail_url(engagement),
        reverse("engagements:propose", args=[result.pk]),
        reverse("home"),
    ]:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;" in html, url


# -- who may see what ------------------------------------------------------------------------------


def post_urls(engagement, milestone) -> list[tuple[str, dict]]:
    return [
        (reverse("engagements:transition", args=[engagement.pk]), {"action": "cancel"}),
        (reverse("engagements:fte", args=[engagement.pk]), {"fte": "5", "reason": "x"}),
        (reverse("engagements:milestone_create", args=[engagement.pk]), {"title": "x", "due_date": "2026-12-01"}),
        (reverse("engagements:milestone_advance", args=[engagement.pk, milestone.pk]), {"action": "deliver"}),
        (reverse("engagements:review", args=[engagement.pk]), {"rating": "1"}),
        (
            reverse("engagements:propose", args=[engagement.match_result_id]),
            {"agreed_rate": "1", "currency": "EUR", "fte": "1", "start_date": "2026-12-01"},
        ),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, result):
    engagement = engagement_for(result, status="active")
    for url in [reverse("engagements:list"), detail_url(engagement), reverse("engagements:propose", args=[result.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["outsider", "vendor_member", "staff_user"])
def test_other_organizations_vendors_and_staff_get_404_and_change_nothing(client, result, who, request):
    engagement = engagement_for(result, status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="M", due_date=date(2026, 12, 1))
    client.force_login(request.getfixturevalue(who))
    assert client.get(detail_url(engagement)).status_code == 404
    assert client.get(reverse("engagements:propose", args=[result.pk])).status_code == 404
    if who != "outsider":
        assert client.get(reverse("engagements:list")).status_code == 404
    else:
        assert result.vendor.name not in client.get(reverse("engagements:list")).content.decode()
    for url, data in post_urls(engagement, milestone):
        assert client.post(url, data).status_code == 404, url
    engagement.refresh_from_db()
    milestone.refresh_from_db()
    assert (engagement.status, engagement.fte, milestone.status) == ("active", Decimal("2.0"), "pending")
    assert Engagement.objects.count() == 1 and Milestone.objects.count() == 1


def test_every_write_is_a_post_with_csrf(owner, result):
    engagement = engagement_for(result, status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="M", due_date=date(2026, 12, 1))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    for url, data in post_urls(engagement, milestone):
        if "propose" not in url:
            assert browser.get(url).status_code == 405, url
        assert browser.post(url, data).status_code == 403, url
        assert browser.post(url, data, HTTP_HX_REQUEST="true").status_code == 403, url
    engagement.refresh_from_db()
    assert (engagement.status, engagement.fte) == ("active", Decimal("2.0"))


# -- dashboard --------------------------------------------------------------------------------------


def test_the_dashboard_links_requirements_and_runs_and_charts_spend_by_country(client, manager, result):
    result.estimated_savings = Decimal("2500")
    result.save()
    engagement_for(result, status="active", start_date=date(2026, 1, 1))
    html = client.get(reverse("home")).content.decode()
    requirement = result.run.requirement
    assert reverse("requirements:detail", args=[requirement.pk]) in html
    assert reverse("requirements:run", args=[requirement.pk, result.run_id]) in html
    assert 'id="spend-data"' in html and 'id="spend-chart"' in html
    assert "chart.umd.min.js" in html
    assert "agreed hourly rate × FTE × 160 hours a month × months elapsed" in html
    assert "India" in html  # the factory vendor's headquarters


def test_the_dashboard_without_spend_loads_no_chart_library(client, manager):
    html = client.get(reverse("home")).content.decode()
    assert "chart.umd.min.js" not in html
    assert "No active or completed engagements yet" in html
