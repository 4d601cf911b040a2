"""One vendor profile from (seed, index), independent of every other index: the demo's
generator (seed.py writes what it makes). Rates follow geography, seniority and domain."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify

from engagements.demo.dataset import (
    CLIENTS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DOMAIN_NAME_WORDS,
    DOMAIN_PREMIUM,
    NAME_STEMS,
    NAME_SUFFIXES,
    REVIEW_COMMENTS,
    SPECIALTY_PHRASES,
)
from engagements.matching.scoring import SENIORITY_FACTORS
from vendors.models import (
    Seniority,
)


@dataclass
class VendorSpec:
    index: int
    name: str
    slug: str
    description: str
    website: str
    hq: str
    founded: int
    domains: list[str]
    languages: list[str]
    skills: list[tuple[str, int, int]]  # (skill code, proficiency, years)
    rates: list[tuple[str, Decimal, str]]  # (seniority, hourly rate, currency)
    centers: list[tuple[str, str, str, int]]  # (country, city, zone, headcount)
    certifications: list[tuple[str, date | None]]
    available_fte: Decimal
    verified: bool
    is_active: bool
    history: list[tuple[str, int, int, str]] = field(default_factory=list)  # (client slug, rating, months ago, comment)


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class DemoGenerator:
    """Turns (seed, index) into one vendor's profile, independent of every other index."""

    def __init__(
        self, *, seed: int, today: date, skills_by_domain: dict[str, list[str]], rates_to_usd: dict[str, Decimal]
    ):
        self.seed = seed
        self.today = today
        self.skills_by_domain = skills_by_domain
        self.rates_to_usd = rates_to_usd
        self.countries = list(COUNTRY_WEIGHTS)
        self.weights = [COUNTRY_WEIGHTS[c] for c in self.countries]
        self.names_seen: set[str] = set()

    def _rng(self, index: int) -> random.Random:
        return random.Random(f"kpo-demo:{self.seed}:{index}")

    def vendor(self, index: int) -> VendorSpec:
        rng = self._rng(index)
        hq = "IN" if index == 0 else rng.choices(self.countries, weights=self.weights)[0]
        senior_usd, local_currency, languages, cities = COUNTRIES[hq]
        domain_codes = list(DOMAIN_PREMIUM)
        primary = "finance" if index == 0 else rng.choice(domain_codes)
        domains = [primary]
        if index == 0:
            domains.append("data_analytics")
        else:
            for other in rng.sample(domain_codes, k=rng.choice([0, 0, 1, 1, 2])):
                if other not in domains:
                    domains.append(other)

        stem = "Lumen" if index == 0 else rng.choice(NAME_STEMS)
        word = "Insight" if index == 0 else rng.choice(DOMAIN_NAME_WORDS[primary])
        suffix = "Partners" if index == 0 else rng.choice(NAME_SUFFIXES)
        name = f"{stem} {word} {suffix}"
        if name in self.names_seen:
            name = f"{stem} {word} {suffix} ({cities[0][0]})"
        counter = 2
        base = name
        while name in self.names_seen:
            name = f"{base} {counter}"
            counter += 1
        self.names_seen.add(name)
        slug = slugify(name)

        # Delivery centres: mostly in the HQ country; some firms add a second country.
        center_count = 3 if index == 0 else rng.choice([1, 1, 1, 2, 2, 3])
        centers: list[tuple[str, str, str, int]] = []
        used: set[tuple[str, str]] = set()
        for n in range(center_count):
            country = hq
            if n > 0 and rng.random() < 0.35:
                country = "PL" if index == 0 else rng.choices(self.countries, weights=self.weights)[0]
            city, zone = rng.choice(COUNTRIES[country][3])
            if index == 0:
                city, zone = [("Bengaluru", "Asia/Kolkata"), ("Pune", "Asia/Kolkata"), ("Kraków", "Europe/Warsaw")][n]
                country = "PL" if n == 2 else "IN"
            if (country, city) in used:
                continue
            used.add((country, city))
            size = rng.choice([15, 25, 40, 60, 90, 150, 250, 400, 800])
            centers.append((country, city, zone, size))
        headcount = sum(c[3] for c in centers)

        vendor_languages = list(dict.fromkeys(["en", *languages[:1]] if rng.random() < 0.9 else languages[:1]))
        for country, *_ in centers:
            main_language = COUNTRIES[country][2][0]
            if main_language not in vendor_languages:
                vendor_languages.append(main_language)
        for extra in languages[1:]:
            if extra not in vendor_languages and rng.random() < 0.4:
                vendor_languages.append(extra)
        if index == 0 and "it" not in vendor_languages:
            vendor_languages.append("it")

        skills: list[tuple[str, int, int]] = []
        for position, domain in enumerate(domains):
            pool = self.skills_by_domain[domain]
            k = min(len(pool), rng.randint(3, 6) if position == 0 else rng.randint(1, 3))
            for code in rng.sample(pool, k=k):
                proficiency = rng.choices([2, 3, 4, 5], weights=[1, 3, 4, 2])[0]
                skills.append((code, proficiency, rng.randint(1, 4) + proficiency * 2))
        if index == 0:
            skills = [
                ("financial-reporting", 5, 12),
                ("management-accounting", 4, 9),
                ("audit-support", 4, 8),
                ("fpa", 4, 7),
                ("bi-dashboards", 4, 6),
                ("sql", 4, 8),
                ("data-engineering", 3, 4),
            ]

        # Rates: the country's senior USD rate, scaled, with +-15% firm-level noise.
        quote_currency = "USD" if COUNTRIES[hq][0] < 60 and rng.random() < 0.55 else local_currency
        to_usd = self.rates_to_usd.get(quote_currency, Decimal("1"))
        firm_factor = rng.uniform(0.85, 1.15)
        premium = DOMAIN_PREMIUM[primary]
        levels = list(Seniority.values)
        if index != 0 and rng.random() < 0.2:
            levels = levels[:3] if rng.random() < 0.5 else levels[1:]
        rates = []
        for level in levels:
            usd = senior_usd * SENIORITY_FACTORS[level] * premium * firm_factor
            local = Decimal(str(usd)) / to_usd
            rates.append((level, money(local), quote_currency))

        certifications: list[tuple[str, date | None]] = []
        cert_pool = ["iso_27001", "soc2_type2", "iso_9001", "gdpr", "cmmi_3", "cmmi_5", "pci_dss", "iso_27701"]
        if "medical" in domains:
            cert_pool += ["hipaa", "hipaa", "iso_13485"]
        if index == 0:
            chosen = ["iso_27001", "soc2_type2", "gdpr"]
        else:
            chosen = sorted(set(rng.sample(cert_pool, k=rng.choice([0, 1, 1, 2, 2, 3]))))
        for code in chosen:
            roll = rng.random()
            if roll < 0.1 and index != 0:
                valid_until: date | None = self.today - timedelta(days=rng.randint(5, 300))  # expired
            elif roll < 0.2:
                valid_until = None
            else:
                valid_until = self.today + timedelta(days=rng.randint(20, 1000))
            certifications.append((code, valid_until))

        available = Decimal(str(round(headcount * rng.uniform(0.02, 0.15) * 2) / 2)).quantize(Decimal("0.1"))
        if index == 0:
            available = Decimal("12.0")

        description = (
            f"{name} is a {rng.choice(['boutique', 'specialist', 'mid-sized', 'fast-growing', 'established'])} "
            f"knowledge-process firm founded in {{founded}}, delivering {SPECIALTY_PHRASES[primary]} "
            f"from {', '.join(c[1] for c in centers)}. "
            f"{headcount} professionals; working languages: {', '.join(vendor_languages)}."
        )
        founded = 2009 if index == 0 else rng.randint(1988, 2022)
        history: list[tuple[str, int, int, str]] = []
        # Completed, reviewed engagements: the first thousand vendors carry most of them.
        if index == 0 or rng.random() < (0.45 if index < 1000 else 0.04):
            count = 6 if index == 0 else rng.choice([1, 1, 2, 3, 5, 8, 12])
            quality = 4.6 if index == 0 else rng.uniform(2.6, 4.9)
            for _ in range(count):
                rating = max(1, min(5, round(rng.gauss(quality, 0.7))))
                history.append(
                    (rng.choice(CLIENTS).slug, rating, rng.randint(2, 30), rng.choice(REVIEW_COMMENTS[rating]))
                )

        return VendorSpec(
            index=index,
            name=name,
            slug=slug,
            description=description.format(founded=founded),
            website=f"https://{slug[:50].strip('-')}.example",
            hq=hq,
            founded=founded,
            domains=domains,
            languages=vendor_languages,
            skills=skills,
            rates=rates,
            centers=centers,
            certifications=certifications,
            available_fte=available,
            verified=index == 0 or rng.random() < 0.7,
            is_active=index == 0 or rng.random() < 0.97,
            history=history,
        )

    def vendors(self, count: int) -> Iterator[VendorSpec]:
        for index in range(count):
            yield self.vendor(index)
