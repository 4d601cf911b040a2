"""Two to four vendors side by side: the rows of the comparison page, in the viewer's
currency and time zone. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from vendors.models import (
    Seniority,
    Vendor,
    VendorCertification,
    VendorSkill,
)
from vendors.money import ExchangeTable
from vendors.rating import bayesian_rating
from vendors.selectors import (
    LOCATION_CLASSES,
    CentreFacts,
    RateLine,
    Viewer,
    centre_facts,
    certification_status,
    rate_lines,
    vendor_profile_queryset,
)

MIN_COMPARE = 2
MAX_COMPARE = 4


def vendors_for_compare(*, slugs: list[str], viewer_is_staff: bool) -> list[Vendor]:
    """The vendors in the order asked for; unknown (or, for clients, inactive) slugs are left out."""
    found = {v.slug: v for v in vendor_profile_queryset(include_inactive=viewer_is_staff).filter(slug__in=slugs)}
    return [found[slug] for slug in slugs if slug in found]


@dataclass
class CompareColumn:
    vendor: Vendor
    rates: dict[str, RateLine]
    centres: list[CentreFacts]
    classes: list[str]
    best_overlap: float | None
    skills: dict[int, VendorSkill]
    certifications: dict[int, VendorCertification]
    bayesian: float


@dataclass
class CompareRow:
    label: str
    cells: list
    meta: object = None


@dataclass
class Comparison:
    columns: list[CompareColumn]
    skill_rows: list[CompareRow]
    certification_rows: list[CompareRow]
    seniorities: list[tuple[str, str]]
    currency: str


def vendor_comparison(vendors: list[Vendor], *, viewer: Viewer) -> Comparison:
    """Columns per vendor and rows for the union of their skills and
    certifications, all from prefetched data (one exchange-rate query)."""
    table = ExchangeTable.current()
    now = viewer.now()
    columns = []
    for vendor in vendors:
        centres = centre_facts(vendor.delivery_centers.all(), viewer=viewer, now=now)
        overlaps = [c.overlap_hours for c in centres if c.overlap_hours is not None]
        classes = {c.location_class for c in centres} - {None}
        columns.append(
            CompareColumn(
                vendor=vendor,
                rates={line.seniority: line for line in rate_lines(vendor.rates.all(), viewer=viewer, table=table)},
                centres=centres,
                classes=[cls for cls in LOCATION_CLASSES if cls in classes],
                best_overlap=max(overlaps) if overlaps else None,
                skills={vs.skill_id: vs for vs in vendor.vendor_skills.all()},
                certifications={vc.certification_id: vc for vc in vendor.vendor_certifications.all()},
                bayesian=bayesian_rating(vendor.review_count, vendor.rating),
            )
        )
    skills = {vs.skill_id: vs.skill for column in columns for vs in column.skills.values()}
    # Skills most vendors share first: that is where a comparison says something.
    skill_order = sorted(skills, key=lambda pk: (-sum(pk in c.skills for c in columns), skills[pk].name))
    certifications = {
        vc.certification_id: vc.certification for column in columns for vc in column.certifications.values()
    }
    today = now.date()
    return Comparison(
        columns=columns,
        skill_rows=[
            CompareRow(label=skills[pk].name, cells=[c.skills.get(pk) for c in columns], meta=skills[pk].domain)
            for pk in skill_order
        ],
        certification_rows=[
            CompareRow(
                label=certifications[pk].name,
                cells=[
                    (vc, certification_status(vc.valid_until, today=today))
                    if (vc := c.certifications.get(pk))
                    else None
                    for c in columns
                ],
                meta=certifications[pk],
            )
            for pk in sorted(certifications, key=lambda pk: certifications[pk].name)
        ],
        seniorities=[
            (value, str(label))
            for value, label in Seniority.choices
            if any(value in column.rates for column in columns)
        ],
        currency=viewer.currency,
    )
