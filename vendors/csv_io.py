"""Vendor bulk import and export as CSV: one row per vendor, keyed by slug.

Format
------
UTF-8 (a leading byte-order mark is accepted), comma-separated, `"`-quoted as
RFC 4180 and Python's csv module write it; a quoted value may hold commas,
quotes (doubled) and line breaks. The first row is the header. Rows are
numbered as a spreadsheet shows them: the header is row 1, the first vendor
row 2 (a line break inside a quoted value does not start a new row).

Columns, in the order the export writes them (an import accepts any order):

=================== ========================================================
slug                the natural key: an existing vendor with this slug is
                    updated, otherwise one is created (required column)
name                (required column)
description         free text
website             absolute URL or empty
headquarters_country ISO 3166-1 alpha-2, upper case (required column)
founded_year        1800-2100 or empty
available_fte       decimal, one decimal place at most, >= 0
languages           ISO 639-1 codes: ``en;it``
domains             expertise area codes: ``finance;legal``
skills              ``code:proficiency:years``, proficiency 1-5, years 0-60:
                    ``financial-reporting:4:6;audit-support:3:2``
rates               ``seniority:hourly_rate:currency`` (junior, mid, senior,
                    expert; ISO 4217): ``senior:38.50:USD;mid:30.00:USD``
delivery_centers    ``country|city|time zone|headcount``, the time zone one of
                    the country's IANA zones: ``IN|Pune|Asia/Kolkata|120``
certifications      ``code:valid_until`` (YYYY-MM-DD, empty = no expiry):
                    ``iso_27001:2027-06-30;soc2_type2:``
verified            ``true`` or ``false``
is_active           ``true`` or ``false``
external_id         the integrator's own id (not unique), may be empty
=================== ========================================================

Inside the list columns ``;`` separates items and ``:`` (``|`` for delivery
centres) separates an item's parts. Codes, numbers and dates never contain
them; free text (a city) escapes them with a backslash: ``\\;``, ``\\:``,
``\\|`` and ``\\\\`` for a backslash itself. Spaces around parts are ignored.

Columns other than the three required ones may be left out of the file: an
update then leaves those attributes as they are, a new vendor gets the
defaults. A list column that is present replaces the vendor's whole list (an
empty cell removes every row). A certification's `reference` is not part of
the format and is kept on update.

Spreadsheet formulas: a name, description or external id starting with
``=``, ``+``, ``-``, ``@`` or ``'`` is written with a leading ``'`` so a
spreadsheet shows it as text instead of running it (CSV injection); an import
drops one leading ``'``. Export and import are inverse: an exported file
imports back with no change.

Rules are the profile's (vendors.forms): the model fields' own validators
(codes from kpo.codes, ranges, URL, slug), active skills only (an inactive one
a vendor already has may stay), a delivery centre's time zone within its
country, no repeated item, at most 200 skills, 50 centres, 50 certifications.

Import: every row is parsed and checked first; any error (unknown or missing
column, bad code or number, repeated slug, ...) is reported as (row, column,
message) and nothing is written. Otherwise creates and updates happen in one
transaction with bulk statements (a bounded number of queries per 1,000
vendors), history records by `actor` as the profile editor writes them, and
one `vendors.signals.vendor_changed` for all updated vendors.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connections, models, transaction
from django.db.models import Prefetch
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kpo.change_seq import document_touch_deferred
from kpo.codes import country_timezones
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Seniority,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)
from vendors.signals import send_vendor_changed

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

REQUIRED_COLUMNS = ("slug", "name", "headquarters_country")
BASE_COLUMNS = (
    "slug",
    "name",
    "description",
    "website",
    "headquarters_country",
    "founded_year",
    "available_fte",
    "languages",
    "domains",
    "skills",
    "rates",
    "delivery_centers",
    "certifications",
    "verified",
    "is_active",
    "external_id",
)
TEXT_COLUMNS = ("name", "description", "external_id")  # formula-escaped (see the module docstring)
BOOLEAN_COLUMNS = ("verified", "is_active")
MAX_SKILLS, MAX_CENTERS, MAX_CERTIFICATIONS = 200, 50, 50
MAX_REPORTED_ERRORS = 1000
BATCH = 1000
CHANGE_REASON = "CSV import"
SPECIAL = "\\;:|"
FORMULA_START = ("=", "+", "-", "@", "'")
SENIORITY_ORDER = {value: index for index, value in enumerate(Seniority.values)}
_no_nul = ProhibitNullCharactersValidator()


def csv_columns() -> tuple[str, ...]:
    return BASE_COLUMNS


# --- export ------------------------------------------------------------------------


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


# --- import: parsing ----------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "error_count": self.error_count,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


# The models of a vendor's lists (TABLES).
_ListModel = VendorLanguage | VendorSkill | RateCard | DeliveryCenter | VendorCertification


@dataclass(frozen=True)
class _Table:
    """A vendor's list stored as rows of `model`, identified by `key` within the vendor."""

    column: str
    model: type[_ListModel]
    related_name: str
    key: tuple[str, ...]
    values: tuple[str, ...]


TABLES = (
    _Table("languages", VendorLanguage, "languages", ("code",), ()),
    _Table("skills", VendorSkill, "vendor_skills", ("skill_id",), ("proficiency", "years_experience")),
    _Table("rates", RateCard, "rates", ("seniority",), ("hourly_rate", "currency")),
    _Table("delivery_centers", DeliveryCenter, "delivery_centers", ("country", "city"), ("timezone", "headcount")),
    _Table("certifications", VendorCertification, "vendor_certifications", ("certification_id",), ("valid_until",)),
)
LIST_COLUMNS = ("domains",) + tuple(table.column for table in TABLES)


@dataclass
class _Row:
    number: int
    slug: str
    fields: dict[str, Any] = field(default_factory=dict)
    # column -> {key tuple: {value field: value}}; a column absent from the file is absent here.
    lists: dict[str, dict[tuple, dict[str, Any]]] = field(default_factory=dict)
    domains: set[int] | None = None


class _CellError(Exception):
    pass


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _clean(model: type[models.Model], name: str, raw: str) -> Any:
    """The model field's own conversion and validators; blank and null as the field allows."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)  # callers name the model's own fields
    if raw == "":
        if model_field.null:
            return None
        if not model_field.blank:
            raise _CellError(str(model_field.error_messages["blank"]))
    try:
        return model_field.clean(raw, None)
    except ValidationError as error:
        raise _CellError(_messages(error)) from None


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise _CellError("Expected true or false.")


def _split(cell: str, part_separator: str | None) -> list[list[str]]:
    """Items separated by ';', parts by `part_separator`, backslash escapes undone."""
    items: list[list[str]] = []
    parts: list[str] = []
    current: list[str] = []
    chars = iter(cell)
    for ch in chars:
        if ch == "\\":
            following = next(chars, None)
            if following is None or following not in SPECIAL:
                raise _CellError("A backslash must be followed by \\, ;, : or |.")
            current.append(following)
        elif ch == ";":
            parts.append("".join(current))
            items.append(parts)
            parts, current = [], []
        elif part_separator is not None and ch == part_separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    items.append(parts)
    return [[part.strip() for part in item] for item in items if [part.strip() for part in item] != [""]]


class _Lookups:
    """Taxonomy codes, loaded once per import."""

    def __init__(self) -> None:
        self.domains = dict(ExpertiseArea.objects.values_list("code", "id"))
        self.skills = {code: (pk, active) for code, pk, active in Skill.objects.values_list("code", "id", "is_active")}
        self.inactive_skills = {pk: code for code, (pk, active) in self.skills.items() if not active}
        self.certifications = dict(Certification.objects.values_list("code", "id"))
        self.zones = country_timezones()


def _items(cell: str, separator: str | None, sizes: tuple[int, ...], shape: str, limit: int | None) -> list[list[str]]:
    items = _split(cell, separator)
    for item in items:
        if len(item) not in sizes:
            raise _CellError(f"“{_join(item, separator)}” is not {shape}.")
    if limit is not None and len(items) > limit:
        raise _CellError(f"At most {limit} items, not {len(items)}.")
    return items


def _join(item: list[str], separator: str | None) -> str:
    return (separator or "").join(item)


def _item_clean(item: list[str], separator: str | None, model, name: str, raw: str) -> Any:
    try:
        return _clean(model, name, raw)
    except _CellError as error:
        raise _CellError(f"“{_join(item, separator)}”: {name}: {error}") from None


def _unique(result: dict, key: tuple, item: list[str], separator: str | None, values: dict) -> None:
    if key in result:
        raise _CellError(f"“{_join(item, separator)}” repeats an earlier item.")
    result[key] = values


def _parse_languages(cell: str, lookups: _Lookups) -> dict:
    result: dict = {}
    for item in _items(cell, None, (1,), "an ISO 639-1 code", None):
        code = _item_clean(item, None, VendorLanguage, "code", item[0])
        _unique(result, (code,), item, None, {})
    return result


def _parse_domains(cell: str, lookups: _Lookups) -> set[int]:
    result: dict = {}
    for item in _items(cell, None, (1,), "a domain code", None):
        if item[0] not in lookups.domains:
            raise _CellError(f"“{item[0]}” is not a domain code.")
        _unique(result, (lookups.domains[item[0]],), item, None, {})
    return {key[0] for key in result}


def _parse_skills(cell: str, lookups: _Lookups) -> dict:
    result: dict = {}
    for item in _items(cell, ":", (3,), "code:proficiency:years", MAX_SKILLS):
        code, proficiency, years = item
        if code not in lookups.skills:
            raise _CellError(f"“{code}” is not a skill code.")
        values = {
            "proficiency": _item_clean(item, ":", VendorSkill, "proficiency", proficiency),
            "years_experience": _item_clean(item, ":", VendorSkill, "years_experience", years),
        }
        _unique(result, (lookups.skills[code][0],), item, ":", values)
    return result


def _parse_rates(cell: str, lookups: _Lookups) -> dict:
    result: dict = {}
    for item in _items(cell, ":", (3,), "seniority:hourly_rate:currency", None):
        seniority = _item_clean(item, ":", RateCard, "seniority", item[0])
        values = {
            "hourly_rate": _item_clean(item, ":", RateCard, "hourly_rate", item[1]),
            "currency": _item_clean(item, ":", RateCard, "currency", item[2]),
        }
        _unique(result, (seniority,), item, ":", values)
    return result


def _parse_centers(cell: str, lookups: _Lookups) -> dict:
    result: dict = {}
    for item in _items(cell, "|", (4,), "country|city|time zone|headcount", MAX_CENTERS):
        country = _item_clean(item, "|", DeliveryCenter, "country", item[0])
        city = _item_clean(item, "|", DeliveryCenter, "city", item[1])
        zone = _item_clean(item, "|", DeliveryCenter, "timezone", item[2])
        if zone not in lookups.zones.get(country, ()):
            raise _CellError(f"“{_join(item, '|')}”: {zone} is not a time zone of {country}.")
        values = {"timezone": zone, "headcount": _item_clean(item, "|", DeliveryCenter, "headcount", item[3])}
        _unique(result, (country, city), item, "|", values)
    return result


def _parse_certifications(cell: str, lookups: _Lookups) -> dict:
    result: dict = {}
    for item in _items(cell, ":", (1, 2), "code:valid_until", MAX_CERTIFICATIONS):
        if item[0] not in lookups.certifications:
            raise _CellError(f"“{item[0]}” is not a certification code.")
        valid_until = _item_clean(item, ":", VendorCertification, "valid_until", item[1] if len(item) > 1 else "")
        _unique(result, (lookups.certifications[item[0]],), item, ":", {"valid_until": valid_until})
    return result


LIST_PARSERS: dict[str, Callable[[str, _Lookups], Any]] = {
    "languages": _parse_languages,
    "domains": _parse_domains,
    "skills": _parse_skills,
    "rates": _parse_rates,
    "delivery_centers": _parse_centers,
    "certifications": _parse_certifications,
}


def _parse_scalar(column: str, raw: str) -> Any:
    value = raw.strip()
    if column in BOOLEAN_COLUMNS:
        return _bool(value)
    if column in TEXT_COLUMNS and value.startswith("'"):
        value = value[1:]
    return _clean(Vendor, column, value)


def _parse_row(number: int, cells: dict[str, str], lookups: _Lookups, report: ImportReport) -> _Row | None:
    valid = True
    for column, raw in cells.items():
        try:
            _no_nul(raw)
        except ValidationError as error:
            report.add_error(number, column, _messages(error))
            valid = False
    if not valid:
        return None
    row = _Row(number=number, slug=cells["slug"].strip())
    try:
        row.slug = _clean(Vendor, "slug", row.slug)
    except _CellError as error:
        report.add_error(number, "slug", str(error))
        valid = False
    for column, raw in cells.items():
        if column == "slug":
            continue
        try:
            if column == "domains":
                row.domains = _parse_domains(raw, lookups)
            elif column in LIST_PARSERS:
                row.lists[column] = LIST_PARSERS[column](raw, lookups)
            else:
                row.fields[column] = _parse_scalar(column, raw)
        except _CellError as error:
            report.add_error(number, column, str(error))
            valid = False
    return row if valid else None


def _read(stream: Iterable[str], report: ImportReport, lookups: _Lookups, progress) -> list[_Row]:
    reader = csv.reader(stream)
    rows: list[_Row] = []
    number = 0
    try:
        header = next(reader, None)
        number = 1
        if header is None:
            report.add_error(1, "", "The file is empty: expected a header row.")
            return []
        header = [name.strip() for name in header]
        known = set(csv_columns())
        for name in header:
            if name not in known:
                report.add_error(1, name, f"Unknown column. Columns: {', '.join(csv_columns())}.")
        for name in {n for n in header if header.count(n) > 1}:
            report.add_error(1, name, "The column appears more than once.")
        for name in REQUIRED_COLUMNS:
            if name not in header:
                report.add_error(1, name, "Required column missing.")
        if not report.ok:
            return []
        first_seen: dict[str, int] = {}
        for number, cells in enumerate(reader, start=2):
            if not cells or cells == [""]:
                continue  # a blank line
            if len(cells) != len(header):
                report.add_error(number, "", f"{len(cells)} values in the row, {len(header)} columns in the header.")
                continue
            row = _parse_row(number, dict(zip(header, cells, strict=True)), lookups, report)
            if row is not None:
                if row.slug in first_seen:
                    report.add_error(number, "slug", f"{row.slug} already appears in row {first_seen[row.slug]}.")
                else:
                    first_seen[row.slug] = number
                    rows.append(row)
            if progress and number % 500 == 0:
                progress("Validating", number - 1, None)
    except csv.Error as error:
        report.add_error(number + 1, "", f"Not a readable CSV file: {error}.")
    except UnicodeDecodeError:
        report.add_error(number + 1, "", "The file is not UTF-8 text.")
    return rows


# --- import: comparing with the database and writing ---------------------------------


@dataclass
class _Existing:
    vendor: Vendor
    rows: dict[str, dict[tuple, models.Model]] = field(default_factory=dict)
    domains: dict[int, int] = field(default_factory=dict)  # expertise area id -> through row id


@dataclass
class _Plan:
    creates: list[tuple[Vendor, _Row]] = field(default_factory=list)
    updates: list[Vendor] = field(default_factory=list)
    vendor_fields: set[str] = field(default_factory=set)
    row_creates: dict[str, list[models.Model]] = field(default_factory=dict)
    row_updates: dict[str, list[models.Model]] = field(default_factory=dict)
    row_deletes: dict[str, list[models.Model]] = field(default_factory=dict)
    domain_adds: list[tuple[int, int]] = field(default_factory=list)  # (vendor id, area id)
    domain_deletes: list[int] = field(default_factory=list)  # through row ids


def _load_existing(slugs: list[str], *, lock: bool) -> dict[str, _Existing]:
    """The vendors with these slugs and all their lists: 7 queries per BATCH vendors."""
    found: dict[str, _Existing] = {}
    through = Vendor.domains.through
    for start in range(0, len(slugs), BATCH):
        queryset = Vendor.objects.filter(slug__in=slugs[start : start + BATCH]).order_by("pk")
        if lock:
            queryset = queryset.select_for_update()
        by_id = {vendor.pk: _Existing(vendor=vendor) for vendor in queryset}
        if not by_id:
            continue
        for table in TABLES:
            for row in table.model.objects.filter(vendor_id__in=by_id).order_by():
                key = tuple(getattr(row, name) for name in table.key)
                by_id[row.vendor_id].rows.setdefault(table.column, {})[key] = row
        for pk, vendor_id, area_id in through.objects.filter(vendor_id__in=by_id).values_list(
            "id", "vendor_id", "expertisearea_id"
        ):
            by_id[vendor_id].domains[area_id] = pk
        found.update({existing.vendor.slug: existing for existing in by_id.values()})
    return found


def _new_row(table: _Table, vendor_id: int, key: tuple, values: dict) -> models.Model:
    return table.model(vendor_id=vendor_id, **dict(zip(table.key, key, strict=True)), **values)


def _plan_update(row: _Row, existing: _Existing, plan: _Plan, now) -> bool:
    vendor = existing.vendor
    changed = False
    for name, value in row.fields.items():
        if getattr(vendor, name) != value:
            setattr(vendor, name, value)
            plan.vendor_fields.add(name)
            if name == "verified":
                vendor.verified_at = now if value else None
                plan.vendor_fields.add("verified_at")
            changed = True
    for table in TABLES:
        if table.column not in row.lists:
            continue
        wanted = row.lists[table.column]
        current = existing.rows.get(table.column, {})
        for key in current.keys() - wanted.keys():
            plan.row_deletes.setdefault(table.column, []).append(current[key])
            changed = True
        for key in sorted(wanted.keys() - current.keys()):
            plan.row_creates.setdefault(table.column, []).append(_new_row(table, vendor.pk, key, wanted[key]))
            changed = True
        for key in wanted.keys() & current.keys():
            stored = current[key]
            if any(getattr(stored, name) != value for name, value in wanted[key].items()):
                for name, value in wanted[key].items():
                    setattr(stored, name, value)
                plan.row_updates.setdefault(table.column, []).append(stored)
                changed = True
    if row.domains is not None and row.domains != existing.domains.keys():
        plan.domain_adds += [(vendor.pk, area) for area in sorted(row.domains - existing.domains.keys())]
        plan.domain_deletes += [existing.domains[area] for area in existing.domains.keys() - row.domains]
        changed = True
    return changed


def _check_inactive_skills(row: _Row, existing: _Existing | None, lookups: _Lookups, report: ImportReport) -> None:
    """The profile form offers active skills, plus inactive ones the vendor already has."""
    wanted = row.lists.get("skills", {})
    kept = set(existing.rows.get("skills", {})) if existing else set()
    for (skill_id,) in wanted:
        if skill_id in lookups.inactive_skills and (skill_id,) not in kept:
            report.add_error(row.number, "skills", f"“{lookups.inactive_skills[skill_id]}” is no longer offered.")


def _history_deletes(table: _Table, rows: list[models.Model], *, actor, now) -> None:
    """Deletion records ("-") as simple-history's post_delete writes them, in bulk."""
    history = table.model.history.model
    history.objects.bulk_create(
        [
            history(
                history_date=now,
                history_user=actor,
                history_change_reason=CHANGE_REASON,
                history_type="-",
                **{f.attname: getattr(row, f.attname) for f in history.tracked_fields},
            )
            for row in rows
        ],
        batch_size=BATCH,
    )


def _bulk_set(model: type[Vendor] | type[_ListModel], objs: Sequence[models.Model], names: list[str]) -> None:
    """Write these fields of existing rows: one UPDATE ... FROM (VALUES ...) per
    chunk. Django's bulk_update() builds a CASE WHEN per row and field, which
    takes seconds to compile for a few thousand rows."""
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    fields = [cast(models.Field, model._meta.get_field(name)) for name in names]  # names are concrete fields
    table = quote(model._meta.db_table)
    postgres = connection.vendor == "postgresql"
    if postgres:  # VALUES of literals: cast each column back to the field's type
        alias = "v(" + ", ".join(["pk", *(f"c{i}" for i in range(len(fields)))]) + ")"
        refs = ["v.pk", *(f"v.c{i}::{f.db_type(connection)}" for i, f in enumerate(fields))]
    else:  # SQLite names the columns of VALUES column1, column2, ...
        alias = "v"
        refs = [f"v.column{i + 1}" for i in range(len(fields) + 1)]
    # A concrete field always has a column (the stubs allow None for the others).
    assignments = ", ".join(f"{quote(cast(str, f.column))} = {ref}" for f, ref in zip(fields, refs[1:], strict=True))
    size = min(BATCH, 30000 // (len(fields) + 1))
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"] * len(chunk))
        params = [
            value
            for obj in chunk
            for value in (obj.pk, *(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields))
        ]
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {placeholders}) AS {alias} "  # noqa: S608 - names quoted, values parameters
            f"WHERE {table}.{quote(cast(str, model._meta.pk.column))} = {refs[0]}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _write(plan: _Plan, *, actor, now) -> None:
    through = Vendor.domains.through
    created = [vendor for vendor, _row in plan.creates]
    Vendor.objects.bulk_create(created, batch_size=BATCH)
    for vendor, row in plan.creates:
        for table in TABLES:
            for key, values in row.lists.get(table.column, {}).items():
                plan.row_creates.setdefault(table.column, []).append(_new_row(table, vendor.pk, key, values))
        plan.domain_adds += [(vendor.pk, area) for area in sorted(row.domains or ())]
    for table in TABLES:
        rows = plan.row_deletes.get(table.column)
        if rows:
            _history_deletes(table, rows, actor=actor, now=now)
            # One DELETE; the history is written above, in bulk, instead of by
            # simple-history's post_delete receiver row by row.
            deleted = table.model.objects.filter(pk__in=[row.pk for row in rows])
            deleted._raw_delete(deleted.db)
    if plan.domain_deletes:
        through.objects.filter(pk__in=plan.domain_deletes).delete()
    history = {"default_user": actor, "default_change_reason": CHANGE_REASON, "default_date": now}
    for table in TABLES:
        rows = plan.row_creates.get(table.column)
        if rows:
            bulk_create_with_history(rows, table.model, batch_size=BATCH, **history)
        rows = plan.row_updates.get(table.column)
        if rows:
            _bulk_set(table.model, rows, list(table.values))
            table.model.history.bulk_history_create(rows, batch_size=BATCH, update=True, **history)
    through.objects.bulk_create(
        [through(vendor_id=vendor_id, expertisearea_id=area) for vendor_id, area in plan.domain_adds],
        batch_size=BATCH,
    )
    if plan.updates:
        # Last, after every part: this write takes each vendor's final change number
        # (the part triggers are deferred for the whole import, see import_vendors).
        for vendor in plan.updates:
            vendor.updated_at = now
        _bulk_set(Vendor, plan.updates, sorted(plan.vendor_fields | {"updated_at"}))
    records = (Vendor.history.bulk_history_create(created, batch_size=BATCH, **history) or []) + (
        Vendor.history.bulk_history_create(plan.updates, batch_size=BATCH, update=True, **history) or []
    )
    _snapshot_domains(records)


def _snapshot_domains(records: list) -> None:
    """Each new vendor history record keeps the vendor's domains at that moment,
    as HistoricalRecords(m2m_fields=["domains"]) does on save()."""
    if not records:
        return
    snapshot = Vendor.history.model.domains.model  # HistoricalVendor_domains
    through = Vendor.domains.through
    record_of = {record.id: record.history_id for record in records}
    ids = sorted(record_of)
    for start in range(0, len(ids), BATCH):
        rows = through.objects.filter(vendor_id__in=ids[start : start + BATCH]).values_list(
            "id", "vendor_id", "expertisearea_id"
        )
        snapshot.objects.bulk_create(
            [
                snapshot(id=pk, vendor_id=vendor_id, expertisearea_id=area, history_id=record_of[vendor_id])
                for pk, vendor_id, area in rows
            ],
            batch_size=BATCH,
        )


def _new_vendor(row: _Row, now) -> Vendor:
    vendor = Vendor(slug=row.slug, **row.fields)
    if vendor.verified:
        vendor.verified_at = now
    return vendor


ProgressCallback = Callable[[str, int, int | None], None]


def vendor_csv_import(
    stream: Iterable[str], *, dry_run: bool, actor=None, progress: ProgressCallback | None = None
) -> ImportReport:
    """Validate every row of a CSV file, then (unless `dry_run` or any row is
    invalid) create and update the vendors in one transaction.

    `stream` is a text stream (open files with newline="" and encoding
    "utf-8-sig"). `progress(phase, done, total)` is called now and then.
    Returns the counts of vendors created, updated and unchanged (what would
    happen, for a dry run) and the errors; with any error nothing is written."""
    report = ImportReport(dry_run=dry_run)
    lookups = _Lookups()
    rows = _read(stream, report, lookups, progress)
    if progress:
        progress("Validating", len(rows), len(rows))
    with transaction.atomic():
        existing = _load_existing([row.slug for row in rows], lock=not dry_run and report.ok)
        for row in rows:
            _check_inactive_skills(row, existing.get(row.slug), lookups, report)
        if not report.ok:
            return report
        now = timezone.now()
        plan = _Plan()
        for row in rows:
            if row.slug not in existing:
                plan.creates.append((_new_vendor(row, now), row))
            elif _plan_update(row, existing[row.slug], plan, now):
                plan.updates.append(existing[row.slug].vendor)
            else:
                report.unchanged += 1
        report.created, report.updated = len(plan.creates), len(plan.updates)
        if dry_run or not (plan.creates or plan.updates):
            return report
        if progress:
            progress("Writing", 0, len(rows))
        for vendor in plan.updates:
            vendor._history_user = actor
        with document_touch_deferred():
            _write(plan, actor=actor, now=now)
        send_vendor_changed([vendor.pk for vendor in plan.updates], changed_at=now)
        if progress:
            progress("Writing", len(rows), len(rows))
    return report
