"""How KPO Match scores a vendor against a requirement (client need).

Pure Python: no Django, no project imports (a test enforces it). Plain
dataclasses in, components, total and explanation out. docs/scoring.md explains
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
from typing import Any

SCORING_VERSION = "1.1"  # 1.1: on-time milestone delivery in quality
COMPONENTS = ("expertise", "cost", "location", "quality", "capacity")
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


@dataclass(frozen=True)
class Score:
    vendor_id: int
    total: float
    components: dict[str, float]

    @property
    def rank_key(self) -> tuple[float, int]:
        """Sort ascending for the ranking: best total first, then smaller vendor id."""
        return (-round(self.total, 4), self.vendor_id)


_NO_SKILL = (0, 0)


class Scorer:
    """Scores vendors against one requirement. Build once per run; call per vendor."""

    def __init__(self, requirement: RequirementProfile):
        self.requirement = requirement
        self.method = METHODS.get(requirement.method)
        self.weights = resolve_weights(requirement.method, requirement.weights)
        self._weight_tuple = tuple(self.weights[key] for key in COMPONENTS)
        self.skill_weight_total = sum(s.weight for s in requirement.skills)
        # Per required skill: (code, weight, fit for proficiency 0..5), so the hot loop only indexes.
        self._skill_tables = (
            tuple(
                (s.code, s.weight, tuple(skill_fit(p, s.min_proficiency) for p in range(6))) for s in requirement.skills
            )
            if self.skill_weight_total > 0
            else ()
        )
        self.overlap_target = max(MIN_OVERLAP_TARGET_HOURS, requirement.min_overlap_hours)
        self.required_languages = requirement.languages

    # -- components -------------------------------------------------------
    def expertise(self, vendor: VendorProfile) -> float:
        n = vendor.domain_engagements if vendor.domain_engagements > 0 else 0
        track = n / (n + 3)
        if not self._skill_tables:
            return 100.0 * (0.75 + 0.15 + 0.10 * track)
        coverage = experience = 0.0
        skills = vendor.skills
        for code, weight, fits in self._skill_tables:
            proficiency, years = skills.get(code, _NO_SKILL)
            coverage += weight * fits[proficiency if proficiency <= 5 else 5]
            if proficiency > 0:
                experience += weight * min(years, 10) / 10
        total_weight = self.skill_weight_total
        return 100.0 * (0.75 * (coverage / total_weight) + 0.15 * (experience / total_weight) + 0.10 * track)

    def best_site(self, vendor: VendorProfile) -> tuple[Site | None, float]:
        preferred = self.requirement.preferred_classes
        allowed = self.requirement.allowed_classes
        best: Site | None = None
        best_score = -1.0
        for site in vendor.sites:
            if site.location_class not in allowed:
                continue
            class_score = 100.0 if not preferred or site.location_class in preferred else NOT_PREFERRED_CLASS_SCORE
            overlap = 100.0 * min(1.0, site.overlap_hours / self.overlap_target)
            score = 0.4 * class_score + 0.4 * overlap
            if score > best_score or (
                score == best_score and best is not None and site.overlap_hours > best.overlap_hours
            ):
                best, best_score = site, score
        return best, max(best_score, 0.0)

    def language_share(self, vendor: VendorProfile) -> float:
        if not self.required_languages:
            return 1.0
        return len(self.required_languages & vendor.languages) / len(self.required_languages)

    def location(self, vendor: VendorProfile) -> float:
        _site, site_score = self.best_site(vendor)
        return site_score + 20.0 * self.language_share(vendor)

    def components(self, vendor: VendorProfile) -> dict[str, float]:
        return {
            "expertise": self.expertise(vendor),
            "cost": cost_score(vendor.hourly_rate, self.requirement.budget_hourly_rate),
            "location": self.location(vendor),
            "quality": quality_score(
                vendor.review_count,
                vendor.rating,
                vendor.verified,
                vendor.milestones_accepted,
                vendor.milestones_on_time,
            ),
            "capacity": capacity_score(vendor.available_fte, self.requirement.fte_needed),
        }

    def total(self, components: Mapping[str, float]) -> float:
        # Normalised weights can sum to 1 + 1 ulp: clamp so a perfect vendor is exactly 100.
        return min(100.0, sum(self.weights[key] * components[key] for key in COMPONENTS))

    def score(self, vendor: VendorProfile) -> Score:
        components = self.components(vendor)
        return Score(vendor.vendor_id, self.total(components), components)

    def evaluate(self, vendor: VendorProfile) -> tuple[float, dict[str, float], str | None]:
        """(total, components, exclusion reason) in one pass. Same arithmetic as
        components(), total() and exclusion(): a property test holds them equal."""
        total, components, reason = self.evaluate_row(
            (
                vendor.vendor_id,
                vendor.skills,
                vendor.hourly_rate,
                vendor.rate_estimated,
                vendor.sites,
                vendor.languages,
                vendor.domain_engagements,
                vendor.review_count,
                vendor.rating,
                vendor.verified,
                vendor.available_fte,
                vendor.security_certified,
                vendor.milestones_accepted,
                vendor.milestones_on_time,
            )
        )
        return total, dict(zip(COMPONENTS, components, strict=True)), reason

    def evaluate_row(self, row: VendorRow) -> tuple[float, ComponentValues, str | None]:
        """The hot path of a run: a vendor as a plain tuple in VendorProfile's field
        order (no object per vendor), the components as a tuple in COMPONENTS order.
        The component functions are inlined here; keep both in step."""
        (_vendor_id, skills, rate, _estimated, sites, languages, domain_engagements,
         review_count, rating, verified, available_fte, _security,
         milestones_accepted, milestones_on_time) = row  # fmt: skip
        requirement = self.requirement
        allowed = requirement.allowed_classes
        preferred = requirement.preferred_classes
        target = self.overlap_target
        best = -1.0
        max_overlap = -1.0
        for site in sites:
            location_class = site.location_class
            if location_class not in allowed:
                continue
            hours = site.overlap_hours
            if hours > max_overlap:
                max_overlap = hours
            class_score = 100.0 if not preferred or location_class in preferred else NOT_PREFERRED_CLASS_SCORE
            site_score = 0.4 * class_score + 0.4 * (100.0 * min(1.0, hours / target))
            if site_score > best:
                best = site_score

        # expertise (as Scorer.expertise)
        n = domain_engagements if domain_engagements > 0 else 0
        track = n / (n + 3)
        if not self._skill_tables:
            expertise = 100.0 * (0.75 + 0.15 + 0.10 * track)
        else:
            coverage = experience = 0.0
            for code, weight, fits in self._skill_tables:
                proficiency, years = skills.get(code, _NO_SKILL)
                coverage += weight * fits[proficiency if proficiency <= 5 else 5]
                if proficiency > 0:
                    experience += weight * min(years, 10) / 10
            total_weight = self.skill_weight_total
            expertise = 100.0 * (0.75 * (coverage / total_weight) + 0.15 * (experience / total_weight) + 0.10 * track)

        # cost (as cost_score)
        budget = requirement.budget_hourly_rate
        if rate is None or budget <= 0:
            cost = 0.0
        else:
            ratio = rate / budget
            if ratio <= 0.5:
                cost = 100.0
            elif ratio <= 1.0:
                cost = 100.0 - 80.0 * (ratio - 0.5)
            elif ratio <= 1.5:
                cost = 60.0 - 120.0 * (ratio - 1.0)
            else:
                cost = 0.0

        # location (as Scorer.location)
        required_languages = self.required_languages
        share = len(required_languages & languages) / len(required_languages) if required_languages else 1.0
        location = max(best, 0.0) + 20.0 * share

        # quality (as quality_score / bayesian_rating / delivery_points)
        if review_count <= 0 or rating is None:
            bayes = PRIOR_MEAN
        else:
            bayes = (PRIOR_STRENGTH * PRIOR_MEAN + review_count * rating) / (PRIOR_STRENGTH + review_count)
        quality = 85.0 * (bayes - 1.0) / 4.0 + (15.0 if verified else 0.0)
        if milestones_accepted > 0:  # no milestones: the prior share, 0 points
            quality = min(100.0, max(0.0, quality + delivery_points(milestones_accepted, milestones_on_time)))

        # capacity (as capacity_score)
        needed = requirement.fte_needed
        if needed <= 0:
            capacity = 100.0
        else:
            ratio = max(available_fte, 0.0) / needed
            if ratio >= 1.5:
                capacity = 100.0
            elif ratio >= 1.0:
                capacity = 85.0 + 30.0 * (ratio - 1.0)
            else:
                capacity = 85.0 * ratio

        w_expertise, w_cost, w_location, w_quality, w_capacity = self._weight_tuple
        total = min(
            100.0,
            w_expertise * expertise
            + w_cost * cost
            + w_location * location
            + w_quality * quality
            + w_capacity * capacity,
        )
        method = self.method
        if rate is None:
            reason: str | None = "no_rate"
        elif max_overlap < 0:
            reason = "location_class_not_allowed"
        elif max_overlap < requirement.min_overlap_hours:
            reason = "insufficient_timezone_overlap"
        elif method is not None and method.budget_is_cap and rate > budget:
            reason = "over_budget"
        elif method is not None and method.min_expertise is not None and expertise < method.min_expertise:
            reason = "below_min_expertise"
        else:
            reason = None
        return total, (expertise, cost, location, quality, capacity), reason

    # -- hard constraints that need the maths -------------------------------
    def exclusion(self, vendor: VendorProfile, components: Mapping[str, float] | None = None) -> str | None:
        """The reason code of the first hard constraint this vendor fails, or None."""
        requirement = self.requirement
        if vendor.hourly_rate is None:
            return "no_rate"
        allowed_sites = [s for s in vendor.sites if s.location_class in requirement.allowed_classes]
        if not allowed_sites:
            return "location_class_not_allowed"
        if max(s.overlap_hours for s in allowed_sites) < requirement.min_overlap_hours:
            return "insufficient_timezone_overlap"
        if (
            self.method is not None
            and self.method.budget_is_cap
            and vendor.hourly_rate > requirement.budget_hourly_rate
        ):
            return "over_budget"
        if self.method is not None and self.method.min_expertise is not None:
            expertise = components["expertise"] if components is not None else self.expertise(vendor)
            if expertise < self.method.min_expertise:
                return "below_min_expertise"
        return None

    # -- explanation -----------------------------------------------------------
    def explain(self, vendor: VendorProfile, score: Score) -> dict:
        requirement = self.requirement
        matched: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        for required in requirement.skills:
            proficiency, years = vendor.skills.get(required.code, (0, 0))
            row = {
                "skill": required.code,
                "proficiency": proficiency,
                "years_experience": years,
                "min_proficiency": required.min_proficiency,
                "must_have": required.must_have,
            }
            (matched if proficiency >= required.min_proficiency else missing).append(row)
        site, _ = self.best_site(vendor)
        shared_languages = sorted(requirement.languages & vendor.languages)
        cost = vendor.hourly_rate * requirement.estimated_hours if vendor.hourly_rate is not None else None
        savings = None
        if requirement.benchmark_rate is not None and vendor.hourly_rate is not None:
            savings = (requirement.benchmark_rate - vendor.hourly_rate) * requirement.estimated_hours
        flags: list[dict[str, Any]] = []
        if requirement.confidentiality == "high" and not vendor.security_certified:
            flags.append(
                {
                    "code": "ip_security",
                    "message": "Confidential need, but no valid security certification (e.g. ISO 27001, SOC 2).",
                }
            )
        allowed_overlaps = [s.overlap_hours for s in vendor.sites if s.location_class in requirement.allowed_classes]
        best_overlap = max(allowed_overlaps, default=0.0)
        if best_overlap < LOW_OVERLAP_HOURS:
            flags.append(
                {
                    "code": "communication",
                    "message": f"Only {best_overlap:g} h of working-hours overlap.",
                    "cause": "overlap",
                    "overlap_hours": best_overlap,
                }
            )
        elif requirement.languages and not shared_languages:
            flags.append({"code": "communication", "message": "No shared working language.", "cause": "language"})
        if vendor.review_count < FEW_REVIEWS or not vendor.verified:
            reasons = []
            if vendor.review_count < FEW_REVIEWS:
                reasons.append(f"{vendor.review_count} review{'s' if vendor.review_count != 1 else ''}")
            if not vendor.verified:
                reasons.append("not verified")
            flags.append(
                {
                    "code": "quality",
                    "message": "Little evidence of quality: " + ", ".join(reasons) + ".",
                    "review_count": vendor.review_count,
                    "verified": bool(vendor.verified),
                }
            )
        return {
            "components": {key: round(value, 2) for key, value in score.components.items()},
            "weights": {key: round(value, 4) for key, value in self.weights.items()},
            "matched_skills": matched,
            "missing_skills": missing,
            "hourly_rate": round(vendor.hourly_rate, 2) if vendor.hourly_rate is not None else None,
            "rate_estimated": vendor.rate_estimated,
            "estimated_cost": round(cost, 2) if cost is not None else None,
            "estimated_savings": round(savings, 2) if savings is not None else None,
            "benchmark_rate": round(requirement.benchmark_rate, 2) if requirement.benchmark_rate is not None else None,
            "savings_note": (
                None
                if requirement.benchmark_rate is not None
                else "No onshore vendor in the pool quotes this domain and seniority, so no saving is estimated."
            ),
            "site": (
                {
                    "country": site.country,
                    "city": site.city,
                    "location_class": site.location_class,
                    "overlap_hours": site.overlap_hours,
                }
                if site
                else None
            ),
            "shared_languages": shared_languages,
            "bayesian_rating": round(bayesian_rating(vendor.review_count, vendor.rating), 2),
            "milestones_accepted": vendor.milestones_accepted,
            "milestones_on_time": vendor.milestones_on_time,
            "on_time_share": round(on_time_share(vendor.milestones_accepted, vendor.milestones_on_time), 3),
            "domain_engagements": vendor.domain_engagements,
            "flags": flags,
        }
