"""Engagement services: propose from a shortlist entry, the state machine
(accept | decline by the vendor, complete | cancel by the client), FTE and
date changes, the ERP's id, milestones, reviews that recompute the vendor's
rating, and the spend selector."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements.delivery import selectors as delivery_selectors
from engagements.delivery import services as delivery_services
from engagements.models import Engagement, EngagementEvent, Review, WebhookDelivery, WebhookEndpoint
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import VendorMembershipFactory
from vendors.models import ExchangeRate, Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(owner):
    return succeeded_run(requirement_for(owner), count=1).results.select_related("vendor", "run__requirement").get()


@pytest.fixture
def vendor_user(result):
    return VendorMembershipFactory(vendor=result.vendor).user


def propose(result, owner, **overrides):
    values = {
        "agreed_rate": Decimal("31.00"),
        "currency": "EUR",
        "fte": Decimal("2.0"),
        "start_date": date(2026, 12, 1),
        "end_date": None,
    }
    values.update(overrides)
    return delivery_services.engagement_propose(result=result, proposed_by=owner, **values)


# -- proposing -----------------------------------------------------------------------------


def test_proposing_creates_a_proposed_engagement_with_its_first_event(result, owner):
    engagement = propose(result, owner)
    assert (engagement.status, engagement.vendor, engagement.client) == (
        "proposed",
        result.vendor,
        owner.membership.client,
    )
    assert engagement.match_result == result
    event = engagement.events.get()
    assert (event.kind, event.from_value, event.to_value, event.actor) == ("status", "", "proposed", owner)


def test_a_vendor_with_an_open_engagement_for_the_requirement_cannot_be_proposed_twice(result, owner):
    propose(result, owner)
    with pytest.raises(delivery_services.EngagementError, match="already has an open engagement"):
        propose(result, owner)
    assert Engagement.objects.count() == 1


def test_an_end_before_the_start_is_refused(result, owner):
    with pytest.raises(delivery_services.EngagementError, match="end date"):
        propose(result, owner, end_date=date(2026, 11, 1))
    assert not Engagement.objects.exists()


# -- the state machine ------------------------------------------------------------------------


def test_the_vendor_accepts_and_the_client_completes(result, owner, vendor_user):
    engagement = propose(result, owner)
    delivery_services.engagement_transition(engagement=engagement, action="accept", actor=vendor_user)
    engagement.refresh_from_db()
    assert engagement.status == "active"
    delivery_services.engagement_transition(engagement=engagement, action="complete", actor=owner)
    engagement.refresh_from_db()
    assert engagement.status == "completed"
    assert engagement.end_date == max(timezone.localdate(), engagement.start_date)
    assert list(engagement.events.values_list("from_value", "to_value", "actor")) == [
        ("", "proposed", owner.pk),
        ("proposed", "active", vendor_user.pk),
        ("active", "completed", owner.pk),
    ]


def test_the_vendor_declines_a_proposal(result, owner, vendor_user):
    engagement = delivery_services.engagement_transition(
        engagement=propose(result, owner), action="decline", actor=vendor_user
    )
    assert engagement.status == "declined"


@pytest.mark.parametrize("start", ["proposed", "active"])
def test_the_client_cancels_a_proposed_or_active_engagement(result, owner, start):
    engagement = engagement_for(result, status=start)
    assert (
        delivery_services.engagement_transition(engagement=engagement, action="cancel", actor=owner).status
        == "cancelled"
    )


@pytest.mark.parametrize(
    ("start", "action", "message"),
    [
        ("proposed", "complete", "Cannot complete: this engagement is proposed, and only active engagements"),
        ("active", "accept", "Cannot accept: this engagement is active, and only proposed engagements"),
        ("completed", "cancel", "Cannot cancel: this engagement is completed"),
        ("declined", "accept", "Cannot accept: this engagement is declined"),
        ("cancelled", "complete", "Cannot complete: this engagement is cancelled"),
    ],
)
def test_a_transition_the_state_does_not_allow_raises_a_clear_error(result, start, action, message):
    engagement = engagement_for(result, status=start)
    with pytest.raises(delivery_services.EngagementError, match=message):
        delivery_services.engagement_transition(engagement=engagement, action=action, actor=None)
    engagement.refresh_from_db()
    assert engagement.status == start
    assert engagement.events.count() == 1


def test_an_unknown_action_is_refused(result):
    with pytest.raises(delivery_services.EngagementError, match="Unknown action 'approve'"):
        delivery_services.engagement_transition(engagement=engagement_for(result), action="approve", actor=None)


def test_each_party_takes_only_its_own_actions(result, owner, outsider, vendor_user):
    engagement = engagement_for(result)
    with pytest.raises(delivery_services.EngagementError, match="Only the vendor"):
        delivery_services.engagement_transition(engagement=engagement, action="accept", actor=owner)
    with pytest.raises(delivery_services.EngagementError, match="Only the client"):
        delivery_services.engagement_transition(engagement=engagement, action="cancel", actor=vendor_user)
    with pytest.raises(delivery_services.EngagementError, match="Only the client"):
        delivery_services.engagement_transition(engagement=engagement, action="cancel", actor=outsider)
    assert Engagement.objects.get().status == "proposed"


def test_the_actions_offered_follow_the_state(result):
    engagement = engagement_for(result, status="active")
    assert delivery_services.engagement_actions_for(engagement=engagement, party="client") == ["complete", "cancel"]
    assert delivery_services.engagement_actions_for(engagement=engagement, party="vendor") == []
    engagement.status = "proposed"
    assert delivery_services.engagement_actions_for(engagement=engagement, party="vendor") == ["accept", "decline"]


# -- FTE -----------------------------------------------------------------------------------------


def test_scaling_the_team_records_from_to_and_why(result, owner):
    engagement = engagement_for(result, status="active", fte=Decimal("2.0"))
    delivery_services.engagement_change_fte(
        engagement=engagement, fte=Decimal("3.5"), reason="Quarter-end peak", actor=owner
    )
    engagement.refresh_from_db()
    assert engagement.fte == Decimal("3.5")
    event = engagement.events.get(kind=EngagementEvent.Kind.FTE)
    assert (event.from_value, event.to_value, event.note, event.actor) == ("2.0", "3.5", "Quarter-end peak", owner)


@pytest.mark.parametrize(
    ("status", "fte", "reason", "message"),
    [
        ("active", "2.0", "Same", "already has 2.0 FTE"),
        ("active", "0", "None", "must be positive"),
        ("active", "1", "  ", "Say why"),
        ("completed", "1", "Late", "completed engagement cannot change"),
    ],
)
def test_an_fte_change_that_makes_no_sense_is_refused(result, owner, status, fte, reason, message):
    engagement = engagement_for(result, status=status, fte=Decimal("2.0"))
    with pytest.raises(delivery_services.EngagementError, match=message):
        delivery_services.engagement_change_fte(engagement=engagement, fte=Decimal(fte), reason=reason, actor=owner)
    engagement.refresh_from_db()
    assert engagement.fte == Decimal("2.0")
    assert not engagement.events.filter(kind="fte").exists()


# -- dates ---------------------------------------------------------------------------------------


@pytest.fixture
def endpoint(owner):
    return WebhookEndpoint.objects.create(
        client=owner.membership.client, url="https://erp.example/hooks", events=["engagement.updated"], secret="s" * 32
    )


def test_moving_the_dates_records_the_period_before_and_after_and_notifies_the_webhooks(result, owner, endpoint):
    engagement = engagement_for(result, status="active")
    moved = delivery_services.engagement_change_dates(
        engagement=engagement,
        start_date=date(2026, 10, 15),
        end_date=date(2027, 3, 31),
        reason=" Later kick-off ",
        actor=owner,
    )
    assert (moved.start_date, moved.end_date) == (date(2026, 10, 15), date(2027, 3, 31))
    engagement.refresh_from_db()
    assert (engagement.start_date, engagement.end_date) == (date(2026, 10, 15), date(2027, 3, 31))
    event = engagement.events.get(kind=EngagementEvent.Kind.DATES)
    assert (event.from_value, event.to_value, event.note, event.actor) == (
        "2026-10-01/..",
        "2026-10-15/2027-03-31",
        "Later kick-off",
        owner,
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event) == (endpoint, "engagement.updated")
    assert delivery.payload["data"]["change"] == {
        "kind": "dates",
        "from": "2026-10-01/..",
        "to": "2026-10-15/2027-03-31",
    }
    assert delivery.payload["data"]["engagement"]["end_date"] == "2027-03-31"


def test_a_rolled_back_date_change_leaves_no_event_and_no_webhook(result, owner, endpoint):
    engagement = engagement_for(result, status="active")
    with pytest.raises(RuntimeError), transaction.atomic():
        delivery_services.engagement_change_dates(
            engagement=engagement, start_date=date(2026, 11, 1), end_date=None, actor=owner
        )
        raise RuntimeError("the caller fails after the service")
    engagement.refresh_from_db()
    assert engagement.start_date == date(2026, 10, 1)
    assert not engagement.events.filter(kind="dates").exists()
    assert not WebhookDelivery.objects.exists()


def test_dates_equal_to_the_current_ones_change_nothing_even_on_a_closed_engagement(result, owner, endpoint):
    engagement = engagement_for(result, status="completed", end_date=date(2026, 12, 31))
    delivery_services.engagement_change_dates(
        engagement=engagement, start_date=date(2026, 10, 1), end_date=date(2026, 12, 31), actor=owner
    )
    assert not engagement.events.filter(kind="dates").exists()
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("start_date", "end_date", "field", "message"),
    [
        (date(2026, 10, 1), date(2026, 9, 30), "end_date", "The end date must not be before the start date."),
        (None, None, "start_date", "An engagement needs a start date."),
    ],
)
def test_dates_out_of_order_are_a_validation_error_that_changes_nothing(
    result, owner, endpoint, start_date, end_date, field, message
):
    engagement = engagement_for(result, status="active")
    with pytest.raises(ValidationError) as error:
        delivery_services.engagement_change_dates(
            engagement=engagement, start_date=start_date, end_date=end_date, actor=owner
        )
    assert error.value.message_dict == {field: [message]}
    engagement.refresh_from_db()
    assert (engagement.start_date, engagement.end_date) == (date(2026, 10, 1), None)
    assert not engagement.events.filter(kind="dates").exists()
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("status", ["completed", "cancelled", "declined"])
def test_a_closed_engagement_keeps_its_dates(result, owner, status):
    engagement = engagement_for(result, status=status)
    with pytest.raises(delivery_services.EngagementError, match=f"The dates of a {status} engagement cannot change"):
        delivery_services.engagement_change_dates(
            engagement=engagement, start_date=date(2026, 10, 1), end_date=date(2027, 1, 31), actor=owner
        )
    engagement.refresh_from_db()
    assert engagement.end_date is None


def test_only_the_client_moves_the_dates(result, outsider, vendor_user):
    engagement = engagement_for(result, status="active")
    for actor in (vendor_user, outsider):
        with pytest.raises(delivery_services.EngagementError, match="Only the client"):
            delivery_services.engagement_change_dates(
                engagement=engagement, start_date=date(2026, 10, 1), end_date=date(2027, 1, 31), actor=actor
            )
    engagement.refresh_from_db()
    assert engagement.end_date is None


# -- one update: fte, dates, the ERP's id ----------------------------------------------------------


def test_an_update_scales_moves_and_sets_the_erp_id_in_order(result, owner, endpoint):
    engagement = engagement_for(result, status="active")
    updated = delivery_services.engagement_update(
        engagement=engagement,
        data={"fte": Decimal("3.0"), "reason": "Peak", "end_date": date(2027, 1, 31), "external_id": "PO-7"},
        actor=owner,
    )
    assert (updated.fte, updated.start_date, updated.end_date, updated.external_id) == (
        Decimal("3.0"),
        date(2026, 10, 1),
        date(2027, 1, 31),
        "PO-7",
    )
    assert list(engagement.events.order_by("id").values_list("kind", "note")) == [
        ("status", ""),
        ("fte", "Peak"),
        ("dates", "Peak"),
    ]
    assert [row.payload["data"]["change"]["kind"] for row in WebhookDelivery.objects.order_by("id")] == ["fte", "dates"]


def test_an_update_with_the_current_values_changes_nothing(result, owner, endpoint):
    engagement = engagement_for(result, status="active", external_id="PO-1")
    delivery_services.engagement_update(
        engagement=engagement,
        data={"fte": Decimal("2.0"), "start_date": date(2026, 10, 1), "end_date": None, "external_id": "PO-1"},
        actor=owner,
    )
    assert list(engagement.events.values_list("kind", flat=True)) == ["status"]
    assert not WebhookDelivery.objects.exists()


def test_an_erp_id_taken_in_the_organization_is_a_validation_error_that_undoes_the_whole_update(result, owner):
    engagement_for(succeeded_run(result.run.requirement, count=1).results.get(), external_id="PO-1")
    engagement = engagement_for(result, status="active")
    with pytest.raises(ValidationError) as error:
        delivery_services.engagement_update(
            engagement=engagement,
            data={"fte": Decimal("3.0"), "reason": "Peak", "external_id": "PO-1"},
            actor=owner,
        )
    assert error.value.message_dict == {
        "external_id": ["Another engagement of this organization has this external id."]
    }
    engagement.refresh_from_db()
    assert (engagement.fte, engagement.external_id) == (Decimal("2.0"), "")
    assert not engagement.events.filter(kind="fte").exists()


# -- milestones ------------------------------------------------------------------------------------


def test_a_milestone_declared_delivered_by_the_vendor_is_confirmed_by_the_client(result, owner):
    engagement = engagement_for(result, status="active")
    vendor_member = VendorMembershipFactory(vendor=engagement.vendor).user
    milestone = delivery_services.milestone_create(
        engagement=engagement, title="Data model", due_date=date(2026, 12, 15), actor=owner
    )
    assert milestone.status == "pending"
    with pytest.raises(delivery_services.EngagementError, match="only a delivered milestone can be marked accepted"):
        delivery_services.milestone_advance(milestone=milestone, action="accept", actor=owner)
    milestone = delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=vendor_member)
    assert (milestone.status, milestone.delivered_by) == ("delivered", "vendor") and milestone.delivered_at
    with pytest.raises(delivery_services.EngagementError, match="the client confirms it"):
        delivery_services.milestone_advance(milestone=milestone, action="accept", actor=vendor_member)
    milestone = delivery_services.milestone_advance(milestone=milestone, action="accept", actor=owner)
    assert (milestone.status, milestone.accepted_by) == ("accepted", "client") and milestone.accepted_at


def test_a_milestone_declared_delivered_by_the_client_is_confirmed_by_the_vendor(result, owner):
    engagement = engagement_for(result, status="active")
    vendor_member = VendorMembershipFactory(vendor=engagement.vendor).user
    milestone = delivery_services.milestone_create(
        engagement=engagement, title="Close", due_date=date(2026, 12, 15), actor=owner
    )
    milestone = delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=owner)
    assert milestone.delivered_by == "client"
    with pytest.raises(delivery_services.EngagementError, match="the vendor confirms it"):
        delivery_services.milestone_advance(milestone=milestone, action="accept", actor=owner)
    assert Vendor.objects.get(pk=engagement.vendor_id).milestones_accepted_count == 0  # not agreed: not counted
    milestone = delivery_services.milestone_advance(milestone=milestone, action="accept", actor=vendor_member)
    assert (milestone.status, milestone.accepted_by) == ("accepted", "vendor")
    assert Vendor.objects.get(pk=engagement.vendor_id).milestones_accepted_count == 1


def test_nothing_is_delivered_before_the_vendor_accepts_the_engagement(result, owner):
    engagement = engagement_for(result, status="proposed")
    milestone = delivery_services.milestone_create(
        engagement=engagement, title="Kick-off", due_date=date(2026, 12, 15), actor=owner
    )  # planning is fine
    for actor in (owner, VendorMembershipFactory(vendor=engagement.vendor).user):
        with pytest.raises(delivery_services.EngagementError, match="has not accepted this engagement yet"):
            delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=actor)
    milestone.refresh_from_db()
    assert (milestone.status, milestone.delivered_at) == ("pending", None)


def test_an_outsider_cannot_declare_or_confirm(result, owner, outsider):
    engagement = engagement_for(result, status="active")
    milestone = delivery_services.milestone_create(
        engagement=engagement, title="X", due_date=date(2026, 12, 1), actor=owner
    )
    with pytest.raises(delivery_services.EngagementError, match="Only the vendor or the client"):
        delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=outsider)


def test_a_closed_engagement_takes_no_milestones(result, owner):
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    with pytest.raises(delivery_services.EngagementError, match="takes no new milestones"):
        delivery_services.milestone_create(engagement=engagement, title="Late", due_date=date(2026, 12, 1), actor=owner)


# -- reviews -----------------------------------------------------------------------------------------


def test_a_review_updates_the_vendors_rating_and_count(result, owner):
    vendor = result.vendor
    earlier = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    Review.objects.create(engagement=earlier, vendor=vendor, rating=3)
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 2))
    before = vendor.updated_at

    review = delivery_services.review_create(engagement=engagement, author=owner, rating=5, comment="  Sharp work.  ")
    vendor.refresh_from_db()
    assert (review.rating, review.comment, review.vendor) == (5, "Sharp work.", vendor)
    assert vendor.rating == Decimal("4.00")
    assert vendor.review_count == 2
    assert vendor.updated_at > before


def test_an_engagement_is_reviewed_once(result, owner):
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    delivery_services.review_create(engagement=engagement, author=owner, rating=4)
    with pytest.raises(delivery_services.EngagementError, match="already been reviewed"):
        delivery_services.review_create(engagement=engagement, author=owner, rating=1)
    result.vendor.refresh_from_db()
    assert (result.vendor.rating, result.vendor.review_count) == (Decimal("4.00"), 1)


@pytest.mark.parametrize(
    ("status", "rating", "message"), [("active", 4, "Only a completed"), ("completed", 6, "between 1 and 5")]
)
def test_a_review_needs_a_completed_engagement_and_a_rating_of_1_to_5(result, owner, status, rating, message):
    engagement = engagement_for(result, status=status, end_date=date(2026, 11, 1))
    with pytest.raises(delivery_services.EngagementError, match=message):
        delivery_services.review_create(engagement=engagement, author=owner, rating=rating)
    assert not Review.objects.exists()


def test_only_the_client_reviews(result, vendor_user):
    engagement = engagement_for(result, status="completed", end_date=date(2026, 11, 1))
    with pytest.raises(delivery_services.EngagementError, match="Only the client"):
        delivery_services.review_create(engagement=engagement, author=vendor_user, rating=5)


# -- spend -------------------------------------------------------------------------------------------


def test_spend_is_rate_times_fte_times_160_hours_times_months_in_the_clients_currency(result, owner):
    client = owner.membership.client  # EUR
    today = date(2026, 11, 27)
    vendor_country = result.vendor.headquarters_country
    # Active since 3 months (91.3125 days = 3 x 30.4375): 40 USD x 2 FTE x 160 h x 3 = 38,400 USD.
    engagement_for(
        result,
        status="active",
        agreed_rate=Decimal("40"),
        currency="USD",
        fte=Decimal("2"),
        start_date=today - timedelta(days=91),
    )
    # Proposed engagements cost nothing yet.
    engagement_for(result, status="proposed", agreed_rate=Decimal("999"))
    spend = delivery_selectors.client_spend_by_country(client=client, today=today)
    usd = ExchangeRate.objects.get(currency="USD").rate_to_base
    eur = ExchangeRate.objects.get(currency="EUR").rate_to_base
    months = Decimal(91) / Decimal("30.4375")
    expected = (Decimal(40) * 2 * 160 * months * usd / eur).quantize(Decimal(1))
    [row] = spend["countries"]
    assert row["country"] == vendor_country
    assert row["spend"] == expected
    assert row["savings"] == 0  # no benchmark at award: no saving
    assert spend["currency"] == "EUR" and spend["skipped"] == 0 and spend["without_benchmark"] == 1


def test_savings_are_measured_against_the_benchmark_at_award_by_domain_and_quarter(result, owner):
    """Realised: the hours worked so far, in the quarters they fall in; promised: the requirement's
    estimated hours, in the quarter the engagement starts (the issue: the dashboard showed 0)."""
    client = owner.membership.client  # EUR
    today = date(2026, 11, 27)
    start = date(2026, 9, 1)  # 30 days of Q3, 57 of Q4 by the 27th of November
    engagement = engagement_for(
        result, status="active", agreed_rate=Decimal("40"), currency="EUR", fte=Decimal("1"), start_date=start
    )
    Engagement.objects.filter(pk=engagement.pk).update(benchmark_rate=Decimal("70"), benchmark_basis="domain_seniority")
    hours = result.run.requirement.estimated_hours
    spend = delivery_selectors.client_spend_by_country(client=client, today=today)

    per_month = Decimal(30) * 160  # 30 EUR/h saved x 1 FTE x 160 h
    q3 = per_month * Decimal(30) / Decimal("30.4375")
    q4 = per_month * Decimal(57) / Decimal("30.4375")
    assert spend["quarters"] == [
        {
            "label": "2026 Q3",
            "realised": q3.quantize(Decimal(1)),
            "promised": (Decimal(30) * hours).quantize(Decimal(1)),
            "measured": 2,  # the promise and the hours of Q3
        },
        {"label": "2026 Q4", "realised": q4.quantize(Decimal(1)), "promised": Decimal(0), "measured": 1},
    ]
    [domain] = spend["domains"]
    assert domain["name"] == result.run.requirement.domain.name
    assert domain["realised"] == (q3 + q4).quantize(Decimal(1))
    assert spend["total_savings"] == (q3 + q4).quantize(Decimal(1)) and spend["without_benchmark"] == 0


def test_a_completed_engagement_counts_until_its_end_date(result, owner):
    today = date(2026, 11, 27)
    engagement_for(
        result,
        status="completed",
        agreed_rate=Decimal("10"),
        currency="EUR",
        fte=Decimal("1"),
        start_date=date(2026, 1, 1),
        end_date=date(2026, 1, 1) + timedelta(days=61),  # about 2 months
    )
    [row] = delivery_selectors.client_spend_by_country(client=owner.membership.client, today=today)["countries"]
    assert row["spend"] == (Decimal(10) * 160 * Decimal(61) / Decimal("30.4375")).quantize(Decimal(1))
