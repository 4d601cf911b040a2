"""Reads for the vendor API: which vendors a caller may see, and every row a
vendor document shows, prefetched (a constant number of queries per page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from kpo.models import User
from vendors.models import (
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Seniority,
    Vendor,
    VendorCertification,
    VendorSkill,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A vendor from with_vendor_documents: its document's rows prefetched.
    DocumentVendor = WithAnnotations[Vendor, "DocumentRows"]


class DocumentRows(TypedDict):
    """What with_vendor_documents sets on each vendor (Prefetch to_attr), in the document's order."""

    api_skills: list[VendorSkill]
    api_rates: list[RateCard]
    api_centres: list[DeliveryCenter]
    api_certifications: list[VendorCertification]


# Rates in seniority order (junior, mid, senior, expert), not alphabetical.
SENIORITY_RANK = Case(
    *[When(seniority=value, then=Value(index)) for index, value in enumerate(Seniority.values)],
    default=Value(len(Seniority.values)),
    output_field=IntegerField(),
)


def with_vendor_documents(vendors: QuerySet[Vendor]) -> QuerySet[DocumentVendor]:
    """Drop whatever the queryset prefetched for other pages and prefetch what
    the API document shows, in a stable order: one query per relation."""
    return vendors.prefetch_related(None).prefetch_related(
        # Name, then code: two domains may share a name, and the order must not depend on the plan.
        Prefetch("domains", queryset=ExpertiseArea.objects.order_by("name", "code")),
        "languages",
        Prefetch(
            "vendor_skills",
            queryset=VendorSkill.objects.select_related("skill").order_by("skill__code"),
            to_attr="api_skills",
        ),
        Prefetch("rates", queryset=RateCard.objects.order_by(SENIORITY_RANK), to_attr="api_rates"),
        Prefetch(
            "delivery_centers", queryset=DeliveryCenter.objects.order_by("country", "city"), to_attr="api_centres"
        ),
        Prefetch(
            "vendor_certifications",
            queryset=VendorCertification.objects.select_related("certification").order_by("certification__code"),
            to_attr="api_certifications",
        ),
    )


def vendor_documents_for(*, user: User | AnonymousUser, vendor_id: int | None = None) -> QuerySet[DocumentVendor]:
    """The vendors whose document `user` may read, one by one: staff every vendor,
    a client organization's member the active ones, a vendor firm's member its own
    firm (even inactive, as on its edit page). Anyone else: none."""
    vendors = Vendor.objects.all()
    if not user.is_staff:
        membership = getattr(user, "membership", None)
        if membership is not None and membership.client_id:
            vendors = vendors.filter(is_active=True)
        elif membership is not None and membership.vendor_id:
            vendors = vendors.filter(pk=membership.vendor_id)
        else:
            vendors = vendors.none()
    if vendor_id is not None:
        vendors = vendors.filter(pk=vendor_id)
    return with_vendor_documents(vendors)
