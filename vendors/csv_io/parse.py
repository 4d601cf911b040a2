"""The vendor CSV import, first half: reading the file and validating every row.

``_read`` checks the header and turns each row into a ``_Row`` (the vendor's
fields and lists, converted and checked by the model fields' own validators
and the taxonomy codes in ``_Lookups``), collecting every problem as a
``RowError`` in the ``ImportReport`` instead of stopping at the first. ``TABLES``
describes how each list column is stored; nothing here reads or writes the
vendors themselves (``importer.py`` compares and writes).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models

from kpo.codes import country_timezones
from vendors.csv_io.columns import (
    BOOLEAN_COLUMNS,
    MAX_CENTERS,
    MAX_CERTIFICATIONS,
    MAX_REPORTED_ERRORS,
    MAX_SKILLS,
    REQUIRED_COLUMNS,
    SPECIAL,
    TEXT_COLUMNS,
    csv_columns,
)
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)

_no_nul = ProhibitNullCharactersValidator()


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
