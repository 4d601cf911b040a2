"""The vendor document as plain dicts, for list pages: the same JSON as
VendorSerializer's output (tests compare them byte for byte on every vendor of
the demo pool). On PostgreSQL one query builds a page's documents, shaped by
DRF's own fields so formats cannot drift; elsewhere (the SQLite demo) the
serializer itself does. VendorSerializer stays the contract: it validates
input, documents the schema and shapes single objects.

List pages serve documents from a cache keyed by (vendor id, change_seq): a
change to any part of a vendor advances its change number (database triggers,
kpo/change_seq.py), so a key names exactly one version of the document and an
entry never needs invalidating; a changed vendor simply gets a new key and the
old entry ages out. Entries hold the document's encoded JSON, so a page is
joined from bytes rather than rendered again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from vendors.api.selectors import with_vendor_documents
from vendors.api.serializers import VendorSerializer
from vendors.models import Seniority, Vendor

_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()
_FTE = serializers.DecimalField(max_digits=7, decimal_places=1)
_RATING = serializers.DecimalField(max_digits=3, decimal_places=2)
_RATE = serializers.DecimalField(max_digits=10, decimal_places=2)
# How DRF writes the vendor's own columns that are not JSON as they are.
_FORMATS: dict[str, Callable[[Any], Any]] = {
    "available_fte": _FTE.to_representation,
    "rating": lambda rating: _RATING.to_representation(rating) if rating is not None else None,
    "created_at": _DATETIME.to_representation,
    "updated_at": _DATETIME.to_representation,
}


# --- one query on PostgreSQL ----------------------------------------------------------

# Every part of a page's documents in one statement: the vendor's columns, and each
# relation as an array (codes) or JSON rows (parsed with Decimal for the rates), in the
# same orders as the serializer's prefetches (vendors/api/selectors.py). Values are then
# shaped by the same DRF fields, so both give the same bytes (tested on every demo vendor).
_DOCUMENTS_SQL = """
SELECT v.id, v.slug, v.name, v.description, v.website, v.headquarters_country, v.available_fte,
       v.verified, v.is_active, v.rating, v.review_count, v.created_at, v.updated_at, v.change_seq,
       v.external_id,
       ARRAY(SELECT l.code FROM vendors_vendorlanguage l WHERE l.vendor_id = v.id ORDER BY l.code),
       ARRAY(SELECT d.code FROM vendors_vendor_domains vd JOIN vendors_expertisearea d ON d.id = vd.expertisearea_id
              WHERE vd.vendor_id = v.id ORDER BY d.name, d.code),
       (SELECT json_agg(json_build_array(s.code, vs.proficiency, vs.years_experience) ORDER BY s.code)
          FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id WHERE vs.vendor_id = v.id)::text,
       (SELECT json_agg(json_build_array(r.seniority, r.hourly_rate, r.currency)
                        ORDER BY array_position(%(seniorities)s::text[], r.seniority::text))
          FROM vendors_ratecard r WHERE r.vendor_id = v.id)::text,
       (SELECT json_agg(json_build_array(c.country, c.city, c.timezone, c.headcount) ORDER BY c.country, c.city)
          FROM vendors_deliverycenter c WHERE c.vendor_id = v.id)::text,
       (SELECT json_agg(json_build_array(ce.code, vc.valid_until) ORDER BY ce.code)
          FROM vendors_vendorcertification vc JOIN vendors_certification ce ON ce.id = vc.certification_id
         WHERE vc.vendor_id = v.id)::text
  FROM vendors_vendor v
 WHERE v.id = ANY(%(ids)s)
"""


# The vendor columns _DOCUMENTS_SQL selects first, in its order.
_COLUMNS = (
    "id",
    "slug",
    "name",
    "description",
    "website",
    "headquarters_country",
    "available_fte",
    "verified",
    "is_active",
    "rating",
    "review_count",
    "created_at",
    "updated_at",
    "change_seq",
    "external_id",
)


def _json_rows(text: str | None) -> list:
    return json.loads(text, parse_float=Decimal) if text else []


def vendor_documents_postgresql(ids: list[int], *, using: str = "default") -> list[dict]:
    """The documents of the vendors `ids` (any order), from one PostgreSQL query."""
    with connections[using].cursor() as cursor:
        cursor.execute(_DOCUMENTS_SQL, {"ids": list(ids), "seniorities": list(Seniority.values)})
        rows = cursor.fetchall()
    return [_document(row) for row in rows]


def _document(row: tuple) -> dict:
    """One row of _DOCUMENTS_SQL as the document, keys in the serializer's order."""
    count = len(_COLUMNS)
    languages, domains, skills, rates, centres, certifications = row[count:]
    values = {
        **{name: _FORMATS.get(name, _same)(value) for name, value in zip(_COLUMNS, row[:count], strict=True)},
        "languages": languages,
        "domains": domains,
        "skills": [
            {"skill": code, "proficiency": level, "years_experience": years}
            for code, level, years in _json_rows(skills)
        ],
        "rates": [
            {"seniority": level, "hourly_rate": _RATE.to_representation(rate), "currency": currency}
            for level, rate, currency in _json_rows(rates)
        ],
        "delivery_centers": [
            {"country": country, "city": city, "timezone": zone, "headcount": headcount}
            for country, city, zone, headcount in _json_rows(centres)
        ],
        "certifications": [
            {"code": code, "valid_until": _DATE.to_representation(date.fromisoformat(until)) if until else None}
            for code, until in _json_rows(certifications)
        ],
    }
    return {name: values[name] for name in VendorSerializer.Meta.fields}


def _same(value: Any) -> Any:
    return value


def build_vendor_documents(ids: list[int], *, using: str = "default") -> list[dict]:
    """Documents for the vendors `ids` (any order): one query on PostgreSQL,
    the serializer with its prefetches (seven queries) elsewhere."""
    if connections[using].vendor == "postgresql":
        return vendor_documents_postgresql(ids, using=using)
    vendors = with_vendor_documents(Vendor.objects.using(using).filter(pk__in=ids).order_by())
    # many=True builds a ListSerializer (its data a ReturnList); the stubs type the call as VendorSerializer.
    return VendorSerializer(vendors, many=True).data  # type: ignore[return-value]


# --- the document cache -----------------------------------------------------------------

DOCUMENT_CACHE = "vendor_documents"  # a CACHES alias (kpo/settings.py)
DOCUMENT_VERSION = 1  # part of every key: bump it when the document's shape changes
_RENDERER = JSONRenderer()


def encode_json(document: dict) -> bytes:
    """A document's JSON exactly as the API's renderer writes it, so a page joined
    from cached bytes reads like a rendered one."""
    return _RENDERER.render(document)


def _key(vendor_id: int, change_seq: int) -> str:
    return f"v{DOCUMENT_VERSION}:{vendor_id}:{change_seq}"


def _cache_enabled() -> bool:
    return settings.VENDOR_DOCUMENT_CACHE_ENTRIES > 0


def vendor_document_json(versions: list[tuple[int, int]], *, using: str = "default") -> list[bytes]:
    """The encoded documents of a page, in page order, given each vendor's
    (id, change_seq) as the page query read it. Documents the cache lacks are
    built in one batch (one query on PostgreSQL, seven elsewhere), then cached
    once a last query shows the vendor did not change while they were read (with
    several queries under READ COMMITTED, a document read across a concurrent
    commit may mix two versions: it is served, as it would be uncached, but not
    kept).
    A vendor gone since the page query is left out."""
    cache = caches[DOCUMENT_CACHE] if _cache_enabled() else None
    keys = [_key(vendor_id, change_seq) for vendor_id, change_seq in versions]
    found = cache.get_many(keys) if cache is not None else {}
    missing = [vendor_id for (vendor_id, _), key in zip(versions, keys, strict=True) if key not in found]
    built: dict[int, bytes] = {}
    if missing:
        documents = build_vendor_documents(missing, using=using)
        built = {document["id"]: encode_json(document) for document in documents}
        if cache is not None and _may_cache(using):
            current = dict(Vendor.objects.using(using).filter(pk__in=missing).values_list("id", "change_seq"))
            cache.set_many(
                {
                    _key(document["id"], document["change_seq"]): built[document["id"]]
                    for document in documents
                    if current.get(document["id"]) == document["change_seq"]
                }
            )
    page = []
    for (vendor_id, _), key in zip(versions, keys, strict=True):
        encoded = found.get(key) or built.get(vendor_id)
        if encoded is not None:
            page.append(encoded)
    return page


def _may_cache(using: str) -> bool:
    """Not from inside a transaction on SQLite: there a rolled-back transaction
    gives its change numbers out again, so an uncommitted version could later
    share a key with another. (PostgreSQL sequences never give a number twice.)"""
    connection = connections[using]
    return connection.vendor == "postgresql" or not connection.in_atomic_block
