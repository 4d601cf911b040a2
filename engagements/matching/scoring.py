"""How KPO Match scores a vendor against a requirement (client need).

Pure Python: no Django, no project imports (a test enforces it). Plain
dataclasses in, components, total and explanation out: the rules, their constants and
the data types are here; scorer.py applies them per requirement (`Scorer`). docs/scoring.md explains
the same rules for buyers.

Hard constraints
----------------
Most are applied in SQL before scoring (engagements/matching/candidates.py):
active, covers the domain, every must-have skill at its minimum proficiency,
every required certification unexpired, no delivery centre in an excluded
country, a shared required language, enough capacity (at least half the FTE
needed). The rest need the time-zone and geography maths and are applied here
(`Scorer.exclusion`): a rate card to price the work (`no_rate`), a delivery
centre of an allowed location class (`location_class_not_allowed`), the minimum
working-hours overlap (`insufficient_timezone_overlap`), and the rules of the
selection method (`over_budget` for fixed_budget, `below_min_expertise` for
least_cost).

Components (each 0-100)
-----------------------
expertise
    For each required skill s with weight w_s and minimum m_s, the vendor's
    proficiency p (0 when it lacks the skill) gives a fit:
        fit = 0                               if p = 0
        fit = 0.6 * p / m                     if p < m   (partial credit)
        fit = 0.8 + 0.2 * (p - m) / (5 - m)   if p >= m  (1.0 when m = 5)
    coverage   = sum(w_s * fit_s) / sum(w_s)
    experience = sum(w_s * min(years_s, 10) / 10, over skills the vendor has) / sum(w_s)
    track      = n / (n + 3), n = completed engagements in the requirement's domain
    expertise  = 100 * (0.75 * coverage + 0.15 * experience + 0.10 * track)
    A higher proficiency never lowers it.

cost
    r = the vendor's hourly rate for the requested seniority, converted into the
    requirement's currency (when the vendor has no card for that seniority, its
    nearest card scaled by the standard seniority ratios, flagged as estimated);
    ratio = r / budget:
        100                          if ratio <= 0.5
        100 - 80 * (ratio - 0.5)     if ratio <= 1    (60 at the budget)
        60 - 120 * (ratio - 1)       if ratio <= 1.5  (0 at 150 % of budget)
        0                            beyond
    It depends on this vendor and the budget only, never on the rest of the
    pool, so a vendor joining cannot reverse the order of two others. A lower
    rate never lowers it.

location
    For each delivery centre in an allowed location class (onshore = the
    client's country; nearshore = same region, or at most 3 hours apart in UTC
    offset on the start date; offshore = otherwise, see geo.py):
        class   = 100 if no class is preferred or the centre's class is preferred, else 70
        overlap = 100 * min(1, h / max(4, minimum overlap)), h = hours the client's
                  working day overlaps the centre's 09:00-18:00 on the start date
                  (zoneinfo, daylight saving aware)
    languages = share of the requirement's languages the vendor works in (1 when none required)
    location  = 0.4 * class + 0.4 * overlap (of the best centre) + 0.2 * 100 * languages

quality
    Bayesian average of review ratings with prior mean 3.5 and strength 5:
        bayes = (5 * 3.5 + n * mean) / (5 + n)
    so one 5-star review (3.75) does not beat fifty 4.8s (4.68).
    reviews  = 85 * (bayes - 1) / 4 + 15 if verified, else + 0
    On-time milestone delivery, also pulled towards a prior (on-time share 0.8,
    strength 10 milestones), a = milestones the client accepted, t = those
    delivered by their due date:
        share    = (10 * 0.8 + t) / (10 + a)
        delivery = 10 * (share - 0.8) / 0.2   if share >= 0.8   (up to +10)
                   10 * (share - 0.8) / 0.8   otherwise         (down to -10)
    quality = min(100, max(0, reviews + delivery))
    No milestones: share = 0.8, delivery = 0, quality as from reviews alone. One
    late milestone costs 0.91 points; ten of ten late -5, ten of ten on time +5.
    More on-time milestones, others equal, never lower it.

capacity
    ratio = available FTE / FTE needed:
        100                        if ratio >= 1.5
        85 + 30 * (ratio - 1)      if ratio >= 1
        85 * ratio                 below

Total
-----
total = sum(w_c * component_c) / sum(w_c) over the five components, with the
weights of the requirement's selection method (METHODS), any explicit weight
overriding the method's. A zero weight removes a component's influence. Ranking
is by total (rounded to 4 decimals), ties broken by the smaller vendor id:
same data, same ranking.

Explanation and flags
---------------------
(Each flag carries its code, an English message, and the data behind it, so a
page can word it in the reader's language.)
Matched and missing skills, the best centre with its class and overlap, shared
languages, the Bayesian rating, the estimated cost (rate x estimated hours) and
the estimated saving against the onshore benchmark (median onshore rate for the
domain and seniority in the pool, when there is one), and risk flags:
    ip_security    high confidentiality and no valid security certification
    communication  best overlap under 2 hours, or no shared required language
    quality        fewer than 3 reviews, or not verified
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SCORING_VERSION = "1.1"  # 1.1: on-time milestone delivery in quality
COMPONENTS = ("expertise", "cost", "location", "quality", "capacity")
# Why a vendor is not ranked: the hard constraints' reason codes (candidates.py checks the first six
# in SQL, scorer.py the rest), and `inactive` for a vendor no longer active (the why-not answer).
EXCLUSION_REASON_CODES = (
    "inactive",
    "domain_not_covered",
    "missing_must_have_skill",
    "missing_certification",
    "excluded_country",
    "no_shared_language",
    "insufficient_capacity",
    "no_rate",
    "location_class_not_allowed",
    "insufficient_timezone_overlap",
    "over_budget",
    "below_min_expertise",
)
ONSHORE, NEARSHORE, OFFSHORE = "onshore", "nearshore", "offshore"
ALL_CLASSES = frozenset({ONSHORE, NEARSHORE, OFFSHORE})

PRIOR_MEAN = 3.5
PRIOR_STRENGTH = 5
# On-time milestone delivery (quality): the platform-wide share of milestones
# expected on time, as many pseudo-milestones as a vendor must deliver before its
# own record outweighs that expectation, and the most points it moves quality.
MILESTONE_PRIOR_ON_TIME = 0.8
MILESTONE_PRIOR_STRENGTH = 10
MILESTONE_MAX_POINTS = 10.0
FEW_REVIEWS = 3
LOW_OVERLAP_HOURS = 2.0
MIN_OVERLAP_TARGET_HOURS = 4.0
MIN_CAPACITY_SHARE = 0.5
NOT_PREFERRED_CLASS_SCORE = 70.0
SENIORITY_FACTORS = {"junior": 0.55, "mid": 0.78, "senior": 1.0, "expert": 1.38}


@dataclass(frozen=True)
class Method:
    """A selection method: a preset of weights plus the rule it adds."""

    code: str
    weights: Mapping[str, float]
    budget_is_cap: bool = False  # fixed_budget: a rate above the budget excludes
    min_expertise: float | None = None  # least_cost: below this expertise excludes
    description: str = ""


METHODS: dict[str, Method] = {
    "balanced": Method(
        "balanced",
        {"expertise": 35, "cost": 25, "location": 15, "quality": 15, "capacity": 10},
        description="Expertise first, then cost; location, quality and capacity count too.",
    ),
    "quality_cost_80_20": Method(
        "quality_cost_80_20",
        {"expertise": 40, "cost": 20, "location": 10, "quality": 25, "capacity": 5},
        description="Quality- and cost-based selection: 80 % quality (expertise, reviews, location, capacity), 20 % cost.",
    ),
    "quality_only": Method(
        "quality_only",
        {"expertise": 50, "cost": 0, "location": 12, "quality": 30, "capacity": 8},
        description="Cost does not count: the best qualified vendor wins.",
    ),
    "fixed_budget": Method(
        "fixed_budget",
        {"expertise": 50, "cost": 0, "location": 12, "quality": 30, "capacity": 8},
        budget_is_cap=True,
        description="Best quality among vendors whose rate is within the budget.",
    ),
    "least_cost": Method(
        "least_cost",
        {"expertise": 10, "cost": 80, "location": 5, "quality": 5, "capacity": 0},
        min_expertise=60.0,
        description="Cheapest vendor among those with an expertise score of at least 60.",
    ),
}

# The method a new requirement starts with, per KPO domain: regulated or
# judgement-heavy work weighs quality; routine analysis balances it with cost.
DOMAIN_DEFAULT_METHOD = {
    "finance": "balanced",
    "research_development": "quality_only",
    "business_operations": "balanced",
    "technical_analysis": "balanced",
    "investment": "quality_cost_80_20",
    "legal": "quality_cost_80_20",
    "medical": "quality_cost_80_20",
    "data_analytics": "balanced",
}


@dataclass(frozen=True, slots=True)
class RequiredSkill:
    code: str
    min_proficiency: int = 3
    weight: float = 1.0
    must_have: bool = False


@dataclass(frozen=True)
class RequirementProfile:
    domain: str
    skills: tuple[RequiredSkill, ...]
    budget_hourly_rate: float
    estimated_hours: float
    fte_needed: float
    seniority: str = "senior"
    languages: frozenset[str] = frozenset()
    allowed_classes: frozenset[str] = ALL_CLASSES
    preferred_classes: frozenset[str] = frozenset()
    min_overlap_hours: float = 0.0
    confidentiality: str = "medium"
    method: str = "balanced"
    weights: Mapping[str, float] | None = None
    benchmark_rate: float | None = None  # median onshore rate, requirement currency


@dataclass(frozen=True, slots=True)
class Site:
    """A delivery centre as seen from the client."""

    country: str
    city: str
    location_class: str
    overlap_hours: float


@dataclass(slots=True)
class VendorProfile:
    vendor_id: int
    skills: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # code -> (proficiency, years)
    hourly_rate: float | None = None  # requirement currency, requested seniority
    rate_estimated: bool = False
    sites: tuple[Site, ...] = ()
    languages: frozenset[str] = frozenset()
    domain_engagements: int = 0
    review_count: int = 0
    rating: float | None = None  # mean of the reviews
    verified: bool = False
    available_fte: float = 0.0
    security_certified: bool = False
    milestones_accepted: int = 0  # milestones the client accepted
    milestones_on_time: int = 0  # of those, delivered by their due date


# A vendor as a plain tuple in VendorProfile's field order: the hot path of a run
# (Scorer.evaluate_row) builds no object per vendor.
VendorRow = tuple[
    int,  # vendor_id
    Mapping[str, tuple[int, int]],  # skills
    float | None,  # hourly_rate
    bool,  # rate_estimated
    tuple[Site, ...],  # sites
    frozenset[str],  # languages
    int,  # domain_engagements
    int,  # review_count
    float | None,  # rating
    bool,  # verified
    float,  # available_fte
    bool,  # security_certified
    int,  # milestones_accepted
    int,  # milestones_on_time
]
# The five components in COMPONENTS order.
ComponentValues = tuple[float, float, float, float, float]


def resolve_weights(method: str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The method's weights with explicit ones on top, normalised to sum to 1."""
    if method not in METHODS:
        raise ValueError(f"unknown selection method {method!r}")
    weights = dict(METHODS[method].weights)
    for key, value in (overrides or {}).items():
        if key not in COMPONENTS:
            raise ValueError(f"unknown weight {key!r}")
        if value < 0:
            raise ValueError(f"weight {key!r} must not be negative")
        weights[key] = float(value)
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    return {key: weights[key] / total for key in COMPONENTS}


def skill_fit(proficiency: int, minimum: int) -> float:
    if proficiency <= 0:
        return 0.0
    if proficiency < minimum:
        return 0.6 * proficiency / minimum
    if minimum >= 5:
        return 1.0
    return 0.8 + 0.2 * (min(proficiency, 5) - minimum) / (5 - minimum)


def cost_score(rate: float | None, budget: float) -> float:
    if rate is None or budget <= 0:
        return 0.0
    ratio = rate / budget
    if ratio <= 0.5:
        return 100.0
    if ratio <= 1.0:
        return 100.0 - 80.0 * (ratio - 0.5)
    if ratio <= 1.5:
        return 60.0 - 120.0 * (ratio - 1.0)
    return 0.0


def bid_scores(
    components: Mapping[str, float], weights: Mapping[str, float], *, rate: float | None, budget: float
) -> tuple[float, float]:
    """A proposal scored on its bid: (cost fit of the bid, total). The match's components with
    cost recomputed from the proposed hourly `rate` (in the requirement's currency, converted at
    the proposal's recorded exchange rate) instead of the rate card's, and the total with the
    run's weights (normalised, as resolve_weights gives them), as Scorer.total adds them up."""
    fit = cost_score(rate, budget)
    total = sum(weights[key] * (fit if key == "cost" else components[key]) for key in COMPONENTS)
    return fit, min(100.0, total)


def bayesian_rating(review_count: int, mean: float | None) -> float:
    if review_count <= 0 or mean is None:
        return PRIOR_MEAN
    return (PRIOR_STRENGTH * PRIOR_MEAN + review_count * mean) / (PRIOR_STRENGTH + review_count)


def on_time_share(accepted: int, on_time: int) -> float:
    """Share of milestones delivered on time, pulled towards the prior so a vendor
    with few accepted milestones is not swung by one of them."""
    accepted = max(accepted, 0)
    on_time = min(max(on_time, 0), accepted)
    return (MILESTONE_PRIOR_STRENGTH * MILESTONE_PRIOR_ON_TIME + on_time) / (MILESTONE_PRIOR_STRENGTH + accepted)


def delivery_points(accepted: int, on_time: int) -> float:
    """Quality points for on-time delivery: 0 at the prior share (and with no
    milestones), up to +MILESTONE_MAX_POINTS at a share of 1, down to
    -MILESTONE_MAX_POINTS at 0. Never decreasing in on-time milestones."""
    share = on_time_share(accepted, on_time)
    if share >= MILESTONE_PRIOR_ON_TIME:
        return MILESTONE_MAX_POINTS * (share - MILESTONE_PRIOR_ON_TIME) / (1.0 - MILESTONE_PRIOR_ON_TIME)
    return MILESTONE_MAX_POINTS * (share - MILESTONE_PRIOR_ON_TIME) / MILESTONE_PRIOR_ON_TIME


def quality_score(
    review_count: int,
    mean: float | None,
    verified: bool,
    milestones_accepted: int = 0,
    milestones_on_time: int = 0,
) -> float:
    reviews = 85.0 * (bayesian_rating(review_count, mean) - 1.0) / 4.0 + (15.0 if verified else 0.0)
    return min(100.0, max(0.0, reviews + delivery_points(milestones_accepted, milestones_on_time)))


def capacity_score(available: float, needed: float) -> float:
    if needed <= 0:
        return 100.0
    ratio = max(available, 0.0) / needed
    if ratio >= 1.5:
        return 100.0
    if ratio >= 1.0:
        return 85.0 + 30.0 * (ratio - 1.0)
    return 85.0 * ratio


def estimate_rate(rates: Mapping[str, float], seniority: str) -> tuple[float | None, bool]:
    """The rate for `seniority`, or the nearest card scaled by standard ratios (estimated)."""
    if seniority in rates:
        return rates[seniority], False
    if not rates:
        return None, False
    order = list(SENIORITY_FACTORS)
    target = order.index(seniority)
    nearest = min(rates, key=lambda level: (abs(order.index(level) - target), order.index(level)))
    return rates[nearest] * SENIORITY_FACTORS[seniority] / SENIORITY_FACTORS[nearest], True
