"""The Scorer: one requirement's weights and tables, applied to each vendor (components,
total, exclusion, explanation). The rules it applies, their constants and the plain data
it reads are in scoring.py, whose docstring states the formulas.

Pure Python like scoring.py: the standard library and scoring.py only (a test enforces
it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engagements.matching.scoring import (
    COMPONENTS,
    FEW_REVIEWS,
    LOW_OVERLAP_HOURS,
    METHODS,
    MIN_OVERLAP_TARGET_HOURS,
    NOT_PREFERRED_CLASS_SCORE,
    PRIOR_MEAN,
    PRIOR_STRENGTH,
    ComponentValues,
    RequirementProfile,
    Site,
    VendorProfile,
    VendorRow,
    bayesian_rating,
    capacity_score,
    cost_score,
    delivery_points,
    on_time_share,
    quality_score,
    resolve_weights,
    skill_fit,
)


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
                else "Too few onshore vendors quote this domain for a sound benchmark, so no saving is estimated."
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
