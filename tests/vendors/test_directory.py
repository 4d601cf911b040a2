"""The vendor directory: who may see it, search, every filter, sorting,
pagination, bad query strings, HTMX fragments and a constant query count."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import DeliveryCenterFactory, RateCardFactory, VendorFactory
from tests.vendors.factories_extra import VendorCertificationFactory
from tests.vendors.helpers import directory, full_vendor, make_vendor, row_names
from vendors import selectors as vendors_selectors
from vendors import views
from vendors.models import Certification, DeliveryCenter
from vendors.selectors import DirectoryFilters, Viewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, owner):
    """A procurement manager of an Italian client (EUR, Europe/Rome), signed in."""
    client.force_login(owner)
    return owner


@pytest.fixture
def trio(db):
    """Onshore, nearshore and offshore vendors for an Italian client, each priced in its own currency."""
    return {
        "roma": make_vendor(
            "Roma Analisi",
            country="IT",
            tz="Europe/Rome",
            rate="45.00",
            currency="EUR",
            domains=("legal",),
            skills=("contract-review",),
            languages=("it", "en"),
        ),
        "krakow": make_vendor(
            "Krakow Numbers",
            country="PL",
            tz="Europe/Warsaw",
            rate="200.00",
            currency="PLN",
            domains=("finance",),
            skills=("fpa",),
            languages=("pl", "en"),
        ),
        "pune": make_vendor(
            "Pune Ledger",
            country="IN",
            tz="Asia/Kolkata",
            rate="3000.00",
            currency="INR",
            domains=("finance", "data_analytics"),
            skills=("financial-reporting", "sql"),
            languages=("en", "hi"),
        ),
    }


# --- access -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = directory(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_vendor_members_get_404(client, vendor_member):
    client.force_login(vendor_member)
    assert directory(client).status_code == 404


def test_a_user_without_an_organization_gets_404(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert directory(client).status_code == 404


def test_staff_see_rates_in_the_vendors_currency_with_the_base_equivalent(client, staff_user, trio):
    client.force_login(staff_user)
    response = directory(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert row_names(response) == ["Krakow Numbers", "Pune Ledger", "Roma Analisi"]
    assert "3,000.00 INR" in html
    assert "≈ 36.00 USD" in html  # 3000 INR x 0.012
    assert 'name="location"' not in html  # no organization, no location classes


def test_staff_asking_for_a_location_class_are_told_it_was_ignored(client, staff_user, trio):
    client.force_login(staff_user)
    response = directory(client, location="onshore")
    assert len(row_names(response)) == 3
    assert "location filter was ignored" in response.content.decode()


# --- listing ---------------------------------------------------------------------------------


def test_it_lists_active_vendors_by_name(client, manager, trio):
    VendorFactory(name="Asleep Partners", is_active=False)
    response = directory(client)
    assert row_names(response) == ["Krakow Numbers", "Pune Ledger", "Roma Analisi"]
    assert "3 vendors" in response.content.decode()


def test_rows_show_the_senior_rate_in_the_clients_currency_and_the_original(client, manager, trio):
    html = directory(client).content.decode()
    assert "33.33 EUR" in html  # 3000 INR x 0.012 / 1.08
    assert "3,000.00 INR" in html
    assert "46.30 EUR" in html  # 200 PLN x 0.25 / 1.08


def test_rows_show_location_classes_relative_to_the_client(client, manager, trio):
    html = directory(client).content.decode()
    assert 'badge-onshore">Onshore' in html
    assert 'badge-nearshore">Nearshore' in html
    assert 'badge-offshore">Offshore' in html


# --- search -----------------------------------------------------------------------------------


def test_search_finds_a_vendor_by_name(client, manager, trio):
    assert row_names(directory(client, q="ledger")) == ["Pune Ledger"]


def test_search_finds_part_of_a_name(client, manager, trio):
    assert row_names(directory(client, q="krak")) == ["Krakow Numbers"]


def test_search_finds_a_vendor_by_description(client, manager, trio):
    trio["roma"].description = "Specialists in pharmacovigilance case processing."
    trio["roma"].save()
    assert row_names(directory(client, q="pharmacovigilance")) == ["Roma Analisi"]


def test_search_finds_a_vendor_by_skill_name(client, manager, trio):
    # "Contract review & drafting" is Roma's skill; the word appears nowhere else.
    assert row_names(directory(client, q="drafting")) == ["Roma Analisi"]


def test_search_stems_words(client, manager, trio):
    # Full-text search matches "ledgers" to "Ledger".
    assert row_names(directory(client, q="ledgers")) == ["Pune Ledger"]


def test_search_ranks_a_name_match_above_a_description_match_above_a_skill_match(client, manager):
    make_vendor("Zeta Forecasting Co", skills=("sql",))
    make_vendor("Alpha Partners", description="We do demand forecasting for retailers.", skills=("sql",))
    make_vendor("Beta Partners", skills=("forecasting",))  # "Demand forecasting" skill
    make_vendor("Gamma Partners", skills=("sql",))
    assert row_names(directory(client, q="forecasting")) == ["Zeta Forecasting Co", "Alpha Partners", "Beta Partners"]


def test_search_without_matches_says_so(client, manager, trio):
    response = directory(client, q="astrophysics")
    assert row_names(response) == []
    assert "No vendor matches these filters." in response.content.decode()


def test_the_plain_search_is_used_on_databases_without_full_text_search(manager, trio, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    filters = DirectoryFilters(q="drafting")
    names = [v.name for v in vendors_selectors.vendor_directory(filters=filters, viewer=Viewer.for_staff())]
    assert names == ["Roma Analisi"]
    assert "rank" not in vendors_selectors.vendor_search(vendors_selectors.Vendor.objects.all(), "x").query.annotations


def test_search_punctuation_does_not_break_the_query(client, manager, trio):
    for q in ['"unbalanced', "a & | ! b", "(((", "' OR 1=1 --", "ledger:*"]:
        assert directory(client, q=q).status_code == 200


# --- filters -----------------------------------------------------------------------------------


def test_the_domain_filter(client, manager, trio):
    assert row_names(directory(client, domain="finance")) == ["Krakow Numbers", "Pune Ledger"]
    assert row_names(directory(client, domain="legal")) == ["Roma Analisi"]


def test_the_skill_filter(client, manager, trio):
    assert row_names(directory(client, skill="sql")) == ["Pune Ledger"]


def test_the_country_filter_looks_at_delivery_centres(client, manager, trio):
    DeliveryCenterFactory(vendor=trio["roma"], country="IN", city="Chennai", timezone="Asia/Kolkata")
    assert row_names(directory(client, country="IN")) == ["Pune Ledger", "Roma Analisi"]
    assert row_names(directory(client, country="PL")) == ["Krakow Numbers"]


def test_a_vendor_with_two_centres_in_the_country_is_listed_once(client, manager, trio):
    DeliveryCenterFactory(vendor=trio["pune"], country="IN", city="Mumbai", timezone="Asia/Kolkata")
    assert row_names(directory(client, country="IN")) == ["Pune Ledger"]


def test_the_region_filter(client, manager, trio):
    assert row_names(directory(client, region="eastern_europe")) == ["Krakow Numbers"]
    assert row_names(directory(client, region="south_asia")) == ["Pune Ledger"]
    assert row_names(directory(client, region="southern_europe")) == ["Roma Analisi"]


@pytest.mark.parametrize(
    ("location", "expected"),
    [("onshore", ["Roma Analisi"]), ("nearshore", ["Krakow Numbers"]), ("offshore", ["Pune Ledger"])],
)
def test_the_location_class_is_relative_to_an_italian_client(client, manager, trio, location, expected):
    assert row_names(directory(client, location=location)) == expected


def test_a_country_whose_zones_fall_in_two_classes_is_split_by_zone(client, manager, trio):
    # Russia from Rome: Moscow is 2 hours ahead (nearshore), Vladivostok 9 (offshore).
    make_vendor("Moscow Desk", country="RU", tz="Europe/Moscow")
    make_vendor("Vladivostok Desk", country="RU", tz="Asia/Vladivostok")
    assert row_names(directory(client, location="nearshore")) == ["Krakow Numbers", "Moscow Desk"]
    assert row_names(directory(client, location="offshore")) == ["Pune Ledger", "Vladivostok Desk"]


def test_the_location_class_depends_on_the_clients_country(client, trio):
    from tests.factories import ClientMembershipFactory, ClientOrganizationFactory

    polish = ClientOrganizationFactory(country="PL", timezone="Europe/Warsaw", currency="PLN")
    client.force_login(ClientMembershipFactory(client=polish).user)
    assert row_names(directory(client, location="onshore")) == ["Krakow Numbers"]
    assert row_names(directory(client, location="nearshore")) == ["Roma Analisi"]


def test_the_maximum_rate_converts_each_currency_into_the_clients(client, manager, trio):
    # Senior rates in EUR: Pune 3000 INR = 33.33, Krakow 200 PLN = 46.30, Roma 45.00 EUR.
    assert row_names(directory(client, max_rate="34")) == ["Pune Ledger"]
    assert row_names(directory(client, max_rate="45")) == ["Pune Ledger", "Roma Analisi"]
    assert row_names(directory(client, max_rate="46.30")) == ["Krakow Numbers", "Pune Ledger", "Roma Analisi"]
    assert row_names(directory(client, max_rate="33")) == []


def test_the_maximum_rate_uses_the_chosen_seniority(client, manager, trio):
    RateCardFactory(vendor=trio["krakow"], seniority="junior", hourly_rate=Decimal("80.00"), currency="PLN")
    # Junior: only Krakow quotes one (80 PLN = 18.52 EUR); the others have no junior rate.
    assert row_names(directory(client, max_rate="20", seniority="junior")) == ["Krakow Numbers"]
    assert row_names(directory(client, max_rate="20")) == []


def test_a_rate_in_a_currency_without_an_exchange_rate_never_matches_a_maximum(client, manager, trio):
    make_vendor("Yen Research", country="JP", tz="Asia/Tokyo", rate="1.00", currency="KRW")
    assert "Yen Research" not in row_names(directory(client, max_rate="1000"))
    assert "Yen Research" in row_names(directory(client))


def test_the_certification_filter_ignores_expired_certificates(client, manager, trio):
    VendorCertificationFactory(vendor=trio["roma"], valid_until=date.today() + timedelta(days=10))
    VendorCertificationFactory(vendor=trio["krakow"], valid_until=None)  # never expires
    VendorCertificationFactory(vendor=trio["pune"], valid_until=date.today() - timedelta(days=1))
    assert row_names(directory(client, certification="iso_27001")) == ["Krakow Numbers", "Roma Analisi"]


def test_the_language_filter(client, manager, trio):
    assert row_names(directory(client, language="it")) == ["Roma Analisi"]
    assert row_names(directory(client, language="en")) == ["Krakow Numbers", "Pune Ledger", "Roma Analisi"]


def test_the_minimum_rating_filter(client, manager, trio):
    _rate(trio["roma"], "4.60", 10)
    _rate(trio["krakow"], "3.90", 3)
    assert row_names(directory(client, min_rating="4.5")) == ["Roma Analisi"]
    assert row_names(directory(client, min_rating="3.5")) == ["Krakow Numbers", "Roma Analisi"]


def test_the_verified_filter(client, manager, trio):
    trio["pune"].verified = True
    trio["pune"].save()
    assert row_names(directory(client, verified="on")) == ["Pune Ledger"]


def test_filters_combine(client, manager, trio):
    assert row_names(directory(client, domain="finance", location="offshore", max_rate="40")) == ["Pune Ledger"]
    assert row_names(directory(client, domain="finance", location="onshore")) == []


# --- sorting ----------------------------------------------------------------------------------------


def test_sorting_by_rate_compares_converted_rates_and_puts_unpriced_vendors_last(client, manager, trio):
    make_vendor("Aaa No Rate", rate=None)
    assert row_names(directory(client, sort="rate")) == ["Pune Ledger", "Roma Analisi", "Krakow Numbers", "Aaa No Rate"]


def test_sorting_by_rating_weighs_the_number_of_reviews(client, manager, trio):
    _rate(trio["roma"], "5.00", 1)  # one perfect review: weighted (17.5 + 5) / 6 = 3.75
    _rate(trio["krakow"], "4.80", 50)  # weighted (17.5 + 240) / 55 = 4.68
    assert row_names(directory(client, sort="rating")) == ["Krakow Numbers", "Roma Analisi", "Pune Ledger"]


def test_sorting_by_review_count(client, manager, trio):
    _rate(trio["roma"], "4.00", 2)
    _rate(trio["pune"], "3.00", 9)
    assert row_names(directory(client, sort="reviews")) == ["Pune Ledger", "Roma Analisi", "Krakow Numbers"]


def test_relevance_without_a_query_sorts_by_name(client, manager, trio):
    assert row_names(directory(client, sort="relevance")) == ["Krakow Numbers", "Pune Ledger", "Roma Analisi"]


# --- pagination ------------------------------------------------------------------------------------


def _link(response, rel: str) -> str | None:
    """The href of the rel="next"/"prev" link, unescaped, or None."""
    found = re.search(rf'rel="{rel}" href="([^"]*)"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def _follow(client, link: str):
    return client.get(reverse("vendors:list") + link)


def test_pages_hold_twenty_vendors_and_their_links_keep_the_filters(client, manager):
    for index in range(25):
        make_vendor(f"Finance Firm {index:02d}", domains=("finance",))
    make_vendor("Legal Firm", domains=("legal",))

    first = directory(client, domain="finance", sort="name")
    assert len(row_names(first)) == 20
    assert "25 vendors" in first.content.decode()
    assert _link(first, "prev") is None
    next_link = _link(first, "next")
    assert "domain=finance" in next_link
    assert "sort=name" in next_link
    assert "page=2" in next_link
    assert "cursor=" in next_link

    second = _follow(client, next_link)
    html_second = second.content.decode()
    assert row_names(second) == [f"Finance Firm {index:02d}" for index in range(20, 25)]
    assert '<ol class="vendor-rows" start="21">' in html_second
    assert "Page 2" in html_second
    assert _link(second, "next") is None
    previous_link = _link(second, "prev")
    assert "domain=finance" in previous_link
    assert "cursor" not in previous_link  # page 1 is the plain query
    assert row_names(_follow(client, previous_link)) == row_names(first)


def test_deep_pages_by_cursor_neither_repeat_nor_skip_vendors_that_tie(client, manager, monkeypatch):
    """Every vendor has the same rating and review count: the rating order comes down to
    name and id, and the cursor carries the whole key. Back links retrace the same pages."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for index in range(10):
        vendor = make_vendor(f"Tied Firm {index % 4}")  # names repeat: ties go down to the id
        _rate(vendor, "4.20", 7)

    pages, response = [], directory(client, sort="rating")
    while True:
        pages.append(row_names(response))
        link = _link(response, "next")
        if link is None:
            break
        response = _follow(client, link)
    seen = [name for page in pages for name in page]
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert sorted(seen) == sorted(f"Tied Firm {index % 4}" for index in range(10))
    assert seen == sorted(seen)  # name, then id: in order across page boundaries

    back = []
    while (link := _link(response, "prev")) is not None:
        response = _follow(client, link)
        back.append(row_names(response))
    assert back == pages[-2::-1]


def test_a_page_link_made_for_another_sort_or_made_up_shows_page_one(client, manager, trio):
    by_name = directory(client, sort="name")
    first_page = row_names(directory(client, sort="rating"))
    assert len(first_page) == 3
    by_name_cursor = html.unescape(_link(by_name, "next") or "")  # None: three rows fit a page
    made_for_name = base64.urlsafe_b64encode(json.dumps(["Krakow Numbers", trio["krakow"].pk]).encode()).decode()
    wrong_types = base64.urlsafe_b64encode(json.dumps(["4.2", "7", 3, "x"]).encode()).decode()
    assert by_name_cursor == ""
    for cursor in ("not-a-cursor", made_for_name, wrong_types, "", "%%%"):
        response = directory(client, sort="rating", cursor=cursor, page="4")
        assert response.status_code == 200
        notice = "That page link is not valid for this list; showing page 1." in response.content.decode()
        assert notice == (cursor != "")  # no cursor at all: page 1, only the page number is ignored
        assert row_names(response) == first_page


@pytest.mark.parametrize("number", ["²", "٣", "9" * 5000, "-3", "0", "1e3", "３"])
def test_an_odd_page_number_beside_a_valid_cursor_only_relabels_the_page(client, manager, monkeypatch, number):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for index in range(5):
        make_vendor(f"Numbered Firm {index}")
    link = _link(directory(client, sort="name"), "next")
    cursor = parse_qs(urlsplit(link).query)["cursor"][0]

    response = client.get(reverse("vendors:list"), {"sort": "name", "cursor": cursor, "page": number})

    assert response.status_code == 200
    assert row_names(response) == ["Numbered Firm 2", "Numbered Firm 3"]
    assert "Page 2" in response.content.decode()  # a number that is not one labels the page after page 1


def test_past_the_count_limit_the_total_is_given_as_a_floor(client, manager, monkeypatch):
    monkeypatch.setattr(views, "COUNT_LIMIT", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 5)  # more than a page: the list is counted
    for index in range(6):
        make_vendor(f"Counted Firm {index}")
    html_page = directory(client).content.decode()
    assert "More than 4 vendors" in html_page
    assert len(row_names(directory(client))) == 5

    monkeypatch.setattr(views, "COUNT_LIMIT", 6)
    assert "6 vendors" in directory(client).content.decode()
    assert "More than" not in directory(client).content.decode()


def test_the_floor_is_singular_or_plural_in_both_languages(client, manager, monkeypatch):
    monkeypatch.setattr(views, "COUNT_LIMIT", 1)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    make_vendor("First Firm")
    make_vendor("Second Firm")
    assert re.search(r"More than 1 vendor\s", directory(client).content.decode())
    client.post(reverse("set_language"), {"language": "it", "next": "/"})
    try:
        assert re.search(r"Più di 1 fornitore\s", directory(client).content.decode())
        monkeypatch.setattr(views, "COUNT_LIMIT", 1000)
        assert re.search(r"2 fornitori\s", directory(client).content.decode())
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # LocaleMiddleware left Italian active in this thread


def test_a_list_that_fits_on_one_page_is_not_counted_again(client, manager, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for index in range(3):
        make_vendor(f"Counted Firm {index}")
    directory(client)  # the first request of a session saves it
    with CaptureQueriesContext(connection) as one_page:
        whole = directory(client).content.decode()
    assert re.search(r"3 vendors\s", whole)
    assert not any(query["sql"].startswith("SELECT COUNT(*)") for query in one_page.captured_queries)

    make_vendor("Counted Firm 3")
    with CaptureQueriesContext(connection) as two_pages:
        first = directory(client).content.decode()
    assert re.search(r"4 vendors\s", first)
    assert 'rel="next"' in first
    assert sum(query["sql"].startswith("SELECT COUNT(*)") for query in two_pages.captured_queries) == 1


def test_counting_stops_at_the_limit():
    for index in range(3):
        make_vendor(f"Counted Firm {index}")
    vendors = vendors_selectors.vendor_directory(filters=DirectoryFilters(), viewer=Viewer.for_staff())
    assert vendors_selectors.count_up_to(vendors, 2) == (2, True)
    assert vendors_selectors.count_up_to(vendors, 3) == (3, False)
    assert vendors_selectors.count_up_to(vendors, 5) == (3, False)


# --- bad query strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"domain": "astrology"}, "Domain: Select a valid choice."),
        ({"skill": "<b>x</b>"}, "Skill: Select a valid choice."),
        ({"max_rate": "cheap"}, "Enter a number."),
        ({"max_rate": "-5"}, "Ensure this value is greater than or equal to 0.01."),
        ({"min_rating": "9"}, "Minimum rating: Select a valid choice."),
        ({"sort": "price"}, "Sort by: Select a valid choice."),
        ({"seniority": "intern"}, "Seniority (rates): Select a valid choice."),
        ({"location": "moon"}, "Location: Select a valid choice."),
        ({"country": "XX"}, "Delivery centre country: Select a valid choice."),
        ({"page": "abc"}, "There is no page “abc”; showing page 1."),
        ({"page": "999"}, "There is no page “999”; showing page 1."),
        ({"q": "x" * 500}, "Search: Ensure this value has at most 200 characters"),
    ],
)
def test_a_bad_value_is_ignored_with_a_notice(client, manager, trio, params, notice):
    response = directory(client, **params)
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert len(row_names(response)) == 3  # the bad filter is ignored, the list still shows


def test_a_bad_value_does_not_drop_the_good_ones(client, manager, trio):
    response = directory(client, domain="finance", max_rate="abc", page="x")
    assert row_names(response) == ["Krakow Numbers", "Pune Ledger"]


def test_values_in_notices_are_escaped(client, manager, trio):
    html = directory(client, skill="<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- HTMX -----------------------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results_fragment(client, manager, trio):
    response = client.get(reverse("vendors:list"), {"domain": "finance"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="directory-filters"' not in html
    assert row_names(response) == ["Krakow Numbers", "Pune Ledger"]
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, manager, trio):
    response = client.get(
        reverse("vendors:list"),
        {"domain": "finance"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" in html
    assert 'id="directory-filters"' in html
    assert row_names(response) == ["Krakow Numbers", "Pune Ledger"]


def test_the_full_page_wires_the_filter_form_for_htmx_and_plain_get(client, manager, trio):
    html = directory(client, domain="finance").content.decode()
    form = html.split('<form id="directory-filters"')[1].split(">", 1)[0]
    assert 'method="get"' in form
    assert f'action="{reverse("vendors:list")}"' in form
    assert f'hx-get="{reverse("vendors:list")}"' in form
    assert 'hx-target="#results"' in form
    assert 'hx-push-url="true"' in form
    assert '<div id="results" aria-live="polite">' in html
    assert '<option value="finance" selected>' in html  # the form shows the filters in force


def test_every_filter_field_has_a_label(client, manager, trio):
    html = directory(client).content.decode()
    for name in [
        "q",
        "sort",
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
    ]:
        assert f'<label for="id_{name}">' in html, name
        assert f'id="id_{name}"' in html, name


def test_the_location_help_text_is_tied_to_its_field(client, manager, trio):
    html = directory(client).content.decode()
    assert 'aria-describedby="id_location_helptext"' in html
    assert 'id="id_location_helptext"' in html


def test_each_row_has_a_labelled_compare_checkbox(client, manager, trio):
    html = directory(client).content.decode()
    assert 'name="v" value="pune-ledger"' in html or 'value="' + trio["pune"].slug + '"' in html
    assert f'<label for="compare-{trio["pune"].slug}" class="visually-hidden">Compare Pune Ledger</label>' in html
    assert f'<form id="compare-form" method="get" action="{reverse("vendors:compare")}">' in html


# --- queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"q": "vendor", "location": "offshore", "max_rate": "100", "sort": "rate"}])
def test_the_number_of_queries_does_not_grow_with_the_page(
    client, manager, monkeypatch, django_assert_num_queries, params
):
    monkeypatch.setattr(views, "PAGE_SIZE", 50)
    for index in range(5):
        full_vendor(index)
    directory(client, **params)  # the first request of a session saves it; measure the next ones
    with CaptureQueriesContext(connection) as five:
        response = directory(client, **params)
    assert len(row_names(response)) == 5
    assert len(five.captured_queries) <= 20

    for index in range(5, 40):
        full_vendor(index)
    with django_assert_num_queries(len(five.captured_queries)):
        response = directory(client, **params)
    assert len(row_names(response)) == 40


def _rate(vendor, mean: str, count: int) -> None:
    vendor.rating = Decimal(mean)
    vendor.review_count = count
    vendor.save()


def test_the_distinct_places_read_from_the_index_are_every_pair_once_in_order():
    make_vendor("Pune One", country="IN", tz="Asia/Kolkata")
    make_vendor("Pune Two", country="IN", tz="Asia/Kolkata")
    make_vendor("Chicago Desk", country="US", tz="America/Chicago")
    make_vendor("Denver Desk", country="US", tz="America/Denver")
    make_vendor("Roma Desk", country="IT", tz="Europe/Rome")
    expected = sorted(set(DeliveryCenter.objects.values_list("country", "timezone")))
    assert vendors_selectors.values_in_use(DeliveryCenter, ("country", "timezone")) == expected
    assert vendors_selectors.codes_in_use(DeliveryCenter, "country") == ["IN", "IT", "US"]


CHOICE_LISTS = {
    "domain": "vendors_expertisearea",
    "skill": "vendors_skill",
    "country": "FROM vendors_deliverycenter ORDER BY country",
    "certification": "vendors_certification",
    "language": "FROM vendors_vendorlanguage ORDER BY code",
}


def _choice_lists_read(queries) -> dict[str, int]:
    """How many times each filter's choice list was read; a list's own query selects the names
    of its table (or the distinct values in use) with no vendor in the WHERE clause."""
    read = dict.fromkeys(CHOICE_LISTS, 0)
    for query in queries:
        sql = query["sql"].replace('"', "")
        for name, marker in CHOICE_LISTS.items():
            if name in ("country", "language"):
                hit = marker in sql or (f"FROM {marker.split()[1]}" in sql and "DISTINCT" in sql.upper())
            else:
                # A list shows names (the directory's filters look a code's id up by itself).
                hit = sql.startswith("SELECT") and f"FROM {marker}" in sql and f"{marker}.name" in sql
                hit = hit and "vendor_id" not in sql
            read[name] += hit
    return read


def test_the_results_partial_reads_only_the_choice_lists_of_the_filters_it_was_given(client, manager):
    make_vendor("Pune Ledger")
    directory(client)  # the first request of a session saves it
    with CaptureQueriesContext(connection) as bare:
        response = client.get(reverse("vendors:list"), {"q": "ledger"}, headers={"HX-Request": "true"})
    assert row_names(response) == ["Pune Ledger"]
    assert _choice_lists_read(bare.captured_queries) == dict.fromkeys(CHOICE_LISTS, 0)

    with CaptureQueriesContext(connection) as some:
        response = client.get(
            reverse("vendors:list"), {"domain": "finance", "language": "en"}, headers={"HX-Request": "true"}
        )
    assert row_names(response) == ["Pune Ledger"]
    assert _choice_lists_read(some.captured_queries) == {**dict.fromkeys(CHOICE_LISTS, 0), "domain": 1, "language": 1}


def test_the_whole_page_reads_each_choice_list_once_even_when_it_validates_a_value(client, manager):
    make_vendor("Pune Ledger")
    directory(client)
    with CaptureQueriesContext(connection) as page:
        response = directory(client, domain="finance", skill="financial-reporting", country="IN", language="en")
    html = response.content.decode()
    assert row_names(response) == ["Pune Ledger"]
    assert '<option value="finance" selected>' in html
    assert '<option value="IN" selected>' in html
    assert _choice_lists_read(page.captured_queries) == dict.fromkeys(CHOICE_LISTS, 1)


def test_a_search_with_nothing_else_narrowing_it_is_counted_and_ranked_from_its_documents(client, manager, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(4):
        make_vendor(f"Audit Firm {number}", description="Audits for banks.")
    asleep = make_vendor("Audit Sleeper", description="Audits.")
    asleep.is_active = False
    asleep.save()
    directory(client)  # the first request of a session saves it

    with CaptureQueriesContext(connection) as queries:
        response = directory(client, q="audits")
    assert re.search(r"4 vendors\s", response.content.decode())
    assert row_names(response) == ["Audit Firm 0", "Audit Firm 1"]
    counts = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1
    assert "vendors_vendorsearchdocument" in counts[0] and '"vendors_vendor"' not in counts[0]

    with CaptureQueriesContext(connection) as narrowed:
        response = directory(client, q="audits", verified="on")
    assert row_names(response) == []  # none is verified: read from the vendors, not the documents alone
    documents_alone = [
        query["sql"]
        for query in narrowed.captured_queries
        if "vendors_vendorsearchdocument" in query["sql"] and '"vendors_vendor"' not in query["sql"]
    ]
    assert documents_alone == []


def test_a_pages_row_facts_read_in_one_statement_are_the_five_reads_facts(client, manager):
    today = date.today()
    vendors = [full_vendor(index) for index in range(3)]
    expired, last_day = Certification.objects.exclude(code="iso_27001").order_by("code")[:2]
    VendorCertificationFactory(vendor=vendors[0], certification=expired, valid_until=today - timedelta(days=1))
    VendorCertificationFactory(vendor=vendors[1], certification=last_day, valid_until=today)  # valid all of today
    bare = VendorFactory(name="Bare Firm")  # no parts at all
    ids = [vendor.pk for vendor in [*vendors, bare]]

    for seniority in ("junior", "senior"):
        with CaptureQueriesContext(connection) as one:
            facts = vendors_selectors._row_facts_postgresql(ids, on=today, seniority=seniority)
        assert len(one.captured_queries) == 1
        assert facts == vendors_selectors._row_facts_orm(ids, on=today, seniority=seniority)
    assert facts[bare.pk] == vendors_selectors.RowFacts()
    assert (
        len(facts[vendors[0].pk].skills) == 4
        and facts[vendors[0].pk].skills[0][1] >= facts[vendors[0].pk].skills[-1][1]
    )
