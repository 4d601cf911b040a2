"""Reads of vendor exports. Staff only: the views and the API check that first (every
export is visible to every staff member, none to anyone else)."""

from __future__ import annotations

from django.db.models import QuerySet

from vendors.exports.models import VendorExport

RECENT = 20


def vendor_export_queryset() -> QuerySet[VendorExport]:
    return VendorExport.objects.select_related("requested_by").order_by("-id")


def vendor_export_recent(*, limit: int = RECENT) -> list[VendorExport]:
    return list(vendor_export_queryset()[:limit])
