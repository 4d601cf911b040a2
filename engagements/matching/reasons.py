"""Why a vendor was left out of a run, in the reader's words: one sentence per exclusion code
(the codes of engagements/matching/candidates.py and scoring.py), for the run page, the "why
not" answer and a run's one-line outcome."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

EXCLUSION_REASONS = {
    "inactive": gettext_lazy("it is not active on the platform."),
    "domain_not_covered": gettext_lazy("it does not work in the requirement's domain."),
    "missing_must_have_skill": gettext_lazy("it lacks a must-have skill at the minimum proficiency."),
    "missing_certification": gettext_lazy("it does not hold every required certification, valid on the start date."),
    "excluded_country": gettext_lazy("it has a delivery centre in a country you excluded."),
    "no_shared_language": gettext_lazy("it works in none of the requirement's languages."),
    "insufficient_capacity": gettext_lazy("its available FTE is less than half of the FTE you need."),
    "no_rate": gettext_lazy("it publishes no rate card, so the work cannot be priced."),
    "location_class_not_allowed": gettext_lazy(
        "none of its delivery centres is in a location class you allow (onshore, nearshore, offshore)."
    ),
    "insufficient_timezone_overlap": gettext_lazy(
        "none of its allowed delivery centres overlaps your working day for the minimum number of hours."
    ),
    "over_budget": gettext_lazy("its hourly rate is above your budget, and the fixed-budget method caps it."),
    "below_min_expertise": gettext_lazy("its expertise score is below 60, the least-cost method's minimum."),
}


def exclusion_text(code: str) -> str:
    return str(EXCLUSION_REASONS.get(code, code.replace("_", " ")))
