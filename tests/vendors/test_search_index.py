"""The directory's text search is served by the GIN index of migration 0003 on
PostgreSQL: the selector's expression and the index's must stay the same."""

import pytest
from django.db import connection

from vendors.models import Vendor
from vendors.selectors import vendor_text_vector

pytestmark = pytest.mark.django_db


def test_the_migration_created_the_search_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'vendor_search_document_idx'")
        [(definition,)] = cursor.fetchall()
    assert "USING gin" in definition


def test_the_search_expression_uses_the_index():
    from django.contrib.postgres.search import SearchQuery

    query = Vendor.objects.annotate(document=vendor_text_vector()).filter(
        document=SearchQuery("ledger", search_type="websearch", config="english")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would otherwise be scanned
        plan = query.explain()
    assert "vendor_search_document_idx" in plan
