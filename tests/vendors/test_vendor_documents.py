"""The list pages' fast path builds exactly the JSON the serializer would."""

import json

import pytest

from engagements.demo import seed_demo
from tests.engagements.helpers import DEMO_TODAY
from vendors.api.documents import vendor_documents
from vendors.api.selectors import with_vendor_documents
from vendors.api.serializers import VendorSerializer
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_the_fast_document_equals_the_serializer_output_for_every_demo_vendor():
    seed_demo(seed=7, vendors=60, today=DEMO_TODAY)
    Vendor.objects.filter(pk=Vendor.objects.order_by("id").values("id")[:1]).update(rating=None, website="")
    vendors = list(with_vendor_documents(Vendor.objects.order_by("id")))
    assert len(vendors) >= 60
    assert any(v.rating is None for v in vendors) and any(v.rating is not None for v in vendors)
    fast = vendor_documents(Vendor.objects.order_by("id"))
    assert [d["id"] for d in fast] == [v.id for v in vendors]
    for vendor, document in zip(vendors, fast, strict=True):
        expected = json.loads(json.dumps(VendorSerializer(vendor).data))
        assert json.loads(json.dumps(document)) == expected, vendor.slug
