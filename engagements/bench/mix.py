"""The request mix of `manage.py bench_directory`: what buyers do in the vendor
directory, replayed through the API (GET /api/v1/vendors/) and the HTML
directory's HTMX partial (GET /vendors/ with HX-Request).

A mix is a list of visits. A visit is one buyer action: a first page (a search,
some filters, an ordering), then up to four next pages followed through the
page's own `next` link (the API's keyset cursor, the partial's rel="next"). The
mix starts with a coverage set, in a seeded order, so that even a short run
exercises every filter alone and in combination, every ordering each surface
accepts, every kind of search (one word, several words, part of a name, a whole
name, a skill, accented and Italian words) and pages 2 to 5; random visits with
the same ingredients fill the rest.

The words come from the seeded data (`vocabulary_from_database`): vendor names,
skill names, description words and accented city names, so searches find what
the directory holds; the Italian ones are what an Italian buyer types and mostly
find nothing in an English index, which costs time too. Which parameters and
orderings each surface accepts is read from its code (the API's filter set, the
HTML form), so the mix follows them when they change. Same vocabulary, surfaces
and seed: same mix.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

API, HTML, REFERENCE = "api", "html", "reference"
API_PAGE_SIZE = 50
MAX_PAGES = 5

# The directory's filters, by the name both surfaces give their parameter.
FILTERS = (
    "domain",
    "skill",
    "country",
    "region",
    "location",
    "max_rate",
    "seniority",
    "certification",
    "language",
    "min_rating",
    "verified",
)
RATE_LIMITS = ("25", "40", "60", "90", "130")  # hourly, in the asked currency
MIN_RATINGS = ("3", "3.5", "4", "4.5")  # the HTML form's choices; the API takes any 1-5
PREFERRED_CURRENCIES = ("EUR", "USD", "GBP", "INR")
# What an Italian procurement manager types (the demo client organization is Italian).
ITALIAN_SEARCHES = (
    "legale",
    "bilancio",
    "ricerca clinica",
    "contabilità",
    "analisi dei dati",
    "revisione contratti",
    "consulenza fiscale",
    "due diligence società",
)
ACCENTED_SEARCHES = ("contabilità", "società", "conformità normativa", "Zürich")

SEARCH_KINDS = (
    "search: one word",
    "search: several words",
    "search: partial name",
    "search: whole name",
    "search: skill",
    "search: accented",
    "search: Italian",
)
BROWSE = "browse"
FILTER_KIND = "filter: {}"
COMBINED = "filters combined"
SEARCH_AND_FILTERS = "search + filters"
ORDERING_KIND = "ordering: {}"
NEXT_PAGE = "next page"
DEPTH_WEIGHTS = {1: 55, 2: 20, 3: 12, 4: 8, 5: 5}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Vocabulary:
    """Words and codes the mix draws from, each sorted (the mix depends on their order)."""

    vendor_names: tuple[str, ...]
    skill_names: tuple[str, ...]
    description_words: tuple[str, ...]
    description_phrases: tuple[str, ...]
    accented_words: tuple[str, ...]
    domains: tuple[str, ...]
    skills: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    locations: tuple[str, ...]
    certifications: tuple[str, ...]
    languages: tuple[str, ...]
    currencies: tuple[str, ...]
    seniorities: tuple[str, ...]


@dataclass(frozen=True)
class Surface:
    """One way into the directory: its path, the query parameters it accepts, what
    its ordering parameter is called and takes, how it spells "true"."""

    target: str
    path: str
    params: frozenset[str]
    ordering_param: str
    orderings: tuple[str, ...]
    true_value: str
    fixed: tuple[tuple[str, str], ...] = ()

    def supports(self, name: str) -> bool:
        return name in self.params


@dataclass(frozen=True)
class Visit:
    """One buyer action: the first page at `url`, then up to `pages - 1` next pages."""

    target: str
    kind: str
    path: str
    query: tuple[tuple[str, str], ...]
    pages: int = 1
    filters: tuple[str, ...] = ()  # the directory filters it uses, in FILTERS order
    search: str = ""
    ordering: str = ""

    @property
    def url(self) -> str:
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path


@dataclass
class _Draft:
    """A visit before it is written for a surface."""

    kind: str
    search: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    ordering: str = ""
    pages: int = 1


# --- surfaces, read from the code that parses their parameters ----------------------


def api_surface() -> Surface:
    """GET /api/v1/vendors/: the filter set's parameters and `ordering` values."""
    from vendors.api.filters import ORDERINGS, UNIQUE_ORDERINGS, VendorFilter

    return Surface(
        target=API,
        path="/api/v1/vendors/",
        params=frozenset(VendorFilter.base_filters),
        ordering_param="ordering",
        orderings=(*ORDERINGS, *UNIQUE_ORDERINGS),
        true_value="true",
        fixed=(("page_size", str(API_PAGE_SIZE)),),
    )


def html_surface() -> Surface:
    """GET /vendors/ (the HTMX partial): the filter form's fields and `sort` values."""
    from vendors.forms import SORT_CHOICES, DirectoryFilterForm

    return Surface(
        target=HTML,
        path="/vendors/",
        params=frozenset(DirectoryFilterForm.base_fields),
        ordering_param="sort",
        orderings=tuple(value for value, _label in SORT_CHOICES),
        true_value="on",
    )


# --- words from the seeded data ------------------------------------------------------


def vocabulary_from_database(*, sample: int = 3000) -> Vocabulary:
    """The words of the first `sample` active vendors and the taxonomy, sorted."""
    from kpo import geo
    from vendors.models import (
        Certification,
        DeliveryCenter,
        ExchangeRate,
        ExpertiseArea,
        Seniority,
        Skill,
        Vendor,
        VendorLanguage,
    )

    rows = list(Vendor.objects.filter(is_active=True).order_by("id").values_list("name", "description")[:sample])
    descriptions = [description for _name, description in rows]
    cities = DeliveryCenter.objects.order_by().values_list("city", flat=True).distinct()
    texts = [*descriptions, *cities, *(name for name, _description in rows)]
    rated = set(ExchangeRate.objects.values_list("currency", flat=True))
    return Vocabulary(
        vendor_names=_sorted({name for name, _description in rows}),
        skill_names=_sorted(Skill.objects.values_list("name", flat=True)),
        description_words=_sorted(
            word.lower() for text in descriptions for word in _WORD.findall(text) if len(word) >= 5
        ),
        description_phrases=_sorted(phrase for text in descriptions for phrase in _phrases(text)),
        accented_words=_sorted(word for text in texts for word in _WORD.findall(text) if not word.isascii()),
        domains=_sorted(ExpertiseArea.objects.values_list("code", flat=True)),
        skills=_sorted(Skill.objects.values_list("code", flat=True)),
        countries=_sorted(DeliveryCenter.objects.order_by().values_list("country", flat=True).distinct()),
        regions=_sorted(geo.REGION_OF.values()),
        locations=(geo.ONSHORE, geo.NEARSHORE, geo.OFFSHORE),
        certifications=_sorted(Certification.objects.values_list("code", flat=True)),
        languages=_sorted(VendorLanguage.objects.order_by().values_list("code", flat=True).distinct()),
        currencies=tuple(code for code in PREFERRED_CURRENCIES if code in rated) or ("USD",),
        seniorities=tuple(Seniority.values),
    )


def _sorted(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def _phrases(text: str) -> list[str]:
    """Two- and three-word runs of a description's clauses ("valuation models")."""
    phrases = []
    for clause in re.split(r"[,.;:]| and | for | from ", text):
        words = [word for word in _WORD.findall(clause) if len(word) >= 4]
        phrases += [" ".join(words[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)]
    return phrases


# --- the mix -------------------------------------------------------------------------


def build_mix(*, vocabulary: Vocabulary, surfaces: Sequence[Surface], seed: int, requests: int) -> list[Visit]:
    """The coverage set then random visits, until the visits plan at least
    `requests` pages. Deterministic for (vocabulary, surfaces, seed)."""
    rng = random.Random(f"bench-directory:{seed}")
    visits = [_render(draft, surface) for surface, draft in _coverage(rng, vocabulary, surfaces)]
    rng.shuffle(visits)
    planned = sum(visit.pages for visit in visits)
    while planned < requests:
        surface = rng.choice(surfaces)
        visit = _render(_random_draft(rng, vocabulary, surface), surface)
        visits.append(visit)
        planned += visit.pages
    return visits


def _coverage(
    rng: random.Random, vocabulary: Vocabulary, surfaces: Sequence[Surface]
) -> Iterable[tuple[Surface, _Draft]]:
    """Per surface: browsing, each kind of search, each filter alone, the filters
    in combinations that use each of them, a search with filters, each ordering
    (two pages: its keyset cursor), and one visit 2, 3, 4 and 5 pages deep."""
    for surface in surfaces:
        supported = [name for name in FILTERS if surface.supports(name)]
        yield surface, _Draft(kind=BROWSE)
        for kind in SEARCH_KINDS:
            yield surface, _Draft(kind=kind, search=_search(rng, vocabulary, kind))
        for name in supported:
            yield surface, _Draft(kind=FILTER_KIND.format(name), filters=_filter_values(rng, vocabulary, [name]))
        shuffled = rng.sample(supported, k=len(supported))
        for start in range(0, len(shuffled), 3):
            names = shuffled[start : start + 3]
            if len(names) < 2:  # a lone last filter: combined with another one
                names.append(rng.choice([name for name in supported if name not in names]))
            yield surface, _Draft(kind=COMBINED, filters=_filter_values(rng, vocabulary, names))
        yield surface, _search_and_filters(rng, vocabulary, supported)
        for ordering in surface.orderings:
            search = _search(rng, vocabulary, "search: one word") if ordering == "relevance" else ""
            yield surface, _Draft(kind=ORDERING_KIND.format(ordering), search=search, ordering=ordering, pages=2)
        for pages in range(2, MAX_PAGES + 1):
            draft = _random_draft(rng, vocabulary, surface)
            draft.pages = pages
            yield surface, draft


def _random_draft(rng: random.Random, vocabulary: Vocabulary, surface: Surface) -> _Draft:
    supported = [name for name in FILTERS if surface.supports(name)]
    roll = rng.random()
    if roll < 0.35:
        kind = rng.choice(SEARCH_KINDS)
        draft = _Draft(kind=kind, search=_search(rng, vocabulary, kind))
    elif roll < 0.55:
        name = rng.choice(supported)
        draft = _Draft(kind=FILTER_KIND.format(name), filters=_filter_values(rng, vocabulary, [name]))
    elif roll < 0.70:
        names = rng.sample(supported, k=rng.randint(2, 4))
        draft = _Draft(kind=COMBINED, filters=_filter_values(rng, vocabulary, names))
    elif roll < 0.85:
        draft = _search_and_filters(rng, vocabulary, supported)
    elif roll < 0.95:
        ordering = rng.choice(surface.orderings)
        search = _search(rng, vocabulary, "search: one word") if ordering == "relevance" else ""
        draft = _Draft(kind=ORDERING_KIND.format(ordering), search=search, ordering=ordering)
    else:
        draft = _Draft(kind=BROWSE)
    if not draft.ordering and rng.random() < 0.3:
        draft.ordering = rng.choice(surface.orderings)
    draft.pages = rng.choices(list(DEPTH_WEIGHTS), weights=list(DEPTH_WEIGHTS.values()))[0]
    return draft


def _search_and_filters(rng: random.Random, vocabulary: Vocabulary, supported: list[str]) -> _Draft:
    kind = rng.choice(SEARCH_KINDS)
    names = rng.sample(supported, k=rng.randint(1, 3))
    return _Draft(
        kind=SEARCH_AND_FILTERS,
        search=_search(rng, vocabulary, kind),
        filters=_filter_values(rng, vocabulary, names),
    )


def _search(rng: random.Random, vocabulary: Vocabulary, kind: str) -> str:
    """A search of that kind, as a buyer types it."""
    if kind == "search: one word":
        source = rng.choice([vocabulary.description_words, _skill_words(vocabulary)])
        return rng.choice(source)
    if kind == "search: several words":
        if rng.random() < 0.6:
            return rng.choice(vocabulary.description_phrases)
        return " ".join(rng.sample(vocabulary.description_words, k=rng.randint(2, 3)))
    if kind == "search: partial name":
        name = rng.choice(vocabulary.vendor_names)
        part = name[: rng.choice([3, 4])]
        return part.lower() if rng.random() < 0.5 else part
    if kind == "search: whole name":
        return rng.choice(vocabulary.vendor_names)
    if kind == "search: skill":
        return rng.choice(vocabulary.skill_names)
    if kind == "search: accented":
        return rng.choice(_sorted((*vocabulary.accented_words, *ACCENTED_SEARCHES)))
    if kind == "search: Italian":
        return rng.choice(ITALIAN_SEARCHES)
    raise ValueError(f"Unknown search kind {kind!r}.")


def _skill_words(vocabulary: Vocabulary) -> tuple[str, ...]:
    return (
        _sorted(word.lower() for name in vocabulary.skill_names for word in _WORD.findall(name) if len(word) >= 4)
        or vocabulary.description_words
    )


def _filter_values(rng: random.Random, vocabulary: Vocabulary, names: Iterable[str]) -> dict[str, str]:
    """A value for each named filter (max_rate brings its currency)."""
    values: dict[str, str] = {}
    choices = {
        "domain": vocabulary.domains,
        "skill": vocabulary.skills,
        "country": vocabulary.countries,
        "region": vocabulary.regions,
        "location": vocabulary.locations,
        "seniority": vocabulary.seniorities,
        "certification": vocabulary.certifications,
        "language": vocabulary.languages,
        "min_rating": MIN_RATINGS,
    }
    for name in sorted(names, key=FILTERS.index):
        if name == "max_rate":
            values["max_rate"] = rng.choice(RATE_LIMITS)
            values["currency"] = rng.choice(vocabulary.currencies)
        elif name == "verified":
            values["verified"] = "true"
        else:
            values[name] = rng.choice(choices[name])
    return values


def _render(draft: _Draft, surface: Surface) -> Visit:
    """The draft as this surface's query string (parameters it lacks are left out)."""
    query: list[tuple[str, str]] = []
    if draft.search:
        query.append(("q", draft.search))
    for name, value in draft.filters.items():
        if surface.supports(name):
            query.append((name, surface.true_value if name == "verified" else value))
    if draft.ordering:
        query.append((surface.ordering_param, draft.ordering))
    query += surface.fixed
    return Visit(
        target=surface.target,
        kind=draft.kind,
        path=surface.path,
        query=tuple(query),
        pages=draft.pages,
        filters=tuple(name for name in FILTERS if name in draft.filters and surface.supports(name)),
        search=draft.search,
        ordering=draft.ordering,
    )


def search_terms(visits: Iterable[Visit]) -> list[str]:
    """The distinct searches of a mix, in order of first use."""
    return list(dict.fromkeys(visit.search for visit in visits if visit.search))
