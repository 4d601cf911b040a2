"""The vendor's portal: the engagements proposed to the firm, accept or decline
a proposal, mark milestones delivered; and the dashboard's profile completeness.
Only the firm's own members see its engagements (404 for everyone else)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from engagements.models import Engagement, EngagementEvent, Milestone, Review
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import (
    ClientMembershipFactory,
    DeliveryCenterFactory,
    RateCardFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
    VendorSkillFactory,
    domain,
)
from vendors.models import Certification, Seniority, VendorCertification, VendorLanguage

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def vendor():
    return VendorFactory(name="Lumen Analytics")


@pytest.fixture
def vendor_admin(vendor):
    return VendorMembershipFactory(vendor=vendor, role="admin").user


@pytest.fixture
def vendor_editor(vendor):
    return VendorMembershipFactory(vendor=vendor, role="editor").user


@pytest.fixture
def run(owner, vendor):
    requirement = requirement_for(owner, title="Month-end close", description="Close the books by day 5.")
    return succeeded_run(requirement, vendors=[vendor, VendorFactory(name="Rival Partners")])


@pytest.fixture
def proposed(run):
    return engagement_for(run.results.get(rank=1))


def detail_url(engagement) -> str:
    return reverse("vendor_portal:engagement_detail", args=[engagement.pk])


def transition_url(engagement) -> str:
    return reverse("vendor_portal:engagement_transition", args=[engagement.pk])


def deliver_url(milestone) -> str:
    return reverse("vendor_portal:milestone_deliver", args=[milestone.engagement_id, milestone.pk])


# -- answering a proposal ------------------------------------------------------------------


def test_the_vendor_admin_accepts_a_proposed_engagement(client, vendor_admin, proposed):
    client.force_login(vendor_admin)
    response = client.post(transition_url(proposed), {"action": "accept", "note": "Team ready on the 1st."})
    assert response.status_code == 302 and response["Location"] == detail_url(proposed)
    proposed.refresh_from_db()
    assert proposed.status == "active"
    event = proposed.events.last()
    assert (event.from_value, event.to_value, event.actor, event.note) == (
        "proposed",
        "active",
        vendor_admin,
        "Team ready on the 1st.",
    )
    html = client.get(detail_url(proposed)).content.decode()
    assert "Engagement accepted" in html
    assert f"· {vendor_admin.username}</div>" in html  # the event names who accepted


def test_the_vendor_editor_declines_with_a_reason(client, vendor_editor, proposed):
    client.force_login(vendor_editor)
    response = client.post(transition_url(proposed), {"action": "decline", "note": "No capacity in Q1."})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == "declined"
    assert proposed.events.last().note == "No capacity in Q1."
    assert proposed.events.last().actor == vendor_editor


def test_declining_without_a_reason_is_refused(client, vendor_admin, proposed):
    client.force_login(vendor_admin)
    response = client.post(transition_url(proposed), {"action": "decline", "note": "  "})
    assert response.status_code == 400
    assert "Say why you decline" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_accepting_twice_answers_409_with_the_reason(client, vendor_admin, proposed):
    client.force_login(vendor_admin)
    client.post(transition_url(proposed), {"action": "accept"})
    response = client.post(transition_url(proposed), {"action": "accept"})
    assert response.status_code == 409
    assert "Cannot accept: this engagement is active" in response.content.decode()
    assert proposed.events.filter(to_value="active").count() == 1


def test_the_client_side_actions_are_not_offered_to_the_vendor(client, vendor_admin, proposed):
    client.force_login(vendor_admin)
    response = client.post(transition_url(proposed), {"action": "cancel"})
    assert response.status_code == 400
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_the_vendor_marks_a_pending_milestone_delivered(client, vendor_admin, run):
    engagement = engagement_for(run.results.get(rank=1), status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="Kick-off pack", due_date=date(2030, 1, 1))
    client.force_login(vendor_admin)
    html = client.get(detail_url(engagement)).content.decode()
    assert "Mark delivered" in html and deliver_url(milestone) in html
    response = client.post(deliver_url(milestone))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "delivered" and milestone.delivered_at is not None
    again = client.post(deliver_url(milestone))
    assert again.status_code == 409
    assert "only a pending milestone can be marked delivered" in again.content.decode()


# -- who sees what -------------------------------------------------------------------------


def test_the_list_shows_the_firms_engagements_proposed_first(client, vendor_admin, vendor, run, owner):
    engagement_for(run.results.get(rank=1), status="completed")
    proposed = engagement_for(
        succeeded_run(requirement_for(owner, title="Tax filings"), vendors=[vendor]).results.get()
    )
    engagement_for(run.results.get(rank=2))  # Rival Partners' own proposal
    client.force_login(vendor_admin)
    response = client.get(reverse("vendor_portal:engagement_list"))
    html = response.content.decode()
    assert html.index("Tax filings") < html.index("Month-end close")
    assert detail_url(proposed) in html
    assert html.count("<tr>") == 3  # header and the firm's two engagements


def test_the_detail_shows_what_the_vendor_needs_and_nothing_of_the_client_else(client, vendor_admin, proposed):
    client.force_login(vendor_admin)
    html = client.get(detail_url(proposed)).content.decode()
    assert "Month-end close" in html and "Close the books by day 5." in html
    assert proposed.client.name in html
    assert "30.00 EUR" in html and "2.0 FTE" in html
    assert 'name="action" value="accept"' in html and "csrfmiddlewaretoken" in html
    assert "60.00" not in html  # the client's budget
    assert "Rival Partners" not in html  # another vendor on the shortlist
    assert "Proposed from rank" not in html and "rank #" not in html  # the client's shortlist


def test_another_firms_engagement_is_404_and_unchanged(client, proposed):
    stranger = VendorMembershipFactory(vendor=VendorFactory()).user
    client.force_login(stranger)
    assert client.get(detail_url(proposed)).status_code == 404
    assert client.post(transition_url(proposed), {"action": "accept"}).status_code == 404
    milestone = Milestone.objects.create(engagement=proposed, title="Plan", due_date=date(2030, 1, 1))
    assert client.post(deliver_url(milestone)).status_code == 404
    proposed.refresh_from_db()
    milestone.refresh_from_db()
    assert (proposed.status, milestone.status) == ("proposed", "pending")
    assert EngagementEvent.objects.filter(engagement=proposed).count() == 1


@pytest.mark.parametrize("who", ["client manager", "staff without vendor"])
def test_the_portal_is_404_for_non_vendors(client, proposed, who):
    user = proposed.client.memberships.get().user if who == "client manager" else UserFactory(is_staff=True)
    client.force_login(user)
    assert client.get(reverse("vendor_portal:engagement_list")).status_code == 404
    assert client.get(detail_url(proposed)).status_code == 404
    assert client.post(transition_url(proposed), {"action": "accept"}).status_code == 404
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_anonymous_visitors_are_sent_to_sign_in(client, proposed):
    for url in (reverse("vendor_portal:engagement_list"), detail_url(proposed)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_client_written_text_is_escaped(client, vendor_admin, vendor):
    manager = ClientMembershipFactory().user
    requirement = requirement_for(manager, title=XSS, description=XSS)
    engagement = engagement_for(succeeded_run(requirement, vendors=[vendor]).results.get())
    Milestone.objects.create(engagement=engagement, title=XSS, description=XSS, due_date=date(2030, 1, 1))
    client.force_login(vendor_admin)
    for url in (reverse("vendor_portal:engagement_list"), detail_url(engagement), reverse("home")):
        html = client.get(url).content.decode()
        assert XSS not in html
        assert "&lt;script&gt;" in html


def test_the_list_keeps_a_constant_number_of_queries(client, vendor_admin, vendor, owner, django_assert_num_queries):
    for index in range(4):
        engagement_for(succeeded_run(requirement_for(owner, title=f"Need {index}"), vendors=[vendor]).results.get())
    client.force_login(vendor_admin)
    # session, user, membership with its firm (and the firm's zone), the engagements (with client and requirement)
    with django_assert_num_queries(4):
        client.get(reverse("vendor_portal:engagement_list"))


# -- the dashboard -------------------------------------------------------------------------


def test_a_bare_vendor_is_told_what_is_missing_and_what_it_costs(client):
    bare = VendorFactory(available_fte=Decimal("0"))
    client.force_login(VendorMembershipFactory(vendor=bare).user)
    html = client.get(reverse("home")).content.decode()
    assert "0% complete" in html
    for text in (
        "No rate card for senior",
        "No delivery centre</a>: you cannot be matched",
        "No security certification</a>: buyers with a confidential need see a security risk flag on you",
        "No reviews yet</a>: your quality score counts you as 3.5 stars until buyers review you",
        "Not verified",
        "No languages",
        "Available FTE is 0</a>: you are left out of every need",
        "No expertise areas",
        "No skills",
    ):
        assert text in html
    assert html.count(f'<a href="{reverse("vendors:profile-edit")}">') == 12


def test_a_vendor_with_rates_for_some_seniorities_is_told_costs_are_estimated(client, vendor, vendor_admin):
    RateCardFactory(vendor=vendor, seniority=Seniority.JUNIOR)
    client.force_login(vendor_admin)
    html = client.get(reverse("home")).content.decode()
    assert "No rate card for senior</a>: matching estimates your cost from another seniority" in html
    assert "No rate card for junior" not in html


def test_a_complete_vendor_is_at_100_percent(client, vendor, vendor_admin, run):
    vendor.verified = True
    vendor.save()
    vendor.domains.add(domain())
    VendorSkillFactory(vendor=vendor)
    for seniority in Seniority.values:
        RateCardFactory(vendor=vendor, seniority=seniority)
    DeliveryCenterFactory(vendor=vendor)
    VendorLanguage.objects.create(vendor=vendor, code="en")
    security = Certification.objects.create(code="iso-test", name="ISO test", is_security=True)
    VendorCertification.objects.create(vendor=vendor, certification=security)
    engagement = engagement_for(run.results.get(rank=1), status="completed")
    Review.objects.create(engagement=engagement, vendor=vendor, rating=5)
    vendor.review_count = 1
    vendor.save()
    client.force_login(vendor_admin)
    html = client.get(reverse("home")).content.decode()
    assert "100% complete" in html
    assert "Your profile has everything matching looks at." in html


def test_an_expired_security_certification_does_not_count(client, vendor, vendor_admin):
    security = Certification.objects.create(code="iso-old", name="ISO old", is_security=True)
    VendorCertification.objects.create(vendor=vendor, certification=security, valid_until=date(2020, 1, 1))
    client.force_login(vendor_admin)
    assert "No security certification" in client.get(reverse("home")).content.decode()


def test_the_dashboard_links_engagements_to_the_portal_within_a_query_budget(
    client, vendor, vendor_admin, owner, django_assert_max_num_queries
):
    engagements = [
        engagement_for(
            succeeded_run(requirement_for(owner, title=f"Need {index}"), vendors=[vendor]).results.get(),
            status="active" if index % 2 else "proposed",
        )
        for index in range(6)
    ]
    client.force_login(vendor_admin)
    with django_assert_max_num_queries(10):  # + open invitations and recent proposals
        html = client.get(reverse("home")).content.decode()
    for engagement in engagements:
        assert detail_url(engagement) in html
    assert isinstance(engagements[0], Engagement)


def test_only_the_client_accepts_a_delivered_milestone(vendor_admin, run):
    from engagements.delivery import services as delivery_services

    engagement = engagement_for(run.results.get(rank=1), status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="Plan", due_date=date(2030, 1, 1))
    delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=vendor_admin)
    with pytest.raises(delivery_services.EngagementError, match="the client confirms it"):
        delivery_services.milestone_advance(milestone=milestone, action="accept", actor=vendor_admin)
