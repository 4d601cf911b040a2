"""A vendor profile edit as one typed change set.

`ProfileChanges` is what vendors.services.vendor_profile_update writes. Two builders
make it, and both type-check against this one structure:
- the profile edit page: vendors.forms.VendorProfileForms.changes() (its formsets say
  which rows to save and delete);
- the API: `api_profile_changes` below, from a validated VendorSerializer (a list given
  replaces the vendor's rows; only the rows that really change are saved, so the history
  shows just the edit). A vendor created through the API gets its lists the same way, as
  if its first edit.

A key left out means "unchanged" (a partial edit); a list given, even empty, is the whole
new list. Building a change set writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar

from django.utils import timezone

from vendors.models import DeliveryCenter, ExpertiseArea, RateCard, VendorCertification, VendorSkill

if TYPE_CHECKING:
    from vendors.api.selectors import DocumentVendor

# The vendor's own members edit these (the web edit page's fields and rows).
PROFILE_FIELDS = ("description", "website", "headquarters_country", "available_fte")
# Only KPO Match staff change these; for anyone else they are read-only.
STAFF_FIELDS = ("name", "slug", "verified", "is_active", "external_id")

VendorRow = VendorSkill | RateCard | DeliveryCenter | VendorCertification
RowT = TypeVar("RowT", VendorSkill, RateCard, DeliveryCenter, VendorCertification)


class RowChanges(TypedDict, Generic[RowT], total=False):
    """Rows of one table: instances to save (new ones without a vendor yet) and to delete
    (a part left out: none)."""

    save: list[RowT]
    delete: list[RowT]


class ProfileChanges(TypedDict, total=False):
    fields: dict[str, Any]  # PROFILE_FIELDS, and for staff STAFF_FIELDS and verified_at
    languages: list[str]  # ISO 639-1 codes: the whole new set
    domains: list[ExpertiseArea]  # the whole new set
    skills: RowChanges[VendorSkill]
    rates: RowChanges[RateCard]
    centres: RowChanges[DeliveryCenter]
    certifications: RowChanges[VendorCertification]


def rows_of(changes: ProfileChanges, part: Literal["save", "delete"]) -> list[VendorRow]:
    """The rows to save or to delete: skills, rates, centres, then certifications."""
    tables = (changes.get("skills"), changes.get("rates"), changes.get("centres"), changes.get("certifications"))
    rows: list[VendorRow] = []
    for table in tables:
        if table is not None:
            rows.extend(table.get(part, []))
    return rows


def row_changes(
    current: Iterable[RowT],
    wanted: list[dict],
    *,
    key: Callable[[RowT], Hashable],
    wanted_key: Callable[[dict], Hashable],
    build: Callable[[dict], RowT],
    values: Callable[[dict], dict[str, Any]],
) -> RowChanges[RowT]:
    """The rows that make `current` into `wanted`: new keys are built, rows whose values
    differ are updated in place, rows whose key is no longer wanted are deleted, and rows
    that stay as they are are left out."""
    existing = {key(row): row for row in current}
    save: list[RowT] = []
    seen = set()
    for row in wanted:
        found = existing.get(wanted_key(row))
        seen.add(wanted_key(row))
        if found is None:
            save.append(build(row))
            continue
        new_values = values(row)
        if any(getattr(found, name) != value for name, value in new_values.items()):
            for name, value in new_values.items():
                setattr(found, name, value)
            save.append(found)
    return {"save": save, "delete": [row for row_key, row in existing.items() if row_key not in seen]}


def api_profile_changes(*, vendor: DocumentVendor, attrs: dict) -> ProfileChanges:
    """The change set from a validated VendorSerializer's attributes: each given list
    replaces the vendor's rows (a row is keyed by its unique value: skill, seniority, city
    and country, certification). Needs the vendor's `api_*` rows prefetched
    (vendors.api.selectors.vendor_api_queryset)."""
    changes: ProfileChanges = {
        "fields": {name: attrs[name] for name in (*PROFILE_FIELDS, *STAFF_FIELDS) if name in attrs}
    }
    fields = changes["fields"]
    if "verified" in fields and fields["verified"] != vendor.verified:
        fields["verified_at"] = timezone.now() if fields["verified"] else None
    if "languages" in attrs:
        changes["languages"] = attrs["languages"]
    if "domains" in attrs:
        changes["domains"] = attrs["domains"]
    if "skills" in attrs:
        changes["skills"] = row_changes(
            vendor.api_skills,
            attrs["skills"],
            key=lambda row: row.skill_id,
            wanted_key=lambda row: row["skill"].pk,
            build=lambda row: VendorSkill(
                skill=row["skill"], proficiency=row["proficiency"], years_experience=row["years_experience"]
            ),
            values=lambda row: {"proficiency": row["proficiency"], "years_experience": row["years_experience"]},
        )
    if "rates" in attrs:
        changes["rates"] = row_changes(
            vendor.api_rates,
            attrs["rates"],
            key=lambda row: row.seniority,
            wanted_key=lambda row: row["seniority"],
            build=lambda row: RateCard(**row),
            values=lambda row: {"hourly_rate": row["hourly_rate"], "currency": row["currency"]},
        )
    if "delivery_centers" in attrs:
        changes["centres"] = row_changes(
            vendor.api_centres,
            attrs["delivery_centers"],
            key=lambda row: (row.country, row.city),
            wanted_key=lambda row: (row["country"], row["city"]),
            build=lambda row: DeliveryCenter(**row),
            values=lambda row: {"timezone": row["timezone"], "headcount": row["headcount"]},
        )
    if "certifications" in attrs:
        changes["certifications"] = row_changes(
            vendor.api_certifications,
            attrs["certifications"],
            key=lambda row: row.certification_id,
            wanted_key=lambda row: row["certification"].pk,
            build=lambda row: VendorCertification(certification=row["certification"], valid_until=row["valid_until"]),
            values=lambda row: {"valid_until": row["valid_until"]},
        )
    return changes
