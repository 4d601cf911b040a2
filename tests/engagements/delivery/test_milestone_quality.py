"""On-time milestone delivery feeds the quality component of matching: the client's
acceptance recounts the vendor's accepted and on-time milestones, the candidates
SQL reads the counts, and scoring blends them in with a Bayesian prior so a
vendor with few milestones is not swung."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from engagements.delivery import services as delivery_services
from engagements.matching.candidates import SiteResolver, build_context, classify, vendor_profiles
from engagements.matching.scorer import Scorer
from engagements.matching.scoring import (
    MILESTONE_MAX_POINTS,
    MILESTONE_PRIOR_ON_TIME,
    MILESTONE_PRIOR_STRENGTH,
    delivery_points,
    on_time_share,
    quality_score,
)
from engagements.models import ClientOrganization, Milestone
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.engagements.matching.test_scoring_properties import requirements, vendors
from tests.factories import VendorMembershipFactory
from vendors.models import Vendor

PROPERTY = settings(max_examples=200, deadline=None)

milestone_counts = st.integers(0, 500).flatmap(lambda accepted: st.tuples(st.just(accepted), st.integers(0, accepted)))


# --- the rule ------------------------------------------------------------------------------


def test_the_prior_constants_are_documented_values():
    assert (MILESTONE_PRIOR_ON_TIME, MILESTONE_PRIOR_STRENGTH, MILESTONE_MAX_POINTS) == (0.8, 10, 10.0)


def test_no_milestones_leaves_quality_as_reviews_alone():
    assert on_time_share(0, 0) == pytest.approx(0.8)
    assert delivery_points(0, 0) == 0.0
    assert quality_score(0, None, verified=True) == pytest.approx(68.125)
    assert quality_score(12, 4.6, verified=True, milestones_accepted=0, milestones_on_time=0) == pytest.approx(
        85 * (72.7 / 17 - 1) / 4 + 15
    )


def test_one_late_milestone_does_not_swing_a_new_vendor():
    assert on_time_share(1, 0) == pytest.approx(8 / 11)
    assert delivery_points(1, 0) == pytest.approx(-0.9091, abs=1e-4)
    assert delivery_points(1, 1) == pytest.approx(10 * (9 / 11 - 0.8) / 0.2)  # +0.91


def test_a_long_record_moves_quality_up_to_the_cap():
    assert delivery_points(10, 10) == pytest.approx(5.0)
    assert delivery_points(10, 0) == pytest.approx(-5.0)
    assert delivery_points(50, 50) == pytest.approx(10 * (58 / 60 - 0.8) / 0.2)  # +8.33
    assert delivery_points(10**6, 10**6) == pytest.approx(MILESTONE_MAX_POINTS, abs=1e-3)
    assert delivery_points(10**6, 0) == pytest.approx(-MILESTONE_MAX_POINTS, abs=1e-3)


def test_quality_stays_within_0_and_100():
    assert quality_score(500, 5.0, verified=True, milestones_accepted=100, milestones_on_time=100) == 100.0
    assert quality_score(500, 1.0, verified=False, milestones_accepted=100, milestones_on_time=0) == 0.0


def test_a_punctual_vendor_outranks_a_late_one_with_the_same_reviews():
    punctual = quality_score(12, 4.6, verified=True, milestones_accepted=20, milestones_on_time=19)
    late = quality_score(12, 4.6, verified=True, milestones_accepted=20, milestones_on_time=8)
    unknown = quality_score(12, 4.6, verified=True)
    assert punctual > unknown > late


# --- properties ----------------------------------------------------------------------------


@PROPERTY
@given(st.integers(0, 10000), st.one_of(st.none(), st.floats(1, 5)), st.booleans(), milestone_counts)
def test_more_on_time_milestones_never_lower_quality(review_count, mean, verified, counts):
    accepted, on_time = counts
    mean = mean if review_count else None
    base = quality_score(review_count, mean, verified, accepted, on_time)
    assert 0.0 <= base <= 100.0
    # one more of the same milestones delivered on time
    if on_time < accepted:
        assert quality_score(review_count, mean, verified, accepted, on_time + 1) >= base
    # one more milestone, delivered on time
    assert quality_score(review_count, mean, verified, accepted + 1, on_time + 1) >= base


@PROPERTY
@given(requirements(), vendors(), milestone_counts, st.integers(1, 50))
def test_through_the_scorer_more_on_time_milestones_never_lower_quality_or_the_total(requirement, vendor, counts, more):
    accepted, on_time = counts
    scorer = Scorer(requirement)
    before = dataclasses.replace(vendor, milestones_accepted=accepted, milestones_on_time=on_time)
    after = dataclasses.replace(vendor, milestones_accepted=accepted + more, milestones_on_time=on_time + more)
    total_before, components_before, _ = scorer.evaluate(before)
    total_after, components_after, _ = scorer.evaluate(after)
    assert components_after["quality"] >= components_before["quality"]
    assert total_after >= total_before - 1e-9
    # the inlined hot path agrees with the component functions
    assert components_before == pytest.approx(scorer.components(before))
    assert total_before == pytest.approx(scorer.total(scorer.components(before)))


# --- the service and the candidates SQL ---------------------------------------------------------


@pytest.fixture
def engagement(db, owner):
    result = succeeded_run(requirement_for(owner), count=1).results.select_related("vendor", "run__requirement").get()
    return engagement_for(result, status="active")


def deliver_and_accept(engagement, owner, *, due_date: date, delivered_at: datetime) -> Milestone:
    """The vendor declares the milestone delivered, the client (`owner`) confirms it."""
    milestone = delivery_services.milestone_create(engagement=engagement, title="Close", due_date=due_date, actor=owner)
    vendor_member = VendorMembershipFactory(vendor_id=engagement.vendor_id).user
    delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=vendor_member)
    Milestone.objects.filter(pk=milestone.pk).update(delivered_at=delivered_at)
    return delivery_services.milestone_advance(milestone=milestone, action="accept", actor=owner)


def counts(vendor_id: int) -> tuple[int, int]:
    return (
        Vendor.objects.filter(pk=vendor_id).values_list("milestones_accepted_count", "milestones_on_time_count").get()
    )


@pytest.mark.django_db
def test_accepting_a_milestone_counts_it_and_whether_it_was_on_time(engagement, owner):
    today = timezone.localdate()
    assert counts(engagement.vendor_id) == (0, 0)

    deliver_and_accept(engagement, owner, due_date=today + timedelta(days=3), delivered_at=timezone.now())
    assert counts(engagement.vendor_id) == (1, 1)

    deliver_and_accept(engagement, owner, due_date=today - timedelta(days=3), delivered_at=timezone.now())
    assert counts(engagement.vendor_id) == (2, 1)


@pytest.mark.django_db
def test_delivery_alone_counts_nothing(engagement, owner):
    milestone = delivery_services.milestone_create(
        engagement=engagement, title="Draft", due_date=timezone.localdate(), actor=owner
    )
    delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=owner)

    assert counts(engagement.vendor_id) == (0, 0)


@pytest.mark.django_db
def test_the_due_date_is_a_day_of_the_clients_calendar(engagement, owner):
    ClientOrganization.objects.filter(pk=engagement.client_id).update(timezone="Asia/Tokyo")
    # 23:30 UTC on the 10th is already the 11th in Tokyo.
    late_in_tokyo = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    deliver_and_accept(engagement, owner, due_date=date(2026, 3, 10), delivered_at=late_in_tokyo)
    assert counts(engagement.vendor_id) == (1, 0)

    ClientOrganization.objects.filter(pk=engagement.client_id).update(timezone="America/New_York")
    deliver_and_accept(engagement, owner, due_date=date(2026, 3, 10), delivered_at=late_in_tokyo)
    assert counts(engagement.vendor_id) == (2, 2)  # recounted: both on time in New York


@pytest.mark.django_db
def test_the_counts_heal_from_the_milestones(engagement, owner):
    Vendor.objects.filter(pk=engagement.vendor_id).update(milestones_accepted_count=40, milestones_on_time_count=2)

    deliver_and_accept(
        engagement, owner, due_date=timezone.localdate() + timedelta(days=1), delivered_at=timezone.now()
    )

    assert counts(engagement.vendor_id) == (1, 1)


@pytest.mark.django_db
def test_the_candidates_sql_reads_the_counts_into_the_quality_component(engagement, owner):
    vendor = engagement.vendor
    requirement = engagement.requirement
    context = build_context(requirement, top_k=10, today=timezone.localdate())

    def quality() -> float:
        [row] = classify(context, vendor.pk, vendor.pk)
        profile = next(vendor_profiles(context, vendor.pk, vendor.pk, [row], SiteResolver(context)))
        return Scorer(context.profile()).components(profile)["quality"], (
            profile.milestones_accepted,
            profile.milestones_on_time,
        )

    before, seen = quality()
    assert seen == (0, 0)
    for _ in range(5):
        deliver_and_accept(
            engagement, owner, due_date=timezone.localdate() + timedelta(days=1), delivered_at=timezone.now()
        )

    after, seen = quality()
    assert seen == (5, 5)
    assert after == pytest.approx(before + delivery_points(5, 5))
    assert after > before
