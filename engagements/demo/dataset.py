"""The demo data set (data.json beside this module) in the shapes the generator uses:
countries with their rates, languages and cities, vendor name parts, review comments,
the four client organizations and their open requirements. Edit data.json, not this."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from engagements.models import Confidentiality, SelectionMethod
from vendors.models import Seniority

DATA = json.loads(Path(__file__).with_name("data.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ClientSpec:
    slug: str
    name: str
    country: str
    timezone: str
    currency: str
    start: time
    end: time
    manager: str
    manager_name: tuple[str, str]


# country: (senior USD rate, currency, languages (first = main), cities [(city, IANA zone)])
COUNTRIES: dict[str, tuple[int, str, list[str], list[tuple[str, str]]]] = {
    code: (row["senior_usd"], row["currency"], row["languages"], [tuple(city) for city in row["cities"]])
    for code, row in DATA["countries"].items()
}
# How often a vendor is headquartered in each country (offshore-heavy, as KPO supply is).
COUNTRY_WEIGHTS: dict[str, int] = DATA["country_weights"]
DOMAIN_PREMIUM: dict[str, float] = DATA["domain_premium"]
DOMAIN_NAME_WORDS: dict[str, list[str]] = DATA["domain_name_words"]
NAME_STEMS: list[str] = DATA["name_stems"]
NAME_SUFFIXES: list[str] = DATA["name_suffixes"]
SPECIALTY_PHRASES: dict[str, str] = DATA["specialty_phrases"]
REVIEW_COMMENTS: dict[int, list[str]] = {int(rating): texts for rating, texts in DATA["review_comments"].items()}
CLIENTS = [
    ClientSpec(
        slug=row["slug"],
        name=row["name"],
        country=row["country"],
        timezone=row["timezone"],
        currency=row["currency"],
        start=time.fromisoformat(row["working_hours"][0]),
        end=time.fromisoformat(row["working_hours"][1]),
        manager=row["manager"],
        manager_name=(row["manager_name"][0], row["manager_name"][1]),
    )
    for row in DATA["clients"]
]
# (client slug, title, domain, seniority, budget, hours, fte, confidentiality, method,
#  [(skill, min, weight, must)], certs, languages, overlap)
OPEN_REQUIREMENTS = [
    (
        row["client"],
        row["title"],
        row["domain"],
        Seniority(row["seniority"]),
        row["budget_hourly_rate"],
        row["estimated_hours"],
        row["fte_needed"],
        Confidentiality(row["confidentiality"]),
        SelectionMethod(row["selection_method"]),
        [(s["skill"], s["min_proficiency"], s["weight"], s["must_have"]) for s in row["skills"]],
        row["required_certifications"],
        row["languages"],
        row["min_timezone_overlap_hours"],
    )
    for row in DATA["open_requirements"]
]
