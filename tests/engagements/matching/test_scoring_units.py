"""Example-based tests of the scoring rules (engagements/matching/scoring.py) and
of the geography they rely on (kpo/geo.py). Pure Python: no database."""

from __future__ import annotations

import ast
import dataclasses
import sys
from datetime import date, time
from pathlib import Path

import pytest

from engagements.matching import scorer, scoring
from engagements.matching.scorer import Scorer
from engagements.matching.scoring import (
    RequiredSkill,
    RequirementProfile,
    Site,
    VendorProfile,
    bayesian_rating,
    capacity_score,
    cost_score,
    estimate_rate,
    quality_score,
    skill_fit,
)
from kpo import geo
from kpo.geo import location_class, overlap_hours, region, utc_offset_hours


def make_requirement(**changes) -> RequirementProfile:
    base = RequirementProfile(
        domain="finance",
        skills=(RequiredSkill("ifrs", min_proficiency=3, weight=1.0, must_have=True),),
        budget_hourly_rate=50.0,
        estimated_hours=100.0,
        fte_needed=2.0,
        languages=frozenset({"en"}),
        min_overlap_hours=3.0,
        method="balanced",
    )
    return dataclasses.replace(base, **changes)


def make_vendor(**changes) -> VendorProfile:
    """A vendor that passes every hard constraint of make_requirement() and raises no flag."""
    base = VendorProfile(
        vendor_id=7,
        skills={"ifrs": (4, 6)},
        hourly_rate=40.0,
        sites=(Site("PL", "Krakow", "nearshore", 8.0),),
        languages=frozenset({"en", "pl"}),
        domain_engagements=2,
        review_count=20,
        rating=4.5,
        verified=True,
        available_fte=3.0,
        security_certified=True,
    )
    return dataclasses.replace(base, **changes)


def flags_of(requirement: RequirementProfile, vendor: VendorProfile) -> dict[str, str]:
    scorer = Scorer(requirement)
    return {flag["code"]: flag["message"] for flag in scorer.explain(vendor, scorer.score(vendor))["flags"]}


# -- component rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("proficiency", "minimum", "fit"),
    [
        (0, 1, 0.0),
        (0, 3, 0.0),
        (1, 3, 0.2),
        (2, 3, 0.4),
        (3, 3, 0.8),
        (4, 3, 0.9),
        (5, 3, 1.0),
        (2, 4, 0.3),
        (4, 4, 0.8),
        (4, 5, 0.48),
        (5, 5, 1.0),
        (1, 1, 0.8),
        (3, 1, 0.9),
        (5, 1, 1.0),
    ],
)
def test_skill_fit_gives_partial_credit_below_the_minimum_and_0_8_to_1_above(proficiency, minimum, fit):
    assert skill_fit(proficiency, minimum) == pytest.approx(fit)


def test_expertise_combines_coverage_experience_and_track_record():
    requirement = make_requirement(
        skills=(RequiredSkill("ifrs", 3, weight=3.0), RequiredSkill("dcf", 4, weight=1.0)),
    )
    vendor = make_vendor(skills={"ifrs": (4, 12), "dcf": (2, 5)}, domain_engagements=3)
    # coverage = (3 * 0.9 + 1 * 0.3) / 4 = 0.75; experience = (3 * 1 + 1 * 0.5) / 4 = 0.875; track = 3 / 6
    expected = 100 * (0.75 * 0.75 + 0.15 * 0.875 + 0.10 * 0.5)

    assert Scorer(requirement).expertise(vendor) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("rate", "score"),
    [(25.0, 100.0), (50.0, 100.0), (75.0, 80.0), (100.0, 60.0), (125.0, 30.0), (150.0, 0.0), (200.0, 0.0)],
)
def test_cost_score_follows_the_rate_to_budget_ratio(rate, score):
    assert cost_score(rate, 100.0) == pytest.approx(score)


def test_cost_score_is_zero_without_a_rate_or_a_budget():
    assert cost_score(None, 100.0) == 0.0
    assert cost_score(10.0, 0.0) == 0.0


@pytest.mark.parametrize(
    ("available", "score"),
    [(-1.0, 0.0), (0.0, 0.0), (1.0, 42.5), (2.0, 85.0), (2.5, 92.5), (3.0, 100.0), (10.0, 100.0)],
)
def test_capacity_score_anchors_for_two_fte_needed(available, score):
    assert capacity_score(available, 2.0) == pytest.approx(score)


def test_capacity_score_is_full_when_no_fte_is_needed():
    assert capacity_score(0.0, 0.0) == 100.0


def test_quality_starts_from_the_prior_and_verification_adds_fifteen():
    assert bayesian_rating(0, None) == 3.5
    assert quality_score(0, None, verified=False) == pytest.approx(53.125)
    assert quality_score(0, None, verified=True) == pytest.approx(68.125)
    # (5 * 3.5 + 12 * 4.6) / 17 = 4.27647...
    assert bayesian_rating(12, 4.6) == pytest.approx(72.7 / 17)
    assert quality_score(12, 4.6, verified=True) == pytest.approx(85 * (72.7 / 17 - 1) / 4 + 15)


def test_location_weighs_class_overlap_and_languages():
    requirement = make_requirement(
        preferred_classes=frozenset({"onshore"}), min_overlap_hours=0.0, languages=frozenset({"en", "it"})
    )
    vendor = make_vendor(sites=(Site("PL", "Krakow", "nearshore", 2.0),), languages=frozenset({"en"}))
    # class 70 (not preferred), overlap 100 * 2 / 4, languages 1 of 2
    assert Scorer(requirement).location(vendor) == pytest.approx(0.4 * 70 + 0.4 * 50 + 0.2 * 100 * 0.5)


def test_location_ignores_centres_of_a_class_that_is_not_allowed():
    requirement = make_requirement(allowed_classes=frozenset({"onshore", "nearshore"}), languages=frozenset())
    vendor = make_vendor(sites=(Site("IN", "Pune", "offshore", 9.0), Site("PL", "Krakow", "nearshore", 1.0)))
    scorer = Scorer(requirement)

    site, _ = scorer.best_site(vendor)
    assert site is not None and site.country == "PL"
    assert scorer.location(vendor) == pytest.approx(0.4 * 100 + 0.4 * 25 + 20)


# -- rates -----------------------------------------------------------------------------


def test_estimate_rate_uses_the_card_for_the_seniority_when_there_is_one():
    assert estimate_rate({"junior": 30.0, "senior": 100.0}, "senior") == (100.0, False)


@pytest.mark.parametrize(
    ("rates", "seniority", "expected"),
    [
        ({"senior": 100.0}, "expert", 100.0 * 1.38),
        ({"mid": 78.0}, "junior", 55.0),
        ({"junior": 50.0, "expert": 200.0}, "senior", 200.0 / 1.38),
        # junior and senior are both one step from mid: the lower one wins the tie
        ({"junior": 50.0, "senior": 100.0}, "mid", 50.0 * 0.78 / 0.55),
    ],
)
def test_estimate_rate_scales_the_nearest_card_and_flags_it_estimated(rates, seniority, expected):
    rate, estimated = estimate_rate(rates, seniority)

    assert rate == pytest.approx(expected)
    assert estimated is True


def test_estimate_rate_gives_nothing_without_any_card():
    assert estimate_rate({}, "senior") == (None, False)


# -- hard constraints ------------------------------------------------------------------


def test_a_vendor_meeting_every_constraint_is_not_excluded():
    assert Scorer(make_requirement()).exclusion(make_vendor()) is None


def test_a_vendor_without_a_rate_is_excluded_for_no_rate():
    assert Scorer(make_requirement()).exclusion(make_vendor(hourly_rate=None, sites=())) == "no_rate"


@pytest.mark.parametrize("sites", [(), (Site("PL", "Krakow", "nearshore", 8.0), Site("IN", "Pune", "offshore", 4.0))])
def test_a_vendor_without_a_centre_of_an_allowed_class_is_excluded(sites):
    requirement = make_requirement(allowed_classes=frozenset({"onshore"}))

    assert Scorer(requirement).exclusion(make_vendor(sites=sites)) == "location_class_not_allowed"


def test_a_vendor_whose_allowed_centres_overlap_too_little_is_excluded():
    requirement = make_requirement(allowed_classes=frozenset({"nearshore"}), min_overlap_hours=3.0)
    vendor = make_vendor(sites=(Site("PL", "Krakow", "nearshore", 2.5), Site("IN", "Pune", "offshore", 8.0)))
    scorer = Scorer(requirement)

    assert scorer.exclusion(vendor) == "insufficient_timezone_overlap"
    assert scorer.exclusion(make_vendor(sites=(Site("PL", "Krakow", "nearshore", 3.0),))) is None


def test_fixed_budget_excludes_a_rate_above_the_budget_only():
    scorer = Scorer(make_requirement(method="fixed_budget", budget_hourly_rate=50.0))

    assert scorer.exclusion(make_vendor(hourly_rate=50.01)) == "over_budget"
    assert scorer.exclusion(make_vendor(hourly_rate=50.0)) is None
    assert Scorer(make_requirement(budget_hourly_rate=50.0)).exclusion(make_vendor(hourly_rate=80.0)) is None


def test_least_cost_excludes_an_expertise_below_sixty():
    scorer = Scorer(make_requirement(method="least_cost"))
    weak = make_vendor(skills={"ifrs": (2, 1)}, domain_engagements=0)  # 100 * (0.75 * 0.4 + 0.15 * 0.1) = 31.5
    strong = make_vendor(skills={"ifrs": (4, 6)}, domain_engagements=0)  # 100 * (0.75 * 0.9 + 0.15 * 0.6) = 76.5

    assert scorer.expertise(weak) == pytest.approx(31.5)
    assert scorer.exclusion(weak) == "below_min_expertise"
    assert scorer.exclusion(strong) is None
    assert scorer.exclusion(strong, {"expertise": 59.99}) == "below_min_expertise"
    assert Scorer(make_requirement()).exclusion(weak) is None


# -- explanation and flags ---------------------------------------------------------------


def test_a_fine_vendor_raises_no_flag():
    assert flags_of(make_requirement(confidentiality="high"), make_vendor()) == {}


def test_a_confidential_need_flags_a_vendor_without_security_certification():
    uncertified = make_vendor(security_certified=False)

    assert "ip_security" in flags_of(make_requirement(confidentiality="high"), uncertified)
    assert "ip_security" not in flags_of(make_requirement(confidentiality="high"), make_vendor())
    assert "ip_security" not in flags_of(make_requirement(confidentiality="medium"), uncertified)


def test_an_overlap_under_two_hours_flags_communication():
    requirement = make_requirement(min_overlap_hours=0.0)

    assert flags_of(requirement, make_vendor(sites=(Site("IN", "Pune", "offshore", 1.5),)))["communication"] == (
        "Only 1.5 h of working-hours overlap."
    )
    assert "communication" in flags_of(requirement, make_vendor(sites=()))
    assert "communication" not in flags_of(requirement, make_vendor(sites=(Site("IN", "Pune", "offshore", 2.0),)))


def test_no_shared_language_flags_communication():
    requirement = make_requirement(languages=frozenset({"de"}))

    assert (
        flags_of(requirement, make_vendor(languages=frozenset({"en"})))["communication"]
        == "No shared working language."
    )
    assert "communication" not in flags_of(requirement, make_vendor(languages=frozenset({"de", "en"})))
    assert "communication" not in flags_of(make_requirement(languages=frozenset()), make_vendor())


@pytest.mark.parametrize(
    ("review_count", "verified", "message"),
    [
        (2, True, "Little evidence of quality: 2 reviews."),
        (1, True, "Little evidence of quality: 1 review."),
        (10, False, "Little evidence of quality: not verified."),
        (0, False, "Little evidence of quality: 0 reviews, not verified."),
    ],
)
def test_few_reviews_or_no_verification_flags_quality(review_count, verified, message):
    vendor = make_vendor(review_count=review_count, rating=4.5 if review_count else None, verified=verified)

    assert flags_of(make_requirement(), vendor)["quality"] == message


def test_three_verified_reviews_raise_no_quality_flag():
    assert "quality" not in flags_of(make_requirement(), make_vendor(review_count=3, verified=True))


def test_the_explanation_prices_the_work_and_the_saving_against_the_benchmark():
    vendor = make_vendor(hourly_rate=40.0)
    with_benchmark = Scorer(make_requirement(estimated_hours=100.0, benchmark_rate=65.0))
    without_benchmark = Scorer(make_requirement(estimated_hours=100.0, benchmark_rate=None))
    dearer_than_benchmark = Scorer(make_requirement(estimated_hours=100.0, benchmark_rate=30.0))

    explained = with_benchmark.explain(vendor, with_benchmark.score(vendor))
    assert explained["estimated_cost"] == 4000.0
    assert explained["estimated_savings"] == 2500.0
    assert explained["benchmark_rate"] == 65.0
    assert without_benchmark.explain(vendor, without_benchmark.score(vendor))["estimated_savings"] is None
    assert dearer_than_benchmark.explain(vendor, dearer_than_benchmark.score(vendor))["estimated_savings"] == -1000.0


def test_the_explanation_separates_matched_and_missing_skills():
    requirement = make_requirement(skills=(RequiredSkill("ifrs", 3), RequiredSkill("dcf", 4, must_have=True)))
    scorer = Scorer(requirement)
    vendor = make_vendor(skills={"ifrs": (3, 2), "dcf": (3, 9)})

    explained = scorer.explain(vendor, scorer.score(vendor))
    assert [row["skill"] for row in explained["matched_skills"]] == ["ifrs"]
    assert explained["missing_skills"] == [
        {"skill": "dcf", "proficiency": 3, "years_experience": 9, "min_proficiency": 4, "must_have": True}
    ]


def test_a_perfect_vendor_totals_exactly_100_whatever_the_weights():
    requirement = make_requirement(
        skills=(),
        weights={"expertise": 0, "quality": 0, "cost": 0.1, "location": 0.1, "capacity": 0.7},
        languages=frozenset(),
        min_overlap_hours=0.0,
        budget_hourly_rate=100.0,
    )
    vendor = make_vendor(hourly_rate=40.0, sites=(Site("IT", "Milan", "onshore", 9.0),), available_fte=5.0)
    score = Scorer(requirement).score(vendor)

    assert score.components["cost"] == score.components["location"] == score.components["capacity"] == 100.0
    assert score.total <= 100.0


# -- geography -------------------------------------------------------------------------------

SPRING = date(2026, 3, 20)  # the US is on summer time (since 8 March), the EU not yet (29 March)
SUMMER = date(2026, 7, 1)
WINTER = date(2026, 1, 15)


def classify(client_country: str, client_tz: str, country: str, tz: str, on: date = SUMMER) -> str:
    return location_class(client_country=client_country, client_tz=client_tz, country=country, tz=tz, on=on)


def test_a_centre_in_the_clients_country_is_onshore():
    assert classify("IT", "Europe/Rome", "IT", "Europe/Rome") == "onshore"
    assert classify("US", "America/New_York", "US", "America/Los_Angeles") == "onshore"


def test_a_polish_centre_is_nearshore_for_an_italian_client():
    # Italy and Poland sit in different regions of the table: the offset (0 h) decides.
    assert region("IT") != region("PL")
    assert classify("IT", "Europe/Rome", "PL", "Europe/Warsaw", WINTER) == "nearshore"
    assert classify("IT", "Europe/Rome", "PL", "Europe/Warsaw", SUMMER) == "nearshore"


def test_a_centre_of_the_same_region_is_nearshore_however_far_the_offset():
    # Warsaw is UTC+2 in July, Vladivostok UTC+10: far apart, same region.
    assert utc_offset_hours("Asia/Vladivostok", SUMMER) - utc_offset_hours("Europe/Warsaw", SUMMER) == 8.0
    assert classify("PL", "Europe/Warsaw", "RU", "Asia/Vladivostok") == "nearshore"


def test_an_indian_centre_is_offshore_for_an_italian_client():
    # 4.5 h apart in winter, 3.5 h in summer: beyond the 3-hour rule either way.
    assert classify("IT", "Europe/Rome", "IN", "Asia/Kolkata", WINTER) == "offshore"
    assert classify("IT", "Europe/Rome", "IN", "Asia/Kolkata", SUMMER) == "offshore"


def test_a_mexican_centre_is_nearshore_for_a_us_client_by_offset():
    assert region("US") != region("MX")
    assert classify("US", "America/New_York", "MX", "America/Mexico_City", WINTER) == "nearshore"
    assert classify("US", "America/New_York", "MX", "America/Mexico_City", SUMMER) == "nearshore"


def test_three_hours_apart_is_still_nearshore_and_four_is_offshore():
    # In January Rome is UTC+1, London UTC+0, Dubai UTC+4.
    assert classify("IT", "Europe/Rome", "AE", "Asia/Dubai", WINTER) == "nearshore"
    assert classify("GB", "Europe/London", "AE", "Asia/Dubai", WINTER) == "offshore"


def test_utc_offsets_follow_daylight_saving():
    assert utc_offset_hours("Europe/Rome", SPRING) == 1.0
    assert utc_offset_hours("America/New_York", SPRING) == -4.0
    assert utc_offset_hours("Europe/Rome", SUMMER) == 2.0
    assert utc_offset_hours("Australia/Sydney", SUMMER) == 10.0
    assert utc_offset_hours("Australia/Sydney", WINTER) == 11.0
    assert utc_offset_hours("Asia/Kolkata", WINTER) == 5.5


def rome_client_overlap(tz: str, on: date) -> float:
    return overlap_hours(client_tz="Europe/Rome", client_start=time(9), client_end=time(18), tz=tz, on=on)


def test_overlap_follows_daylight_saving_between_the_us_and_eu_switches():
    # 20 March: Rome 09-18 = 08-17 UTC, New York 09-18 = 13-22 UTC (EDT): 4 h.
    # 1 July: Rome 09-18 = 07-16 UTC, New York still 13-22 UTC: 3 h.
    assert rome_client_overlap("America/New_York", SPRING) == 4.0
    assert rome_client_overlap("America/New_York", SUMMER) == 3.0
    # 15 January: Rome 08-17 UTC, New York 14-23 UTC (EST): 3 h.
    assert rome_client_overlap("America/New_York", WINTER) == 3.0


def test_overlap_handles_half_hour_zones():
    # Kolkata 09-18 = 03:30-12:30 UTC; Rome 09-18 is 07-16 UTC in July, 08-17 UTC in January.
    assert rome_client_overlap("Asia/Kolkata", SUMMER) == 5.5
    assert rome_client_overlap("Asia/Kolkata", WINTER) == 4.5


def test_overlap_looks_at_the_centres_next_day_for_far_zones():
    # New York client 09-18 on 15 January = 14:00-23:00 UTC. A Sydney centre (UTC+11)
    # works 09-18 on 16 January local = 22:00 UTC on the 15th to 07:00 on the 16th: 1 h.
    new_york_client = {"client_tz": "America/New_York", "client_start": time(9), "client_end": time(18)}

    assert overlap_hours(**new_york_client, tz="Australia/Sydney", on=WINTER) == 1.0
    # 1 July: New York 13-22 UTC, Sydney (UTC+10) 23:00-08:00 UTC: nothing.
    assert overlap_hours(**new_york_client, tz="Australia/Sydney", on=SUMMER) == 0.0


def test_overlap_looks_at_the_centres_previous_day_for_far_zones():
    # Sydney client 09-18 on 16 January = 22:00 UTC on the 15th to 07:00 on the 16th;
    # a New York centre's 15 January (14:00-23:00 UTC) gives 1 h.
    sydney_client = {"client_tz": "Australia/Sydney", "client_start": time(9), "client_end": time(18)}

    assert overlap_hours(**sydney_client, tz="America/New_York", on=date(2026, 1, 16)) == 1.0


def test_a_client_working_day_inside_the_centres_gives_its_full_length():
    assert (
        overlap_hours(
            client_tz="Europe/Warsaw", client_start=time(10), client_end=time(15, 30), tz="Europe/Rome", on=SUMMER
        )
        == 5.5
    )


# -- purity ------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [scoring, scorer, geo], ids=["scoring", "scorer", "geo"])
def test_the_engine_imports_only_the_standard_library(module):
    # The scorer applies scoring.py's rules, so it may import that module too; nothing else.
    engine = {"engagements.matching.scoring"} if module is scorer else set()
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))

    assert imported, "no import found: the parser is not looking at the module"
    outside = [
        name
        for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names | {"__future__"} and name not in engine
    ]
    assert outside == []


def test_the_explanation_says_so_when_there_is_no_onshore_benchmark():
    scorer = Scorer(make_requirement(benchmark_rate=None))
    vendor = make_vendor(hourly_rate=30.0)
    explained = scorer.explain(vendor, scorer.score(vendor))
    assert explained["estimated_savings"] is None
    assert "no saving is estimated" in explained["savings_note"]

    scorer = Scorer(make_requirement(benchmark_rate=80.0))
    explained = scorer.explain(vendor, scorer.score(vendor))
    assert explained["savings_note"] is None
    assert explained["estimated_savings"] is not None
