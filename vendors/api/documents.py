"""The vendor document as plain dicts, for list pages: the same JSON as
VendorSerializer's output (a test compares them on every vendor of the demo
pool), built from six values() queries without model instances or DRF's
per-field machinery (prefetching ~1,250 model instances and serializing them
was most of a 50-vendor page's cost). VendorSerializer stays the
contract: it validates input, documents the schema and shapes single objects.
Scalar conversions reuse DRF's own fields, so formats cannot drift."""

from __future__ import annotations

from rest_framework import serializers

from vendors.api.selectors import SENIORITY_RANK
from vendors.models import DeliveryCenter, RateCard, Vendor, VendorCertification, VendorLanguage, VendorSkill

_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()
_FTE = serializers.DecimalField(max_digits=7, decimal_places=1)
_RATING = serializers.DecimalField(max_digits=3, decimal_places=2)
_RATE = serializers.DecimalField(max_digits=10, decimal_places=2)


def _document(vendor: Vendor, *, languages, domains, skills, rates, centres, certifications) -> dict:
    return {
        "id": vendor.id,
        "slug": vendor.slug,
        "name": vendor.name,
        "description": vendor.description,
        "website": vendor.website,
        "headquarters_country": vendor.headquarters_country,
        "languages": languages,
        "domains": domains,
        "skills": skills,
        "rates": rates,
        "delivery_centers": centres,
        "certifications": certifications,
        "available_fte": _FTE.to_representation(vendor.available_fte),
        "verified": vendor.verified,
        "is_active": vendor.is_active,
        "rating": _RATING.to_representation(vendor.rating) if vendor.rating is not None else None,
        "review_count": vendor.review_count,
        "created_at": _DATETIME.to_representation(vendor.created_at),
        "updated_at": _DATETIME.to_representation(vendor.updated_at),
        "change_seq": vendor.change_seq,
        "external_id": vendor.external_id,
    }


def vendor_documents(vendors) -> list[dict]:
    """Documents for a page of vendors loaded WITHOUT prefetches: the related rows
    come from six values() queries (no model instances), in the serializer's order."""
    vendors = list(vendors)
    ids = [vendor.id for vendor in vendors]
    related: dict[str, dict[int, list]] = {
        name: {} for name in ("languages", "domains", "skills", "rates", "centres", "certs")
    }

    def collect(name: str, rows) -> None:
        bucket = related[name]
        for vendor_id, *values in rows:
            bucket.setdefault(vendor_id, []).append(values)

    collect("languages", VendorLanguage.objects.filter(vendor_id__in=ids).values_list("vendor_id", "code"))
    collect(
        "domains",
        Vendor.domains.through.objects.filter(vendor_id__in=ids)
        .order_by("expertisearea__name")
        .values_list("vendor_id", "expertisearea__code"),
    )
    collect(
        "skills",
        VendorSkill.objects.filter(vendor_id__in=ids)
        .order_by("skill__code")
        .values_list("vendor_id", "skill__code", "proficiency", "years_experience"),
    )
    collect(
        "rates",
        RateCard.objects.filter(vendor_id__in=ids)
        .order_by(SENIORITY_RANK)
        .values_list("vendor_id", "seniority", "hourly_rate", "currency"),
    )
    collect(
        "centres",
        DeliveryCenter.objects.filter(vendor_id__in=ids)
        .order_by("country", "city")
        .values_list("vendor_id", "country", "city", "timezone", "headcount"),
    )
    collect(
        "certs",
        VendorCertification.objects.filter(vendor_id__in=ids)
        .order_by("certification__code")
        .values_list("vendor_id", "certification__code", "valid_until"),
    )
    documents = []
    for vendor in vendors:
        get = lambda name, vendor_id=vendor.id: related[name].get(vendor_id, [])  # noqa: E731
        documents.append(
            _document(
                vendor,
                languages=sorted(code for (code,) in get("languages")),
                domains=[code for (code,) in get("domains")],
                skills=[
                    {"skill": code, "proficiency": level, "years_experience": years}
                    for code, level, years in get("skills")
                ],
                rates=[
                    {"seniority": level, "hourly_rate": _RATE.to_representation(rate), "currency": currency}
                    for level, rate, currency in get("rates")
                ],
                centres=[
                    {"country": country, "city": city, "timezone": zone, "headcount": headcount}
                    for country, city, zone, headcount in get("centres")
                ],
                certifications=[
                    {"code": code, "valid_until": _DATE.to_representation(until) if until is not None else None}
                    for code, until in get("certs")
                ],
            )
        )
    return documents
