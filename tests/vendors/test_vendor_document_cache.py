"""API list pages serve vendor documents from a cache keyed by (id, change_seq)
(vendors/api/documents.py). What a client reads must never differ from a fresh
read: a change to any part of a vendor shows on the next page, whatever wrote
it; a document read while its vendor changed is served but not kept; the bytes
are the ones DRF's renderer would write; and the cache can be switched off."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from tests.vendors.helpers import full_vendor, make_vendor
from vendors.api import documents
from vendors.api.documents import DOCUMENT_CACHE, vendor_document_json
from vendors.models import RateCard, Skill, Vendor, VendorSkill

pytestmark = pytest.mark.django_db
LIST = "/api/v1/vendors/"


@pytest.fixture(autouse=True)
def cache():
    cache = caches[DOCUMENT_CACHE]
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def reader(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


def listed(client, **params) -> dict[int, dict]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


def versions(*vendors) -> list[tuple[int, int]]:
    return list(Vendor.objects.filter(pk__in=[v.pk for v in vendors]).order_by("-id").values_list("id", "change_seq"))


def test_a_change_to_any_part_shows_on_the_next_page_although_the_old_version_was_cached(reader):
    vendor = full_vendor(1)
    before = listed(reader)[vendor.pk]
    assert listed(reader)[vendor.pk] == before  # now served from the cache

    RateCard.objects.filter(vendor=vendor, seniority="senior").update(hourly_rate=Decimal("99.50"))
    Skill.objects.filter(code="sql").update(code="structured-query-language")
    VendorSkill.objects.filter(vendor=vendor, skill__code="fpa").delete()

    after = listed(reader)[vendor.pk]
    assert after["change_seq"] > before["change_seq"]
    assert {"seniority": "senior", "hourly_rate": "99.50", "currency": "USD"} in after["rates"]
    assert [s["skill"] for s in after["skills"]] == [
        "financial-reporting",
        "machine-learning",
        "structured-query-language",
    ]


def test_pages_are_the_bytes_drf_would_render_for_each_vendor(reader):
    vendor = make_vendor("Ångström “Quotes” & Co", description="Line\u2028separator, paragraph\u2029and <b>tags</b>")
    for _ in range(2):  # cold, then from the cache
        page = reader.get(LIST).content
        detail = reader.get(f"{LIST}{vendor.pk}/").content
        assert detail in page
        assert b"\\u2028" in detail and "\u2028".encode() not in page


def test_a_document_read_while_its_vendor_changed_is_served_but_not_kept(monkeypatch, cache):
    vendor = full_vendor(2)
    build = documents.build_vendor_documents

    def build_then_change(ids, **kwargs):
        built = build(ids, **kwargs)
        # Another transaction commits a new rate after this one read the old.
        RateCard.objects.filter(vendor=vendor).update(hourly_rate=Decimal("77.00"))
        return built

    monkeypatch.setattr(documents, "build_vendor_documents", build_then_change)
    (served,) = vendor_document_json(versions(vendor))
    assert json.loads(served)["id"] == vendor.pk
    assert not cache._cache  # nothing kept: the vendor changed while it was read

    monkeypatch.setattr(documents, "build_vendor_documents", build)
    (fresh,) = vendor_document_json(versions(vendor))
    assert {rate["hourly_rate"] for rate in json.loads(fresh)["rates"]} == {"77.00"}
    assert len(cache._cache) == 1


def test_a_vendor_gone_since_the_page_was_read_is_left_out():
    kept, gone = full_vendor(3), full_vendor(4)
    page = versions(kept, gone)
    gone.delete()
    assert [json.loads(document)["id"] for document in vendor_document_json(page)] == [kept.pk]


def test_with_the_cache_off_pages_are_the_same_and_nothing_is_kept(reader, settings, cache):
    for index in range(3):
        full_vendor(index)
    cached = reader.get(LIST).json()
    assert cache._cache

    cache.clear()
    settings.VENDOR_DOCUMENT_CACHE_ENTRIES = 0
    assert reader.get(LIST).json() == cached
    assert not cache._cache
