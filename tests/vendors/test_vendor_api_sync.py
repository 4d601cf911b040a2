"""Keeping a copy of the directory: query counts, keyset pagination, delta sync, ETag and If-Match."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from kpo.api.tokens import api_token_create
from tests.vendors.api_helpers import LIST, api, detail, names, results
from tests.vendors.helpers import full_vendor, make_vendor
from vendors import services
from vendors.api.documents import DOCUMENT_CACHE
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


# --- query counts -------------------------------------------------------------------------


@pytest.fixture
def cold_documents():
    """An empty document cache (vendors/api/documents.py) for the test, and after it."""
    documents = caches[DOCUMENT_CACHE]
    documents.clear()
    yield documents
    documents.clear()


def test_the_list_runs_a_constant_number_of_queries(owner, django_assert_num_queries, cold_documents):
    for index in range(10):
        full_vendor(index)
    client = api(owner)
    client.get(LIST, {"page_size": 1})  # warm caches that are not per request (content types, ...)
    query = {"language": "en", "max_rate": "100"}

    with django_assert_num_queries(QUERIES_PER_COLD_PAGE):
        response = client.get(LIST, query)
    assert len(results(response)) == 10
    assert all(len(row["skills"]) == 4 and len(row["delivery_centers"]) == 2 for row in results(response))

    with django_assert_num_queries(QUERIES_PER_WARM_PAGE):
        again = client.get(LIST, query)
    assert again.json() == response.json()


# Documents not cached yet: exchange rates (max_rate), the page's keys, the documents
# (one query on PostgreSQL) and the check that none changed meanwhile. Cached: the first two.
QUERIES_PER_COLD_PAGE = 4
QUERIES_PER_WARM_PAGE = 2


def test_the_list_query_count_does_not_grow_with_the_page(owner, django_assert_num_queries, cold_documents):
    for index in range(3):
        full_vendor(index)
    client = api(owner)
    client.get(LIST, {"page_size": 1})
    cold_documents.clear()

    with django_assert_num_queries(QUERIES_PER_COLD_PAGE):
        client.get(LIST, {"language": "en", "max_rate": "100"})


def test_the_detail_runs_a_constant_number_of_queries(owner, django_assert_num_queries):
    vendor = full_vendor(1)
    client = api(owner)
    client.get(detail(vendor))

    # the vendor, then one query per relation
    with django_assert_num_queries(7):
        response = client.get(detail(vendor))

    assert len(response.json()["skills"]) == 4


# --- pagination -----------------------------------------------------------------------------


def walk(client, url: str, params: dict) -> list[str]:
    """Every name, following `next` links to the end."""
    seen, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["name"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])


@pytest.mark.parametrize(
    ("ordering", "position"),
    [
        ("name", ["a\u0000", 1]),
        ("rate", ["NaN", "a", 1]),
        ("rate", ["Infinity", "a", 1]),
        ("reviews", [1, "1e999999", "a", 1]),
        ("rating", [1e308 * 10, 1, "a", 1]),
        ("rating", [4.5, 2**70, "a", 1]),
        ("name", ["a", "1"]),
        ("name", ["a"]),
        ("name", {"before": ["a\u0000", 1]}),
        ("name", {"before": ["a", 1], "after": ["a", 1]}),
        ("name", {"after": ["a", 1]}),
        ("rate", {"before": ["NaN", "a", 1]}),
        ("name", {"before": "a"}),
    ],
)
def test_a_forged_keyset_cursor_is_a_400_never_a_500(owner, ordering, position):
    import base64
    import json

    make_vendor("Somebody")
    cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
    response = api(owner).get(LIST, {"ordering": ordering, "cursor": cursor})
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


@pytest.fixture
def ties():
    """Seven vendors share a rating, a review count and a rate; two have no rate at all."""
    for index in range(7):
        make_vendor(f"Tied {index}", rating=Decimal("4.00"), review_count=5)
    make_vendor("Unpriced A", rate=None)
    make_vendor("Unpriced B", rate=None, rating=Decimal("4.90"), review_count=40)


@pytest.mark.parametrize("ordering", ["rating", "reviews", "rate", "name", "-id", "change_seq"])
def test_paging_through_ties_never_repeats_or_skips_a_vendor(owner, ties, ordering):
    client = api(owner)

    everything = names(client.get(LIST, {"ordering": ordering, "page_size": 200}))
    paged = walk(client, LIST, {"ordering": ordering, "page_size": 2})

    assert paged == everything
    assert sorted(paged) == sorted(Vendor.objects.values_list("name", flat=True))


def pages(client, url: str, params: dict | None, link: str) -> list[list[str]]:
    """The names page by page, following `link` (next or previous) to its end."""
    seen, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen.append([row["name"] for row in body["results"]])
        if not body[link]:
            return seen
        response = client.get(body[link])


@pytest.mark.parametrize("ordering", ["rating", "reviews", "rate", "name", "relevance"])
def test_previous_pages_back_through_ties_to_the_first_page(owner, ties, ordering):
    client = api(owner)
    params = {"ordering": ordering, "page_size": 2, **({"q": "tied"} if ordering == "relevance" else {})}

    forward = pages(client, LIST, params, "next")
    first = client.get(LIST, params).json()
    assert first["previous"] is None
    last = client.get(LIST, params)
    while last.json()["next"]:
        last = client.get(last.json()["next"])
    backward = pages(client, last.json()["previous"], None, "previous")

    assert len(forward) >= 4
    assert backward == forward[-2::-1]  # the same pages, met in reverse, down to the first
    everything = [name for page in forward for name in page]
    assert len(everything) == len(set(everything))
    # A page reached backwards links forward again to the page after it.
    second = client.get(client.get(forward_link(client, params, 2)).json()["previous"]).json()
    assert [row["name"] for row in second["results"]] == forward[1]
    assert [row["name"] for row in client.get(second["next"]).json()["results"]] == forward[2]


def test_a_previous_link_whose_rows_all_went_serves_the_first_page(owner):
    for index in range(6):
        make_vendor(f"Firm {index}")
    client = api(owner)
    params = {"ordering": "name", "page_size": 2}
    third = client.get(forward_link(client, params, 2)).json()
    # Everything before the third page is switched off meanwhile.
    Vendor.objects.filter(name__in=["Firm 0", "Firm 1", "Firm 2", "Firm 3"]).update(is_active=False)

    body = client.get(third["previous"]).json()

    assert [row["name"] for row in body["results"]] == ["Firm 4", "Firm 5"]
    assert body["previous"] is None and body["next"] is None


def forward_link(client, params: dict, pages_ahead: int) -> str:
    """The `next` link after `pages_ahead` pages."""
    body = client.get(LIST, params).json()
    for _ in range(pages_ahead - 1):
        body = client.get(body["next"]).json()
    return body["next"]


def test_vendors_without_the_rate_come_last_when_ordered_by_rate(owner):
    make_vendor("Unpriced", rate=None)
    make_vendor("Dear", rate="90.00")
    make_vendor("Cheap", rate="20.00")

    assert walk(api(owner), LIST, {"ordering": "rate", "page_size": 1}) == ["Cheap", "Dear", "Unpriced"]


def test_search_results_page_by_relevance(owner):
    make_vendor("Audit Alpha", description="Audit support.")
    make_vendor("Beta Partners", description="Audit support and audit analytics for audit teams.")
    make_vendor("Gamma", description="Payroll.")

    paged = walk(api(owner), LIST, {"q": "audit", "page_size": 1})

    assert sorted(paged) == ["Audit Alpha", "Beta Partners"]
    assert paged[0] == "Audit Alpha"  # a name hit weighs most


@pytest.mark.parametrize("page_size", ["0", "201", "ten"])
def test_page_size_is_1_to_200(owner, page_size):
    response = api(owner).get(LIST, {"page_size": page_size})

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_forged_directory_cursor_is_a_400(owner, firm):
    response = api(owner).get(LIST, {"ordering": "rating", "cursor": "bm90IGpzb24="})

    assert response.status_code == 400
    assert "cursor" in response.json()


# --- delta sync -----------------------------------------------------------------------------


def sync(client, since: int, **params) -> tuple[list[dict], list[dict], int]:
    """Every changed vendor and tombstone since `since`, following `next`."""
    rows, deleted = [], []
    response = client.get(LIST, {"since": since, **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        deleted += body["deleted"]
        if not body["next"]:
            return rows, deleted, body["last_change_seq"]
        response = client.get(body["next"])


def test_a_sync_returns_what_changed_and_tombstones_of_deactivated_vendors(owner, staff_user, member, firm, rival):
    quiet = make_vendor("Quiet Vendor")
    client = api(owner)
    rows, deleted, mark = sync(client, 0, page_size=1)
    assert [row["name"] for row in rows] == ["Lumen Insight", "Rival Analytics", "Quiet Vendor"]
    assert deleted == []
    assert [row["change_seq"] for row in rows] == sorted(row["change_seq"] for row in rows)

    api(member).patch(detail(firm), {"description": "Edited after the first sync."}, format="json")
    api(staff_user).patch(detail(rival), {"is_active": False}, format="json")

    rows, deleted, next_mark = sync(client, mark, page_size=1)
    assert [row["name"] for row in rows] == ["Lumen Insight"]
    assert [(item["resource"], item["id"], item["reason"]) for item in deleted] == [("vendor", rival.pk, "deactivated")]
    assert next_mark > mark
    assert sync(client, next_mark) == ([], [], next_mark)
    assert quiet.pk not in [row["id"] for row in rows]


def test_a_sync_sees_bulk_updates_that_keep_updated_at(owner, firm, rival):
    client = api(owner)
    _, _, mark = sync(client, 0)

    Vendor.objects.filter(pk=rival.pk).update(available_fte=Decimal("9"))  # no auto_now, no signal

    rows, _, _ = sync(client, mark)
    assert [(row["name"], row["available_fte"]) for row in rows] == [("Rival Analytics", "9.0")]


def test_updated_since_lists_vendors_changed_at_or_after_the_instant(owner, firm, rival):
    Vendor.objects.filter(pk=firm.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = api(owner).get(LIST, {"updated_since": since})

    assert [row["name"] for row in response.json()["results"]] == ["Rival Analytics"]
    assert api(owner).get(LIST, {"updated_since": "yesterday"}).status_code == 400


def test_external_id_finds_the_erps_vendor(owner, staff_user, firm, rival):
    api(staff_user).patch(detail(firm), {"external_id": "SAP-1001"}, format="json")

    assert names(api(owner).get(LIST, {"external_id": "SAP-1001"})) == ["Lumen Insight"]
    assert names(api(owner).get(LIST, {"external_id": "SAP-9999"})) == []


def test_only_staff_set_the_external_id(member, firm):
    response = api(member).patch(detail(firm), {"external_id": "MINE"}, format="json")

    assert response.status_code == 400
    assert "external_id" in response.json()


# --- ETag and If-Match ------------------------------------------------------------------------


def test_a_document_carries_an_etag_that_moves_with_every_change(owner, member, firm):
    first = api(owner).get(detail(firm))
    assert first["ETag"] == f'"vendor-{firm.pk}-{first.json()["change_seq"]}"'
    assert api(owner).get(detail(firm), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    patched = api(member).patch(detail(firm), {"available_fte": "8"}, format="json", HTTP_IF_MATCH=first["ETag"])

    assert patched.status_code == 200
    assert patched["ETag"] != first["ETag"]
    assert api(owner).get(detail(firm))["ETag"] == patched["ETag"]


def test_an_erp_patch_with_an_old_etag_loses_to_the_vendors_browser_edit(staff_user, member, firm):
    """The vendor saves its profile on the web edit page (its service) after the
    ERP read the document: the ERP's write is refused, the browser's edit stays."""
    erp = api(staff_user)
    etag = erp.get(detail(firm))["ETag"]

    firm.refresh_from_db()
    assert services.vendor_profile_update(
        vendor=firm, data={"fields": {"description": "Typed in the browser."}}, actor=member
    )

    response = erp.patch(detail(firm), {"description": "Sent by the ERP."}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert "detail" in response.json()
    firm.refresh_from_db()
    assert firm.description == "Typed in the browser."
    fresh = erp.get(detail(firm))["ETag"]
    retried = erp.patch(detail(firm), {"description": "Sent by the ERP."}, format="json", HTTP_IF_MATCH=fresh)
    assert retried.status_code == 200


def test_put_honours_if_match_too_and_star_matches_any_version(member, firm):
    body = api(member).get(detail(firm)).json()

    stale = api(member).put(detail(firm), body, format="json", HTTP_IF_MATCH='"vendor-1-1"')
    star = api(member).put(detail(firm), body, format="json", HTTP_IF_MATCH="*")

    assert stale.status_code == 412
    assert star.status_code == 200


def test_an_erp_with_a_token_syncs_in_a_constant_number_of_queries(owner, django_assert_num_queries, cold_documents):
    for index in range(6):
        full_vendor(index)
    erp = APIClient()
    erp.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner, name='SAP').key}")
    assert erp.get(LIST, {"since": 0, "page_size": 1}).status_code == 200
    cold_documents.clear()

    # the token with its user, membership and organization (one join), then the list
    # page: watermark, the page's keys, tombstones, the documents and the check (as above)
    with django_assert_num_queries(TOKEN_SYNC_QUERIES):
        response = erp.get(LIST, {"since": 0, "page_size": 200})

    assert len(response.json()["results"]) == 6


TOKEN_SYNC_QUERIES = 6
