"""Deterministic demo data for KPO Match (`manage.py seed_demo`).

Every vendor is generated from its own random stream (`seed`, index), so the
first N vendors are the same whatever `--vendors` says, and vendors are keyed
by slug: running the command again creates nothing that exists already. All
inserts are bulk inserts inside one transaction: an interrupted run leaves
nothing behind.

Rates follow geography and seniority: a senior hourly rate per delivery
country (USD), scaled by a seniority multiplier and a domain premium, then
quoted in the vendor's currency through the (demo) exchange rates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count
from django.utils.text import slugify

from engagements.models import (
    ClientOrganization,
    Confidentiality,
    Engagement,
    EngagementEvent,
    EngagementStatus,
    Membership,
    Milestone,
    MilestoneStatus,
    Requirement,
    RequirementSkill,
    RequirementStatus,
    Review,
    Role,
    SelectionMethod,
)
from kpo.change_seq import document_touch_deferred
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExchangeRate,
    ExpertiseArea,
    RateCard,
    Seniority,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)

DEMO_VENDOR_SLUG = "lumen-insight-partners"
DEMO_PASSWORD = "kpo-demo-2026"  # noqa: S105 - printed demo credential, demo data only

# country: (senior USD rate, currency, languages (first = main), cities [(city, IANA zone)])
COUNTRIES: dict[str, tuple[int, str, list[str], list[tuple[str, str]]]] = {
    # Onshore for most clients: high-cost markets
    "US": (
        150,
        "USD",
        ["en", "es"],
        [
            ("New York", "America/New_York"),
            ("Chicago", "America/Chicago"),
            ("Austin", "America/Chicago"),
            ("San Francisco", "America/Los_Angeles"),
            ("Boston", "America/New_York"),
        ],
    ),
    "GB": (
        130,
        "GBP",
        ["en"],
        [("London", "Europe/London"), ("Manchester", "Europe/London"), ("Edinburgh", "Europe/London")],
    ),
    "DE": (
        125,
        "EUR",
        ["de", "en"],
        [("Berlin", "Europe/Berlin"), ("Munich", "Europe/Berlin"), ("Frankfurt", "Europe/Berlin")],
    ),
    "IT": (95, "EUR", ["it", "en"], [("Milan", "Europe/Rome"), ("Rome", "Europe/Rome"), ("Turin", "Europe/Rome")]),
    "FR": (115, "EUR", ["fr", "en"], [("Paris", "Europe/Paris"), ("Lyon", "Europe/Paris")]),
    "NL": (120, "EUR", ["nl", "en"], [("Amsterdam", "Europe/Amsterdam"), ("Rotterdam", "Europe/Amsterdam")]),
    "CH": (160, "CHF", ["de", "fr", "en"], [("Zurich", "Europe/Zurich"), ("Geneva", "Europe/Zurich")]),
    "IE": (115, "EUR", ["en"], [("Dublin", "Europe/Dublin"), ("Cork", "Europe/Dublin")]),
    "ES": (85, "EUR", ["es", "en"], [("Madrid", "Europe/Madrid"), ("Barcelona", "Europe/Madrid")]),
    "CA": (
        120,
        "CAD",
        ["en", "fr"],
        [("Toronto", "America/Toronto"), ("Montreal", "America/Toronto"), ("Vancouver", "America/Vancouver")],
    ),
    "AU": (125, "AUD", ["en"], [("Sydney", "Australia/Sydney"), ("Melbourne", "Australia/Melbourne")]),
    # Nearshore for European clients
    "PL": (
        55,
        "PLN",
        ["pl", "en", "de"],
        [("Warsaw", "Europe/Warsaw"), ("Kraków", "Europe/Warsaw"), ("Wrocław", "Europe/Warsaw")],
    ),
    "RO": (
        48,
        "RON",
        ["ro", "en", "fr", "it"],
        [("Bucharest", "Europe/Bucharest"), ("Cluj-Napoca", "Europe/Bucharest"), ("Iași", "Europe/Bucharest")],
    ),
    # Bulgaria quotes in euro since 2026-01-01 (pycountry no longer lists BGN).
    "BG": (42, "EUR", ["bg", "en"], [("Sofia", "Europe/Sofia"), ("Plovdiv", "Europe/Sofia")]),
    "CZ": (55, "CZK", ["cs", "en", "de"], [("Prague", "Europe/Prague"), ("Brno", "Europe/Prague")]),
    "PT": (55, "EUR", ["pt", "en", "es"], [("Lisbon", "Europe/Lisbon"), ("Porto", "Europe/Lisbon")]),
    "HU": (50, "HUF", ["hu", "en", "de"], [("Budapest", "Europe/Budapest"), ("Debrecen", "Europe/Budapest")]),
    "UA": (40, "UAH", ["uk", "en"], [("Lviv", "Europe/Kyiv"), ("Kyiv", "Europe/Kyiv")]),
    "MA": (35, "MAD", ["ar", "fr", "en"], [("Casablanca", "Africa/Casablanca"), ("Rabat", "Africa/Casablanca")]),
    "EG": (28, "EGP", ["ar", "en"], [("Cairo", "Africa/Cairo"), ("Alexandria", "Africa/Cairo")]),
    "TR": (35, "TRY", ["tr", "en"], [("Istanbul", "Europe/Istanbul"), ("Ankara", "Europe/Istanbul")]),
    # Nearshore for North American clients
    "MX": (
        45,
        "MXN",
        ["es", "en"],
        [
            ("Mexico City", "America/Mexico_City"),
            ("Guadalajara", "America/Mexico_City"),
            ("Monterrey", "America/Monterrey"),
        ],
    ),
    "CO": (40, "COP", ["es", "en"], [("Bogotá", "America/Bogota"), ("Medellín", "America/Bogota")]),
    "AR": (
        40,
        "ARS",
        ["es", "en", "it"],
        [("Buenos Aires", "America/Argentina/Buenos_Aires"), ("Córdoba", "America/Argentina/Cordoba")],
    ),
    "BR": (45, "BRL", ["pt", "en", "es"], [("São Paulo", "America/Sao_Paulo"), ("Florianópolis", "America/Sao_Paulo")]),
    "CR": (45, "USD", ["es", "en"], [("San José", "America/Costa_Rica")]),
    "CL": (45, "CLP", ["es", "en"], [("Santiago", "America/Santiago")]),
    # Offshore
    "IN": (
        30,
        "INR",
        ["en", "hi"],
        [
            ("Bengaluru", "Asia/Kolkata"),
            ("Pune", "Asia/Kolkata"),
            ("Hyderabad", "Asia/Kolkata"),
            ("Chennai", "Asia/Kolkata"),
            ("Gurugram", "Asia/Kolkata"),
            ("Mumbai", "Asia/Kolkata"),
        ],
    ),
    "PH": (25, "PHP", ["en", "tl"], [("Manila", "Asia/Manila"), ("Cebu City", "Asia/Manila")]),
    "VN": (25, "VND", ["vi", "en"], [("Ho Chi Minh City", "Asia/Ho_Chi_Minh"), ("Hanoi", "Asia/Bangkok")]),
    "LK": (24, "LKR", ["en", "si"], [("Colombo", "Asia/Colombo")]),
    "PK": (20, "PKR", ["en", "ur"], [("Lahore", "Asia/Karachi"), ("Karachi", "Asia/Karachi")]),
    "BD": (18, "BDT", ["bn", "en"], [("Dhaka", "Asia/Dhaka")]),
    "MY": (32, "MYR", ["ms", "en", "zh"], [("Kuala Lumpur", "Asia/Kuala_Lumpur"), ("Penang", "Asia/Kuala_Lumpur")]),
    "CN": (38, "CNY", ["zh", "en"], [("Shanghai", "Asia/Shanghai"), ("Dalian", "Asia/Shanghai")]),
    "ZA": (40, "ZAR", ["en", "af"], [("Cape Town", "Africa/Johannesburg"), ("Johannesburg", "Africa/Johannesburg")]),
    "KE": (22, "KES", ["en", "sw"], [("Nairobi", "Africa/Nairobi")]),
    "NG": (20, "NGN", ["en"], [("Lagos", "Africa/Lagos")]),
}

# How often a vendor is headquartered in each country (offshore-heavy, as KPO supply is).
COUNTRY_WEIGHTS = {
    "IN": 22,
    "PH": 7,
    "VN": 3,
    "LK": 2,
    "PK": 2,
    "BD": 1,
    "MY": 2,
    "CN": 2,
    "ZA": 3,
    "KE": 1,
    "NG": 1,
    "PL": 5,
    "RO": 4,
    "BG": 2,
    "CZ": 2,
    "PT": 3,
    "HU": 2,
    "UA": 2,
    "MA": 1,
    "EG": 2,
    "TR": 1,
    "MX": 4,
    "CO": 3,
    "AR": 3,
    "BR": 3,
    "CR": 1,
    "CL": 1,
    "US": 6,
    "GB": 4,
    "DE": 2,
    "IT": 2,
    "FR": 1,
    "NL": 1,
    "CH": 1,
    "IE": 1,
    "ES": 2,
    "CA": 2,
    "AU": 1,
}

SENIORITY_FACTOR = {Seniority.JUNIOR: 0.55, Seniority.MID: 0.78, Seniority.SENIOR: 1.0, Seniority.EXPERT: 1.38}
DOMAIN_PREMIUM = {
    "finance": 1.0,
    "research_development": 1.1,
    "business_operations": 1.05,
    "technical_analysis": 0.95,
    "investment": 1.2,
    "legal": 1.15,
    "medical": 1.05,
    "data_analytics": 1.0,
}
DOMAIN_NAME_WORDS = {
    "finance": ["Finance", "Accounting", "Ledger", "FinServ"],
    "research_development": ["Research", "Labs", "Innovation", "R&D"],
    "business_operations": ["Consulting", "Advisory", "Operations", "Strategy"],
    "technical_analysis": ["Engineering", "Technical", "Design", "Analysis"],
    "investment": ["Capital Research", "Investment Research", "Equity Insights", "Valuation"],
    "legal": ["Legal", "LPO", "Law Support", "Compliance"],
    "medical": ["Health", "Clinical", "MedServices", "Life Sciences"],
    "data_analytics": ["Analytics", "Data", "Insights", "Intelligence"],
}
NAME_STEMS = [
    "Aster",
    "Bluepeak",
    "Cedar",
    "Delta",
    "Everest",
    "Falcon",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northstar",
    "Orion",
    "Pinnacle",
    "Quartz",
    "Redwood",
    "Summit",
    "Tidal",
    "Umbra",
    "Vertex",
    "Willow",
    "Xenon",
    "Yarrow",
    "Zenith",
    "Acumen",
    "Beacon",
    "Cobalt",
    "Driftwood",
    "Ember",
    "Fjord",
    "Gemini",
    "Helix",
    "Ionic",
    "Jasper",
    "Kestrel",
    "Lattice",
    "Monsoon",
    "Nimbus",
    "Onyx",
    "Polaris",
    "Quill",
    "Rhombus",
    "Sapphire",
    "Tangent",
    "Unity",
    "Vantage",
    "Wavelength",
    "Zephyr",
    "Amber",
    "Banyan",
    "Cypress",
    "Dune",
    "Equinox",
    "Fulcrum",
    "Gallium",
    "Horizon",
    "Ivory",
    "Kite",
]
NAME_SUFFIXES = ["Partners", "Group", "Services", "Solutions", "Associates", "Global", "Co.", "Ltd", "LLP", "Pvt Ltd"]
SPECIALTY_PHRASES = {
    "finance": "month-end close, management reporting and FP&A for mid-market and enterprise clients",
    "research_development": "patent landscaping, literature reviews and lab data analysis for R&D teams",
    "business_operations": "market research, process re-engineering and competitive intelligence",
    "technical_analysis": "CAD, simulation and technical documentation for engineering firms",
    "investment": "equity and credit research, valuation models and due diligence for asset managers",
    "legal": "contract review, e-discovery and regulatory research for law firms and in-house counsel",
    "medical": "pharmacovigilance, medical coding and clinical data management",
    "data_analytics": "BI dashboards, data engineering and applied machine learning",
}
REVIEW_COMMENTS = {
    5: [
        "Outstanding team, delivered ahead of schedule.",
        "Excellent quality and proactive communication.",
        "Best vendor we have worked with on this kind of work.",
    ],
    4: [
        "Solid work, minor rework on the first deliverable.",
        "Good quality, responsive team.",
        "Reliable and good value for money.",
    ],
    3: [
        "Acceptable, but needed close supervision.",
        "Quality varied between analysts.",
        "Met the brief, communication could be better.",
    ],
    2: ["Missed two deadlines; quality below expectations.", "Significant rework required."],
    1: ["Did not deliver what was agreed."],
}


@dataclass
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


CLIENTS = [
    ClientSpec(
        "banca-aurora",
        "Banca Aurora S.p.A.",
        "IT",
        "Europe/Rome",
        "EUR",
        time(9),
        time(18),
        "manager",
        ("Giulia", "Rossi"),
    ),
    ClientSpec(
        "northwind-capital",
        "Northwind Capital Partners",
        "US",
        "America/New_York",
        "USD",
        time(8, 30),
        time(17, 30),
        "manager.us",
        ("Daniel", "Brooks"),
    ),
    ClientSpec(
        "helix-therapeutics",
        "Helix Therapeutics Ltd",
        "GB",
        "Europe/London",
        "GBP",
        time(9),
        time(17, 30),
        "manager.uk",
        ("Amelia", "Clarke"),
    ),
    ClientSpec(
        "rheinwerk",
        "Rheinwerk Maschinenbau GmbH",
        "DE",
        "Europe/Berlin",
        "EUR",
        time(8),
        time(16, 30),
        "manager.de",
        ("Jonas", "Weber"),
    ),
]

# (client slug, title, domain, seniority, budget, hours, fte, confidentiality, method, [(skill, min, weight, must)], certs, languages, overlap)
OPEN_REQUIREMENTS = [
    (
        "banca-aurora",
        "IFRS 9 reporting and month-end close support",
        "finance",
        Seniority.SENIOR,
        "65",
        1600,
        "3",
        Confidentiality.HIGH,
        SelectionMethod.BALANCED,
        [
            ("financial-reporting", 3, "3", True),
            ("management-accounting", 3, "1", False),
            ("audit-support", 3, "1", False),
        ],
        ["iso_27001"],
        ["en"],
        "3",
    ),
    (
        "banca-aurora",
        "GDPR contract review backlog",
        "legal",
        Seniority.MID,
        "55",
        900,
        "2",
        Confidentiality.HIGH,
        SelectionMethod.QUALITY_COST_80_20,
        [("contract-review", 3, "3", True), ("gdpr-privacy", 3, "2", False), ("legal-research", 3, "1", False)],
        [],
        ["en"],
        "2",
    ),
    (
        "banca-aurora",
        "Branch network Power BI dashboards",
        "data_analytics",
        Seniority.MID,
        "45",
        600,
        "1.5",
        Confidentiality.MEDIUM,
        SelectionMethod.LEAST_COST,
        [("bi-dashboards", 3, "3", True), ("sql", 3, "2", False), ("data-engineering", 3, "1", False)],
        [],
        ["en"],
        "2",
    ),
    (
        "northwind-capital",
        "Mid-cap industrials equity research coverage",
        "investment",
        Seniority.SENIOR,
        "90",
        2000,
        "4",
        Confidentiality.HIGH,
        SelectionMethod.QUALITY_ONLY,
        [("equity-research", 3, "3", True), ("valuation", 3, "2", False), ("financial-modeling-inv", 3, "2", False)],
        [],
        ["en"],
        "3",
    ),
    (
        "northwind-capital",
        "Fund accounting and NAV reconciliation",
        "investment",
        Seniority.MID,
        "60",
        1200,
        "3",
        Confidentiality.MEDIUM,
        SelectionMethod.BALANCED,
        [("fund-accounting", 3, "3", True), ("financial-reporting", 3, "1", False)],
        [],
        ["en"],
        "3",
    ),
    (
        "helix-therapeutics",
        "Pharmacovigilance case processing",
        "medical",
        Seniority.SENIOR,
        "70",
        2400,
        "5",
        Confidentiality.HIGH,
        SelectionMethod.BALANCED,
        [
            ("pharmacovigilance", 3, "3", True),
            ("medical-writing", 3, "1", False),
            ("regulatory-affairs", 3, "1", False),
        ],
        [],
        ["en"],
        "3",
    ),
    (
        "helix-therapeutics",
        "Phase II clinical data management",
        "medical",
        Seniority.EXPERT,
        "95",
        1800,
        "3",
        Confidentiality.HIGH,
        SelectionMethod.FIXED_BUDGET,
        [("clinical-data-management", 3, "3", True), ("biostatistics", 3, "2", False)],
        ["hipaa"],
        ["en"],
        "2",
    ),
    (
        "rheinwerk",
        "FEA of gearbox housings",
        "technical_analysis",
        Seniority.SENIOR,
        "70",
        800,
        "2",
        Confidentiality.MEDIUM,
        SelectionMethod.BALANCED,
        [("fea-simulation", 3, "3", True), ("cad-drafting", 3, "1", False)],
        [],
        ["en"],
        "4",
    ),
]


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


@dataclass
class SeedReport:
    vendors_created: int = 0
    vendors_existing: int = 0
    clients_created: int = 0
    users_created: int = 0
    requirements_created: int = 0
    engagements_created: int = 0
    reviews_created: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _money(value: float | Decimal) -> Decimal:
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
            usd = senior_usd * SENIORITY_FACTOR[level] * premium * firm_factor
            local = Decimal(str(usd)) / to_usd
            rates.append((level, _money(local), quote_currency))

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


def _batched(items: Iterator[VendorSpec], size: int) -> Iterator[list[VendorSpec]]:
    batch: list[VendorSpec] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _seed_clients(report: SeedReport) -> dict[str, ClientOrganization]:
    clients = {}
    for spec in CLIENTS:
        client, created = ClientOrganization.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "country": spec.country,
                "timezone": spec.timezone,
                "currency": spec.currency,
                "working_hours_start": spec.start,
                "working_hours_end": spec.end,
            },
        )
        report.clients_created += created
        clients[spec.slug] = client
    return clients


def _ensure_user(report: SeedReport, *, username: str, first: str, last: str, staff: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@kpo-match.example",
            "is_staff": staff,
            "is_superuser": staff,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        report.users_created += 1
    return user


def _seed_requirements(
    report: SeedReport, clients: dict[str, ClientOrganization], today: date, users: dict[str, object]
) -> None:
    domains = {d.code: d for d in ExpertiseArea.objects.all()}
    skills = {s.code: s for s in Skill.objects.all()}
    certs = {c.code: c for c in Certification.objects.all()}
    for (
        client_slug,
        title,
        domain,
        seniority,
        budget,
        hours,
        fte,
        confidentiality,
        method,
        req_skills,
        req_certs,
        languages,
        overlap,
    ) in OPEN_REQUIREMENTS:
        client = clients[client_slug]
        if Requirement.objects.filter(client=client, title=title).exists():
            continue
        requirement = Requirement.objects.create(
            client=client,
            created_by=users.get(client_slug),
            title=title,
            description=f"{title}. Scope agreed with the business; see the attached brief.",
            domain=domains[domain],
            seniority=seniority,
            budget_hourly_rate=Decimal(budget),
            currency=client.currency,
            estimated_hours=hours,
            fte_needed=Decimal(fte),
            start_date=today + timedelta(days=30),
            languages=languages,
            min_timezone_overlap_hours=Decimal(overlap),
            confidentiality=confidentiality,
            selection_method=method,
            status=RequirementStatus.OPEN,
        )
        RequirementSkill.objects.bulk_create(
            RequirementSkill(
                requirement=requirement,
                skill=skills[code],
                min_proficiency=minimum,
                weight=Decimal(weight),
                must_have=must,
            )
            for code, minimum, weight, must in req_skills
        )
        requirement.required_certifications.set([certs[c] for c in req_certs])
        report.requirements_created += 1


def _past_requirement(client: ClientOrganization, domain: ExpertiseArea, cache: dict) -> Requirement:
    key = (client.pk, domain.pk)
    if key not in cache:
        cache[key], _ = Requirement.objects.get_or_create(
            client=client,
            title=f"{domain.name}: completed outsourcing programme",
            defaults={
                "domain": domain,
                "description": "Past work, kept for the engagement history and vendor reviews.",
                "budget_hourly_rate": Decimal("80"),
                "currency": client.currency,
                "estimated_hours": 1000,
                "fte_needed": Decimal("2"),
                "status": RequirementStatus.CLOSED,
            },
        )
    return cache[key]


def _insert_vendor_batch(specs: list[VendorSpec], *, lookups: dict, today: date, report: SeedReport) -> None:
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(
                name=s.name,
                slug=s.slug,
                description=s.description,
                website=s.website,
                headquarters_country=s.hq,
                founded_year=s.founded,
                available_fte=s.available_fte,
                verified=s.verified,
                is_active=s.is_active,
            )
            for s in specs
        ]
    )
    domain_through = Vendor.domains.through
    domains, skills, certs = lookups["domains"], lookups["skills"], lookups["certs"]
    domain_rows, language_rows, skill_rows, rate_rows, center_rows, cert_rows = [], [], [], [], [], []
    for vendor, spec in zip(vendors, specs, strict=True):
        domain_rows += [domain_through(vendor_id=vendor.pk, expertisearea_id=domains[d]) for d in spec.domains]
        language_rows += [VendorLanguage(vendor_id=vendor.pk, code=code) for code in spec.languages]
        skill_rows += [
            VendorSkill(vendor_id=vendor.pk, skill_id=skills[c], proficiency=p, years_experience=y)
            for c, p, y in spec.skills
        ]
        rate_rows += [
            RateCard(vendor_id=vendor.pk, seniority=lvl, hourly_rate=r, currency=cur) for lvl, r, cur in spec.rates
        ]
        center_rows += [
            DeliveryCenter(vendor_id=vendor.pk, country=c, city=city, timezone=z, headcount=h)
            for c, city, z, h in spec.centers
        ]
        cert_rows += [
            VendorCertification(vendor_id=vendor.pk, certification_id=certs[c], valid_until=v)
            for c, v in spec.certifications
        ]
    # New vendors, numbered when inserted: their parts need not touch them again.
    with document_touch_deferred():
        for model, rows in (
            (domain_through, domain_rows),
            (VendorLanguage, language_rows),
            (VendorSkill, skill_rows),
            (RateCard, rate_rows),
            (DeliveryCenter, center_rows),
            (VendorCertification, cert_rows),
        ):
            model.objects.bulk_create(rows, batch_size=5000)
    _insert_history(vendors, specs, lookups=lookups, today=today, report=report)
    report.vendors_created += len(vendors)


def _insert_history(
    vendors: list[Vendor], specs: list[VendorSpec], *, lookups: dict, today: date, report: SeedReport
) -> None:
    """Completed engagements with reviews, spread over each client's past programmes."""
    clients, domain_objs, past_cache = lookups["clients"], lookups["domain_objs"], lookups["past_requirements"]
    pending: list[tuple[Engagement, int, int, str]] = []
    for vendor, spec in zip(vendors, specs, strict=True):
        if not spec.history:
            continue
        senior_rate = next((r for lvl, r, _cur in spec.rates if lvl == Seniority.SENIOR), spec.rates[0][1])
        currency = spec.rates[0][2]
        for client_slug, rating, months_ago, comment in spec.history:
            client = clients[client_slug]
            requirement = _past_requirement(client, domain_objs[spec.domains[0]], past_cache)
            start = today - timedelta(days=30 * months_ago + 120)
            engagement = Engagement(
                requirement=requirement,
                client=client,
                vendor_id=vendor.pk,
                status=EngagementStatus.COMPLETED,
                agreed_rate=senior_rate,
                currency=currency,
                fte=Decimal("2"),
                start_date=start,
                end_date=start + timedelta(days=90),
            )
            pending.append((engagement, rating, vendor.pk, comment))
    if not pending:
        return
    engagements = Engagement.objects.bulk_create([row[0] for row in pending], batch_size=5000)
    EngagementEvent.objects.bulk_create(
        [
            EngagementEvent(
                engagement_id=e.pk,
                kind=EngagementEvent.Kind.STATUS,
                from_value=EngagementStatus.ACTIVE,
                to_value=EngagementStatus.COMPLETED,
            )
            for e in engagements
        ],
        batch_size=5000,
    )
    Review.objects.bulk_create(
        [
            Review(engagement_id=e.pk, vendor_id=vendor_id, rating=rating, comment=comment)
            for e, (_e, rating, vendor_id, comment) in zip(engagements, pending, strict=True)
        ],
        batch_size=5000,
    )
    lookups["rated_vendor_ids"].update(vendor_id for _e, _r, vendor_id, _c in pending)
    report.engagements_created += len(engagements)
    report.reviews_created += len(engagements)


def _refresh_ratings(vendor_ids: list[int]) -> None:
    for start in range(0, len(vendor_ids), 5000):
        chunk = vendor_ids[start : start + 5000]
        stats = (
            Review.objects.filter(vendor_id__in=chunk).values("vendor_id").annotate(avg=Avg("rating"), n=Count("id"))
        )
        updates = [
            Vendor(
                pk=row["vendor_id"], rating=Decimal(str(row["avg"])).quantize(Decimal("0.01")), review_count=row["n"]
            )
            for row in stats
        ]
        Vendor.objects.bulk_update(updates, ["rating", "review_count"], batch_size=2000)


def _record_initial_history(vendor: Vendor) -> None:
    """Creation records for the demo vendor's profile rows, which were bulk inserted
    without history: its first edit in the demo then reads "changed from old to new".
    Only the demo vendor, so seeding 100,000 vendors does not double its writes."""
    for model, rows in (
        (Vendor, [vendor]),
        (VendorSkill, list(VendorSkill.objects.filter(vendor=vendor))),
        (RateCard, list(RateCard.objects.filter(vendor=vendor))),
        (DeliveryCenter, list(DeliveryCenter.objects.filter(vendor=vendor))),
        (VendorCertification, list(VendorCertification.objects.filter(vendor=vendor))),
        (VendorLanguage, list(VendorLanguage.objects.filter(vendor=vendor))),
    ):
        history = model.history
        recorded = set(history.filter(id__in=[r.pk for r in rows]).values_list("id", flat=True))
        missing = [r for r in rows if r.pk not in recorded]
        if missing:
            history.bulk_history_create(missing, default_change_reason="demo data")


def _seed_live_engagements(
    report: SeedReport, clients: dict[str, ClientOrganization], demo_vendor: Vendor, today: date, manager
) -> None:
    """An active and a proposed engagement between the demo client and the demo vendor."""
    aurora = clients["banca-aurora"]
    for title, status in (
        ("IFRS 9 reporting and month-end close support", EngagementStatus.PROPOSED),
        ("Branch network Power BI dashboards", EngagementStatus.ACTIVE),
    ):
        requirement = Requirement.objects.filter(client=aurora, title=title).first()
        if requirement is None or Engagement.objects.filter(requirement=requirement, vendor=demo_vendor).exists():
            continue
        engagement = Engagement.objects.create(
            requirement=requirement,
            client=aurora,
            vendor=demo_vendor,
            proposed_by=manager,
            status=status,
            agreed_rate=Decimal("38.00"),
            currency="EUR",
            fte=Decimal("2"),
            start_date=today + timedelta(days=14)
            if status == EngagementStatus.PROPOSED
            else today - timedelta(days=45),
        )
        EngagementEvent.objects.create(
            engagement=engagement, kind=EngagementEvent.Kind.STATUS, to_value=EngagementStatus.PROPOSED, actor=manager
        )
        if status == EngagementStatus.ACTIVE:
            EngagementEvent.objects.create(
                engagement=engagement,
                kind=EngagementEvent.Kind.STATUS,
                from_value=EngagementStatus.PROPOSED,
                to_value=EngagementStatus.ACTIVE,
            )
            Milestone.objects.bulk_create(
                [
                    Milestone(
                        engagement=engagement,
                        title="Data model and KPI catalogue",
                        due_date=today - timedelta(days=20),
                        status=MilestoneStatus.ACCEPTED,
                    ),
                    Milestone(
                        engagement=engagement, title="First dashboard release", due_date=today + timedelta(days=10)
                    ),
                ]
            )
        report.engagements_created += 1


def seed_demo(
    *,
    seed: int = 42,
    vendors: int = 300,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> SeedReport:
    """Create the demo data set. Idempotent: existing rows (by natural key) are kept as they are."""
    today = today or date.today()
    report = SeedReport()
    with transaction.atomic():
        clients = _seed_clients(report)
        manager_users = {}
        for spec in CLIENTS:
            user = _ensure_user(report, username=spec.manager, first=spec.manager_name[0], last=spec.manager_name[1])
            Membership.objects.get_or_create(user=user, defaults={"client": clients[spec.slug], "role": Role.MANAGER})
            manager_users[spec.slug] = user
        staff = _ensure_user(report, username="staff", first="Sam", last="Operator", staff=True)
        _seed_requirements(report, clients, today, manager_users)

        skills_by_domain: dict[str, list[str]] = {}
        for code, domain_code in (
            Skill.objects.filter(is_active=True).order_by("code").values_list("code", "domain__code")
        ):
            skills_by_domain.setdefault(domain_code, []).append(code)
        rates_to_usd = dict(ExchangeRate.objects.values_list("currency", "rate_to_base"))
        generator = DemoGenerator(seed=seed, today=today, skills_by_domain=skills_by_domain, rates_to_usd=rates_to_usd)
        lookups = {
            "domains": dict(ExpertiseArea.objects.values_list("code", "id")),
            "domain_objs": {d.code: d for d in ExpertiseArea.objects.all()},
            "skills": dict(Skill.objects.values_list("code", "id")),
            "certs": dict(Certification.objects.values_list("code", "id")),
            "clients": clients,
            "past_requirements": {},
            "rated_vendor_ids": set(),
        }
        existing = set(Vendor.objects.values_list("slug", flat=True))
        for batch in _batched(generator.vendors(vendors), batch_size):
            new = [s for s in batch if s.slug not in existing]
            report.vendors_existing += len(batch) - len(new)
            if new:
                _insert_vendor_batch(new, lookups=lookups, today=today, report=report)
            if progress:
                progress(len(batch))
        _refresh_ratings(sorted(lookups["rated_vendor_ids"]))

        demo_vendor = Vendor.objects.filter(slug=DEMO_VENDOR_SLUG).first()
        if demo_vendor is not None:
            vendor_user = _ensure_user(report, username="vendor", first="Priya", last="Raman")
            Membership.objects.get_or_create(user=vendor_user, defaults={"vendor": demo_vendor, "role": Role.ADMIN})
            _record_initial_history(demo_vendor)
            _seed_live_engagements(report, clients, demo_vendor, today, manager_users["banca-aurora"])

    report.logins = [
        ("procurement manager (Banca Aurora, Italy, EUR)", "manager", DEMO_PASSWORD),
        ("vendor member (admin of Lumen Insight Partners)", "vendor", DEMO_PASSWORD),
        ("staff (platform operator, Django admin)", staff.username, DEMO_PASSWORD),
    ]
    return report
