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
from decimal import Decimal
from typing import TYPE_CHECKING, BinaryIO

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
    skills = sorted(vendor.vendor_skills.all(), key=lambda s: s.skill.code)
    rates = sorted(vendor.rates.all(), key=lambda r: SENIORITY_ORDER.get(r.seniority, 99))
    centers = sorted(vendor.delivery_centers.all(), key=lambda c: (c.country, c.city))
    certifications = sorted(vendor.vendor_certifications.all(), key=lambda c: c.certification.code)
    row = [
        vendor.slug,
        _text_out(vendor.name),
        _text_out(vendor.description),
        vendor.website,
        vendor.headquarters_country,
        "" if vendor.founded_year is None else str(vendor.founded_year),
        _decimal_out(vendor.available_fte),
        ";".join(sorted(language.code for language in vendor.languages.all())),
        ";".join(sorted(domain.code for domain in vendor.domains.all())),
        ";".join(f"{_escape(s.skill.code)}:{s.proficiency}:{s.years_experience}" for s in skills),
        ";".join(f"{r.seniority}:{_decimal_out(r.hourly_rate)}:{r.currency}" for r in rates),
        ";".join(f"{c.country}|{_escape(c.city)}|{c.timezone}|{c.headcount}" for c in centers),
        ";".join(
            f"{_escape(c.certification.code)}:{c.valid_until.isoformat() if c.valid_until else ''}"
            for c in certifications
        ),
        "true" if vendor.verified else "false",
        "true" if vendor.is_active else "false",
        _text_out(vendor.external_id),
    ]
    return row


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
    keyset query (`id > last ORDER BY id LIMIT batch`) plus one per list: no cursor or
    transaction stays open between batches, memory holds one batch, and a vendor that
    exists throughout appears exactly once (its id never changes, unlike its slug)."""
    ordered = export_queryset(queryset).order_by("id")
    last_id = 0
    while True:
        vendors = list(ordered.filter(id__gt=last_id)[:batch])
        if not vendors:
            return
        yield [vendor_csv_row(vendor) for vendor in vendors]
        last_id = vendors[-1].pk


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
