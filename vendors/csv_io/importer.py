"""The vendor CSV import, second half: comparing the rows with the database and writing.

``vendor_csv_import`` reads and validates the file (``parse.py``), loads the
existing vendors with their lists (``_load_existing``), plans the creates,
updates and deletes (``_Plan``, ``_plan_update``) and, unless it is a dry run or
any row is invalid, writes them in one transaction with bulk statements and
history records (``_write``, ``_bulk_set``), then sends one ``vendor_changed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from django.db import connections, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kpo.change_seq import document_touch_deferred
from vendors.csv_io.columns import BATCH, CHANGE_REASON
from vendors.csv_io.parse import TABLES, ImportReport, _ListModel, _Lookups, _read, _Row, _Table
from vendors.models import Vendor
from vendors.search import write_documents
from vendors.signals import send_vendor_changed


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
    # New vendors: their documents were written at their INSERT, before their parts.
    write_documents([vendor.pk for vendor in created])
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
