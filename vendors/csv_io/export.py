"""The vendor CSV export: vendors as rows of cells, written to a stream or streamed.

``export_queryset`` selects the vendors with every list prefetched,
``vendor_csv_row`` turns one vendor into cells (escaping list parts and
spreadsheet formulas), ``vendor_csv_rows`` yields the header and every vendor a
batch at a time, ``vendor_csv_export`` writes them to a text stream and
``vendor_csv_lines`` yields them as CSV lines for a streaming HTTP response.
``vendor_csv_batches`` reads the vendors in keyset batches by id (for the background
export, vendors/exports/), and ``DigestWriter`` counts and hashes what a csv.writer writes.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO

from django.db import models
from django.db.models import Prefetch

from vendors.csv_io.columns import BATCH, FORMULA_START, SENIORITY_ORDER, SPECIAL, csv_columns
from vendors.models import (
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in text)


def _text_out(value: str | None) -> str:
    value = value or ""
    return "'" + value if value.startswith(FORMULA_START) else value


def _decimal_out(value: Decimal) -> str:
    return format(value, "f")


def export_queryset(queryset: models.QuerySet | None = None) -> models.QuerySet:
    """The vendors to export, ordered by slug, with every list in one query per chunk."""
    queryset = Vendor.objects.all() if queryset is None else queryset
    return queryset.order_by("slug").prefetch_related(
        Prefetch("domains", queryset=ExpertiseArea.objects.only("id", "code")),
        Prefetch("languages", queryset=VendorLanguage.objects.only("id", "vendor_id", "code")),
        Prefetch("vendor_skills", queryset=VendorSkill.objects.select_related("skill").order_by()),
        Prefetch("rates", queryset=RateCard.objects.order_by()),
        Prefetch("delivery_centers", queryset=DeliveryCenter.objects.order_by()),
        Prefetch(
            "vendor_certifications", queryset=VendorCertification.objects.select_related("certification").order_by()
        ),
    )


def vendor_csv_row(vendor: Vendor) -> list[str]:
    """One vendor as CSV cells, in csv_columns() order (lists from prefetched rows)."""
    return _cells(
        (
            vendor.slug,
            vendor.name,
            vendor.description,
            vendor.website,
            vendor.headquarters_country,
            vendor.founded_year,
            vendor.available_fte,
            vendor.verified,
            vendor.is_active,
            vendor.external_id,
        ),
        languages=[language.code for language in vendor.languages.all()],
        domains=[domain.code for domain in vendor.domains.all()],
        skills=[(s.skill.code, s.proficiency, s.years_experience) for s in vendor.vendor_skills.all()],
        rates=[(r.seniority, r.hourly_rate, r.currency) for r in vendor.rates.all()],
        centers=[(c.country, c.city, c.timezone, c.headcount) for c in vendor.delivery_centers.all()],
        certifications=[(c.certification.code, c.valid_until) for c in vendor.vendor_certifications.all()],
    )


def _cells(
    scalars: tuple,
    *,
    languages: list[str],
    domains: list[str],
    skills: list[tuple[str, int, int]],
    rates: list[tuple[str, Decimal, str]],
    centers: list[tuple[str, str, str, int]],
    certifications: list[tuple[str, date | None]],
) -> list[str]:
    """The one formatter of a vendor's cells, from plain values (model instances or value
    rows alike): `scalars` in _SCALARS order."""
    slug, name, description, website, country, founded, fte, verified, active, external_id = scalars
    skills = sorted(skills, key=lambda s: s[0])
    rates = sorted(rates, key=lambda r: SENIORITY_ORDER.get(r[0], 99))
    centers = sorted(centers, key=lambda c: (c[0], c[1]))
    certifications = sorted(certifications, key=lambda c: c[0])
    return [
        slug,
        _text_out(name),
        _text_out(description),
        website,
        country,
        "" if founded is None else str(founded),
        _decimal_out(fte),
        ";".join(sorted(languages)),
        ";".join(sorted(domains)),
        ";".join(f"{_escape(code)}:{proficiency}:{years}" for code, proficiency, years in skills),
        ";".join(f"{seniority}:{_decimal_out(rate)}:{currency}" for seniority, rate, currency in rates),
        ";".join(f"{c}|{_escape(city)}|{zone}|{headcount}" for c, city, zone, headcount in centers),
        ";".join(f"{_escape(code)}:{until.isoformat() if until else ''}" for code, until in certifications),
        "true" if verified else "false",
        "true" if active else "false",
        _text_out(external_id),
    ]


_SCALARS = (
    "slug",
    "name",
    "description",
    "website",
    "headquarters_country",
    "founded_year",
    "available_fte",
    "verified",
    "is_active",
    "external_id",
)


def vendor_csv_rows(queryset: models.QuerySet | None = None) -> Iterator[list[str]]:
    """The header, then one row per vendor; reads the vendors BATCH at a time
    (a server-side cursor on PostgreSQL), so memory stays constant."""
    yield list(csv_columns())
    for vendor in export_queryset(queryset).iterator(chunk_size=BATCH):
        yield vendor_csv_row(vendor)


def vendor_csv_export(queryset: models.QuerySet | None, stream: SupportsWrite[str]) -> int:
    """Write the vendors to a text stream (open files with newline=""). Returns the vendor count."""
    writer = csv.writer(stream)
    count = -1
    for row in vendor_csv_rows(queryset):
        writer.writerow(row)
        count += 1
    return count


class _Echo:
    def write(self, value: str) -> str:
        return value


def vendor_csv_lines(queryset: models.QuerySet | None = None) -> Iterator[str]:
    """The export as encoded lines, for a streaming HTTP response."""
    writer = csv.writer(_Echo())
    for row in vendor_csv_rows(queryset):
        yield writer.writerow(row)


def vendor_csv_batches(queryset: models.QuerySet | None = None, *, batch: int = BATCH) -> Iterator[list[list[str]]]:
    """The vendors as rows (no header), `batch` at a time in id order. Each batch is one
    keyset query (`id > last ORDER BY id LIMIT batch`) plus one per list, all read as plain
    value rows (no model instances: a million vendors export in minutes, not hours); no
    cursor or transaction stays open between batches, memory holds one batch, and a vendor
    that exists throughout appears exactly once (its id never changes, unlike its slug)."""
    vendors = (Vendor.objects.all() if queryset is None else queryset).order_by("id")
    last_id = 0
    while True:
        rows = list(vendors.filter(id__gt=last_id).values_list("id", *_SCALARS)[:batch])
        if not rows:
            return
        ids = [row[0] for row in rows]
        languages = _grouped(VendorLanguage.objects.filter(vendor_id__in=ids).values_list("vendor_id", "code"))
        domains = _grouped(
            Vendor.domains.through.objects.filter(vendor_id__in=ids).values_list("vendor_id", "expertisearea__code")
        )
        skills = _grouped(
            VendorSkill.objects.filter(vendor_id__in=ids).values_list(
                "vendor_id", "skill__code", "proficiency", "years_experience"
            )
        )
        rates = _grouped(
            RateCard.objects.filter(vendor_id__in=ids).values_list("vendor_id", "seniority", "hourly_rate", "currency")
        )
        centers = _grouped(
            DeliveryCenter.objects.filter(vendor_id__in=ids).values_list(
                "vendor_id", "country", "city", "timezone", "headcount"
            )
        )
        certifications = _grouped(
            VendorCertification.objects.filter(vendor_id__in=ids).values_list(
                "vendor_id", "certification__code", "valid_until"
            )
        )
        yield [
            _cells(
                row[1:],
                languages=[code for (code,) in languages.get(row[0], ())],
                domains=[code for (code,) in domains.get(row[0], ())],
                skills=skills.get(row[0], []),
                rates=rates.get(row[0], []),
                centers=centers.get(row[0], []),
                certifications=certifications.get(row[0], []),
            )
            for row in rows
        ]
        last_id = ids[-1]


def _grouped(rows: models.QuerySet) -> dict[int, list[Any]]:
    """(vendor_id, *values) rows as {vendor_id: [values, ...]}, read without the models'
    default orderings (the cells sort themselves)."""
    grouped: dict[int, list[Any]] = {}
    for vendor_id, *values in rows.order_by():
        grouped.setdefault(vendor_id, []).append(tuple(values))
    return grouped


class DigestWriter:
    """A text sink for csv.writer: encodes UTF-8 into a binary file, counting the bytes and
    hashing them (SHA-256) on the way, so a file's checksum needs no second read."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.raw.write(data)
        self.size += len(data)
        return len(text)
