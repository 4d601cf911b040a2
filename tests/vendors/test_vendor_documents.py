"""The list pages' fast path (one PostgreSQL query) builds exactly the JSON the
serializer would; elsewhere the list uses the serializer itself."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from engagements.demo import seed_demo
from tests.engagements.helpers import DEMO_TODAY
from vendors.api.documents import build_vendor_documents, encode_json, vendor_documents_postgresql
from vendors.api.selectors import with_vendor_documents
from vendors.api.serializers import VendorSerializer
from vendors.models import ExpertiseArea, Vendor

pytestmark = pytest.mark.django_db


def test_the_fast_document_equals_the_serializer_output_for_every_demo_vendor():
    seed_demo(seed=7, vendors=60, today=DEMO_TODAY)
    Vendor.objects.filter(pk=Vendor.objects.order_by("id").values("id")[:1]).update(rating=None, website="")
    vendors = list(with_vendor_documents(Vendor.objects.order_by("id")))
    assert len(vendors) >= 60
    assert any(v.rating is None for v in vendors) and any(v.rating is not None for v in vendors)
    fast = sorted(build_vendor_documents([v.id for v in vendors]), key=lambda d: d["id"])
    assert [d["id"] for d in fast] == [v.id for v in vendors]
    for vendor, document in zip(vendors, fast, strict=True):
        expected = json.loads(json.dumps(VendorSerializer(vendor).data))
        assert json.loads(json.dumps(document)) == expected, vendor.slug
        # Byte for byte as DRF renders it: list pages join these bytes from the cache.
        rendered = JSONRenderer().render(VendorSerializer(vendor).data)
        assert encode_json(document) == rendered, vendor.slug


def test_the_one_query_builder_agrees_on_a_bare_vendor_and_on_awkward_text():
    bare = Vendor.objects.create(name="Bare", slug="bare", headquarters_country="IN")
    # Two domains with one name: the order falls back to the code, in the serializer too.
    twins = [ExpertiseArea.objects.create(code=code, name="Same Name") for code in ("zz-b", "zz-a")]
    bare.domains.set(twins)
    awkward = Vendor.objects.create(
        name="Ångström “Quotes” & Co",
        slug="awkward",
        headquarters_country="DE",
        description='Line\u2028separator\u2029, emoji 📊, "quotes", back\\slash, <script>',
    )
    vendors = list(with_vendor_documents(Vendor.objects.filter(pk__in=[bare.pk, awkward.pk]).order_by("id")))
    from_sql = sorted(vendor_documents_postgresql([bare.pk, awkward.pk]), key=lambda d: d["id"])
    for vendor, sql in zip(vendors, from_sql, strict=True):
        rendered = JSONRenderer().render(VendorSerializer(vendor).data)
        assert encode_json(sql) == rendered
    assert from_sql[0]["domains"] == ["zz-a", "zz-b"]
