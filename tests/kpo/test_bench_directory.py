"""The request mix of `make bench-directory` (engagements/bench/mix.py): what it
replays covers the directory, and the same seed replays the same requests.
The generator only: no server, no database, no timing."""

from __future__ import annotations

import pytest

from engagements.bench.mix import (
    API,
    API_PAGE_SIZE,
    COMBINED,
    FILTERS,
    HTML,
    ITALIAN_SEARCHES,
    MAX_PAGES,
    SEARCH_KINDS,
    Vocabulary,
    api_surface,
    build_mix,
    html_surface,
)

VOCABULARY = Vocabulary(
    vendor_names=("Lumen Insight Partners", "Meridian Legal LLP", "Orion Clinical Group"),
    skill_names=("Contract review", "Equity research", "Financial reporting"),
    description_words=("boutique", "clinical", "diligence", "reporting", "valuation"),
    description_phrases=("contract review", "valuation models due", "month-end close"),
    accented_words=("Bogotá", "Kraków", "São"),
    domains=("finance", "legal", "medical"),
    skills=("contract-review", "equity-research", "financial-reporting"),
    countries=("IN", "IT", "PL"),
    regions=("south_asia", "southern_europe"),
    locations=("nearshore", "offshore", "onshore"),
    certifications=("gdpr", "iso_27001"),
    languages=("en", "it", "pl"),
    currencies=("EUR", "USD"),
    seniorities=("junior", "mid", "senior", "expert"),
)


@pytest.fixture(scope="module")
def surfaces():
    return {API: api_surface(), HTML: html_surface()}


@pytest.fixture(scope="module")
def mix(surfaces):
    return build_mix(vocabulary=VOCABULARY, surfaces=list(surfaces.values()), seed=13, requests=600)


def test_the_same_seed_gives_the_same_mix_and_another_seed_another(surfaces):
    def mix_for(seed):
        return build_mix(vocabulary=VOCABULARY, surfaces=list(surfaces.values()), seed=seed, requests=300)

    assert mix_for(7) == mix_for(7)
    assert mix_for(7) != mix_for(8)


def test_it_plans_at_least_the_requests_asked(mix):
    assert sum(visit.pages for visit in mix) >= 600


def test_it_uses_every_ordering_each_surface_accepts(mix, surfaces):
    for target, surface in surfaces.items():
        used = {visit.ordering for visit in mix if visit.target == target}
        assert set(surface.orderings) <= used, target
    assert {"relevance", "name", "rating", "reviews", "rate", "-id", "change_seq"} <= set(surfaces[API].orderings)
    assert {"relevance", "name", "rating", "reviews", "rate"} <= set(surfaces[HTML].orderings)


def test_it_uses_every_filter_alone_and_in_combination(mix, surfaces):
    for target, surface in surfaces.items():
        supported = {name for name in FILTERS if surface.supports(name)}
        visits = [visit for visit in mix if visit.target == target]
        alone = {visit.filters[0] for visit in visits if len(visit.filters) == 1 and not visit.search}
        combined = {name for visit in visits if visit.kind == COMBINED for name in visit.filters}
        assert alone == supported, target
        assert combined == supported, target
        assert any(visit.search and visit.filters for visit in visits), target
    # The HTML form has every filter; the API at least these.
    assert {name for name in FILTERS if surfaces[HTML].supports(name)} == set(FILTERS)
    assert set(FILTERS) - {"region", "location"} <= surfaces[API].params


def test_it_searches_as_buyers_type(mix):
    for target in (API, HTML):
        visits = [visit for visit in mix if visit.target == target]
        assert {visit.kind for visit in visits} >= set(SEARCH_KINDS), target
        searches = {visit.search for visit in visits if visit.search}
        assert any(" " in search for search in searches), "several words"
        assert any(
            len(search) in (3, 4) and name.lower().startswith(search.lower()) and search != name
            for search in searches
            for name in VOCABULARY.vendor_names
        ), "part of a name"
        assert any(not search.isascii() for search in searches), "accented"
        assert searches & set(ITALIAN_SEARCHES), "Italian"
        assert {"legale", "bilancio", "ricerca clinica"} <= set(ITALIAN_SEARCHES)


def test_it_follows_next_pages_up_to_five_deep(mix):
    for target in (API, HTML):
        depths = {visit.pages for visit in mix if visit.target == target}
        assert depths == set(range(1, MAX_PAGES + 1)), target


def test_each_surface_gets_only_the_parameters_it_accepts(mix, surfaces):
    for visit in mix:
        surface = surfaces[visit.target]
        names = {name for name, _value in visit.query}
        assert names <= surface.params | {name for name, _value in surface.fixed}, visit
    api = [dict(visit.query) for visit in mix if visit.target == API]
    html = [dict(visit.query) for visit in mix if visit.target == HTML]
    assert all(query["page_size"] == str(API_PAGE_SIZE) for query in api)
    assert any(query.get("verified") == "true" for query in api)
    assert any(query.get("verified") == "on" for query in html)
    assert not any("ordering" in query or "currency" in query for query in html)


@pytest.mark.django_db
def test_the_benchmarks_manager_is_made_once_and_manages_the_benchmark_client():
    from engagements.bench.accounts import BENCH_CLIENT_SLUG, bench_manager

    first, again = bench_manager("bench-someone"), bench_manager("bench-someone")

    assert first.pk == again.pk
    assert first.membership.client.slug == BENCH_CLIENT_SLUG and first.membership.role == "manager"
