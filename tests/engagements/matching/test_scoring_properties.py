"""Properties of the scoring engine (engagements/matching/scoring.py), checked
with hypothesis over any valid requirement and vendor. Pure Python: no database."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engagements.matching.scorer import Scorer
from engagements.matching.scoring import (
    ALL_CLASSES,
    COMPONENTS,
    DOMAIN_DEFAULT_METHOD,
    METHODS,
    SENIORITY_FACTORS,
    RequiredSkill,
    RequirementProfile,
    Site,
    VendorProfile,
    bayesian_rating,
    cost_score,
    quality_score,
    resolve_weights,
)

PROPERTY = settings(max_examples=200, deadline=None)

SKILL_CODES = ("ifrs", "dcf", "sql", "gdpr", "python", "valuation")
LANGUAGES = ("en", "it", "de", "fr", "es")
CLASSES = sorted(ALL_CLASSES)


def finite(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False)


def subsets(values) -> st.SearchStrategy[frozenset]:
    return st.frozensets(st.sampled_from(sorted(values)))


def merged_weights(method: str, overrides: dict[str, float] | None) -> dict[str, float]:
    """The raw (not normalised) weights a requirement asks for."""
    return {**METHODS[method].weights, **(overrides or {})}


required_skills = st.builds(
    RequiredSkill,
    code=st.sampled_from(SKILL_CODES),
    min_proficiency=st.integers(1, 5),
    weight=finite(0.01, 10),
    must_have=st.booleans(),
)
weight_overrides = st.none() | st.dictionaries(st.sampled_from(COMPONENTS), finite(0, 100), max_size=5)


@st.composite
def requirements(draw, method=None, overrides=None) -> RequirementProfile:
    method = draw(st.sampled_from(sorted(METHODS))) if method is None else method
    weights = draw(weight_overrides) if overrides is None else overrides
    assume(sum(merged_weights(method, weights).values()) > 0)
    return RequirementProfile(
        domain=draw(st.sampled_from(sorted(DOMAIN_DEFAULT_METHOD))),
        skills=tuple(draw(st.lists(required_skills, max_size=5, unique_by=lambda s: s.code))),
        budget_hourly_rate=draw(finite(0.01, 5000)),
        estimated_hours=draw(finite(0, 20000)),
        fte_needed=draw(finite(0, 50)),
        seniority=draw(st.sampled_from(list(SENIORITY_FACTORS))),
        languages=draw(subsets(LANGUAGES)),
        allowed_classes=draw(subsets(CLASSES)),
        preferred_classes=draw(subsets(CLASSES)),
        min_overlap_hours=draw(finite(0, 24)),
        confidentiality=draw(st.sampled_from(["low", "medium", "high"])),
        method=method,
        weights=weights,
        benchmark_rate=draw(st.none() | finite(0.01, 5000)),
    )


sites = st.builds(
    Site,
    country=st.sampled_from(["IT", "PL", "IN", "US", "MX", "PH"]),
    city=st.sampled_from(["Milan", "Krakow", "Pune", "Austin", "Monterrey", "Manila"]),
    location_class=st.sampled_from(CLASSES),
    overlap_hours=finite(0, 24),
)
vendor_skills = st.dictionaries(
    st.sampled_from(SKILL_CODES), st.tuples(st.integers(0, 5), st.integers(0, 40)), max_size=len(SKILL_CODES)
)
rates = finite(0.01, 10000)
ratings = finite(1, 5)


@st.composite
def reviews(draw) -> dict:
    """review_count and rating as the database derives them: no mean without reviews."""
    count = draw(st.integers(0, 10000))
    return {"review_count": count, "rating": draw(ratings) if count else None}


@st.composite
def vendors(draw, vendor_id=None) -> VendorProfile:
    return VendorProfile(
        vendor_id=draw(st.integers(1, 10**6)) if vendor_id is None else vendor_id,
        skills=draw(vendor_skills),
        hourly_rate=draw(st.none() | rates),
        rate_estimated=draw(st.booleans()),
        sites=tuple(draw(st.lists(sites, max_size=4))),
        languages=draw(subsets(LANGUAGES)),
        domain_engagements=draw(st.integers(0, 1000)),
        **draw(reviews()),
        verified=draw(st.booleans()),
        available_fte=draw(finite(0, 100)),
        security_certified=draw(st.booleans()),
    )


# -- bounds and the total ----------------------------------------------------------


@PROPERTY
@given(requirements(), vendors())
def test_every_component_and_the_total_are_between_0_and_100(requirement, vendor):
    score = Scorer(requirement).score(vendor)

    assert set(score.components) == set(COMPONENTS)
    for name, value in score.components.items():
        assert 0.0 <= value <= 100.0, (name, value)
    assert 0.0 <= score.total <= 100.0


@PROPERTY
@given(requirements(), vendors())
def test_the_total_is_the_weighted_mean_of_the_components(requirement, vendor):
    scorer = Scorer(requirement)
    score = scorer.score(vendor)
    raw = merged_weights(requirement.method, requirement.weights)

    resolved_mean = sum(scorer.weights[c] * score.components[c] for c in COMPONENTS) / sum(scorer.weights.values())
    raw_mean = sum(raw[c] * score.components[c] for c in COMPONENTS) / sum(raw.values())

    assert math.isclose(sum(scorer.weights.values()), 1.0, abs_tol=1e-9)
    assert math.isclose(score.total, resolved_mean, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(score.total, raw_mean, rel_tol=1e-9, abs_tol=1e-9)


@PROPERTY
@given(requirements(), vendors())
def test_the_total_can_be_recomputed_from_the_components_the_explanation_shows(requirement, vendor):
    scorer = Scorer(requirement)
    score = scorer.score(vendor)
    shown = scorer.explain(vendor, score)

    assert set(shown["components"]) == set(COMPONENTS)
    from_shown_components = sum(scorer.weights[c] * shown["components"][c] for c in COMPONENTS)
    from_shown_weights = sum(shown["weights"][c] * shown["components"][c] for c in COMPONENTS)
    assert abs(score.total - from_shown_components) <= 0.01 * 5
    assert abs(score.total - from_shown_weights) <= 0.01 * 5


# -- monotonicity ------------------------------------------------------------------


@PROPERTY
@given(requirements(), vendors(), rates, rates)
def test_a_lower_rate_never_lowers_the_cost_score_or_the_total(requirement, vendor, rate_a, rate_b):
    low, high = sorted((rate_a, rate_b))
    scorer = Scorer(requirement)
    cheaper = scorer.score(dataclasses.replace(vendor, hourly_rate=low))
    dearer = scorer.score(dataclasses.replace(vendor, hourly_rate=high))

    assert cost_score(low, requirement.budget_hourly_rate) >= cost_score(high, requirement.budget_hourly_rate)
    assert cheaper.components["cost"] >= dearer.components["cost"]
    assert cheaper.total >= dearer.total


@PROPERTY
@given(requirements(), vendors(), st.data())
def test_a_higher_proficiency_in_a_required_skill_never_lowers_expertise(requirement, vendor, data):
    assume(requirement.skills)
    code = data.draw(st.sampled_from([s.code for s in requirement.skills]))
    before, after = sorted(data.draw(st.lists(st.integers(0, 5), min_size=2, max_size=2)))
    years = data.draw(st.integers(0, 40))
    scorer = Scorer(requirement)
    weaker = dataclasses.replace(vendor, skills={**vendor.skills, code: (before, years)})
    stronger = dataclasses.replace(vendor, skills={**vendor.skills, code: (after, years)})

    assert scorer.expertise(stronger) >= scorer.expertise(weaker)


@PROPERTY
@given(st.integers(1, 10000), st.integers(1, 10000), finite(3.51, 5))
def test_more_reviews_at_a_mean_above_the_prior_raise_the_quality_score(count_a, count_b, mean):
    assume(count_a != count_b)
    fewer, more = sorted((count_a, count_b))
    for verified in (False, True):
        assert quality_score(more, mean, verified) > quality_score(fewer, mean, verified)
        assert quality_score(fewer, mean, verified) > quality_score(0, None, verified)


@PROPERTY
@given(st.integers(1, 10000), st.integers(1, 10000), finite(1, 3.49))
def test_more_reviews_at_a_mean_below_the_prior_lower_the_quality_score(count_a, count_b, mean):
    assume(count_a != count_b)
    fewer, more = sorted((count_a, count_b))

    assert bayesian_rating(more, mean) < bayesian_rating(fewer, mean) < bayesian_rating(0, None)


def test_one_five_star_review_does_not_beat_fifty_reviews_of_4_8():
    assert bayesian_rating(1, 5.0) == pytest.approx(3.75)
    assert bayesian_rating(50, 4.8) == pytest.approx(4.68, abs=0.005)
    for verified in (False, True):
        assert quality_score(1, 5.0, verified) < quality_score(50, 4.8, verified)


# -- weights -------------------------------------------------------------------------


def _with(vendor: VendorProfile, component: str, other: VendorProfile) -> VendorProfile:
    """`vendor` with only the inputs that feed `component` taken from `other`."""
    fields = {
        "expertise": ("skills", "domain_engagements"),
        "cost": ("hourly_rate",),
        "location": ("sites", "languages"),
        "quality": ("review_count", "rating", "verified"),
        "capacity": ("available_fte",),
    }[component]
    return dataclasses.replace(vendor, **{name: getattr(other, name) for name in fields})


@PROPERTY
@given(st.sampled_from(COMPONENTS), st.data())
def test_a_zero_weight_removes_the_components_influence(component, data):
    method = data.draw(st.sampled_from(sorted(METHODS)))
    overrides = {**(data.draw(weight_overrides) or {}), component: 0.0}
    requirement = data.draw(requirements(method=method, overrides=overrides))
    vendor = data.draw(vendors())
    changed = _with(vendor, component, data.draw(vendors()))
    scorer = Scorer(requirement)

    assert scorer.weights[component] == 0.0
    assert scorer.score(changed).total == scorer.score(vendor).total


@PROPERTY
@given(st.sampled_from(COMPONENTS), requirements(), vendors(), vendors())
def test_a_positive_weight_lets_the_component_move_the_total(component, requirement, vendor, other):
    # The counterpart of the zero-weight property: the same swap of inputs does
    # move the total when the component counts, so the property above is not vacuous.
    requirement = dataclasses.replace(requirement, weights={**(requirement.weights or {}), component: 1.0})
    scorer = Scorer(requirement)
    changed = _with(vendor, component, other)
    before, after = scorer.components(vendor), scorer.components(changed)
    assume(abs(before[component] - after[component]) > 1e-6)

    assert scorer.score(changed).total != scorer.score(vendor).total


@PROPERTY
@given(
    st.sampled_from(sorted(METHODS)),
    st.dictionaries(st.sampled_from(COMPONENTS), st.just(0.0), min_size=len(COMPONENTS)),
)
def test_resolving_all_zero_weights_is_rejected(method, zeros):
    with pytest.raises(ValueError, match="positive"):
        resolve_weights(method, zeros)


@PROPERTY
@given(st.sampled_from(sorted(METHODS)), st.sampled_from(COMPONENTS), finite(-1000, -1e-9))
def test_resolving_a_negative_weight_is_rejected(method, component, value):
    with pytest.raises(ValueError, match="negative"):
        resolve_weights(method, {component: value})


@PROPERTY
@given(st.sampled_from(sorted(METHODS)), st.text(max_size=20).filter(lambda key: key not in COMPONENTS))
def test_resolving_an_unknown_weight_is_rejected(method, key):
    with pytest.raises(ValueError, match="unknown weight"):
        resolve_weights(method, {key: 1.0})


@PROPERTY
@given(st.text(max_size=20).filter(lambda name: name not in METHODS), weight_overrides)
def test_resolving_an_unknown_method_is_rejected(method, overrides):
    with pytest.raises(ValueError, match="unknown selection method"):
        resolve_weights(method, overrides)


@PROPERTY
@given(st.sampled_from(sorted(METHODS)), weight_overrides)
def test_resolved_weights_sum_to_one_in_the_asked_proportions(method, overrides):
    raw = merged_weights(method, overrides)
    assume(sum(raw.values()) > 0)
    weights = resolve_weights(method, overrides)

    assert list(weights) == list(COMPONENTS)
    assert math.isclose(sum(weights.values()), 1.0)
    for component in COMPONENTS:
        assert math.isclose(weights[component], raw[component] / sum(raw.values()), abs_tol=1e-12)


# -- determinism and the pool ----------------------------------------------------------


@PROPERTY
@given(requirements(), vendors())
def test_scoring_the_same_inputs_twice_gives_the_same_score(requirement, vendor):
    first = Scorer(requirement).score(vendor)
    second = Scorer(requirement).score(dataclasses.replace(vendor))

    assert first == second
    assert first.rank_key == second.rank_key


@st.composite
def pools(draw) -> list[VendorProfile]:
    """Vendors with distinct ids, some of them identical twins of others so that
    equal totals (ties) are common."""
    originals = draw(st.lists(vendors(vendor_id=0), min_size=1, max_size=8))
    profiles = originals + [dataclasses.replace(v) for v in draw(st.lists(st.sampled_from(originals), max_size=6))]
    ids = draw(st.lists(st.integers(1, 10**6), min_size=len(profiles), max_size=len(profiles), unique=True))
    return [dataclasses.replace(profile, vendor_id=vendor_id) for profile, vendor_id in zip(profiles, ids, strict=True)]


@PROPERTY
@given(requirements(), pools(), st.randoms(use_true_random=False))
def test_the_ranking_does_not_depend_on_the_order_vendors_arrive_in(requirement, pool, rnd: random.Random):
    def ranking(profiles):
        scorer = Scorer(requirement)
        return [s.vendor_id for s in sorted((scorer.score(v) for v in profiles), key=lambda s: s.rank_key)]

    shuffled = list(pool)
    rnd.shuffle(shuffled)
    ranked = ranking(pool)

    assert ranking(shuffled) == ranked
    scores = {v.vendor_id: Scorer(requirement).score(v) for v in pool}
    for better, worse in zip(ranked, ranked[1:], strict=False):
        assert round(scores[better].total, 4) >= round(scores[worse].total, 4)
        if round(scores[better].total, 4) == round(scores[worse].total, 4):
            assert better < worse


@PROPERTY
@given(requirements(), vendors(), pools())
def test_a_vendors_cost_and_total_do_not_depend_on_the_rest_of_the_pool(requirement, vendor, others):
    alone = Scorer(requirement).score(vendor)
    scorer = Scorer(requirement)
    for other in others:
        scorer.score(other)
    among_others = scorer.score(vendor)

    assert among_others.components["cost"] == alone.components["cost"]
    assert among_others == alone


@PROPERTY
@given(requirements(), vendors(vendor_id=1), vendors(vendor_id=2), pools())
def test_a_vendor_joining_the_pool_never_reverses_two_others(requirement, first, second, newcomers):
    def order(profiles):
        scorer = Scorer(requirement)
        ranked = sorted((scorer.score(v) for v in profiles), key=lambda s: s.rank_key)
        return [s.vendor_id for s in ranked if s.vendor_id in (1, 2)]

    newcomers = [dataclasses.replace(v, vendor_id=v.vendor_id + 2) for v in newcomers]

    assert order([first, second, *newcomers]) == order([first, second])


@PROPERTY
@given(requirements(), vendors())
def test_the_one_pass_evaluation_agrees_with_the_component_functions(requirement, vendor):
    scorer = Scorer(requirement)
    total, components, reason = scorer.evaluate(vendor)
    assert components == scorer.components(vendor)
    assert total == scorer.total(components)
    assert reason == scorer.exclusion(vendor, components)
