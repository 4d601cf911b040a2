"""Vendor exports: start a job, run it in a worker, fail it, sweep the stuck ones, and the
bounded synchronous export behind GET /api/v1/vendors/export.csv.

Why no export can look complete when it is not:
- A job writes to a temporary file of its own attempt, counting rows and hashing the bytes
  as they go, fsyncs it, then (under a lock on its row, only while its claim still holds)
  renames it into place and marks the row succeeded with the count, SHA-256 and size in the
  same transaction. A database constraint refuses a succeeded row without them. A download
  is served only from a succeeded row, with Content-Length, the count and the digest.
- The row is the outbox: it is created pending and its task sent after commit; the sweeper
  resends it when the broker lost it.
- A task claims the row with one conditional UPDATE that counts an attempt (the same
  message redelivered after its worker died may take it over; another may not while the
  lease holds). The attempt number fences the writer: progress and the final rename need
  `attempts` to be still its own, so a writer whose claim was taken over stops and deletes
  its file. A job killed VENDOR_EXPORT_MAX_ATTEMPTS times fails instead of looping.
- A retry starts the file again from the first vendor: nothing of a dead attempt is reused.
- The synchronous export renders the whole file before the first byte is sent (a spooled
  temporary file) and answers with Content-Length: cut off by a timeout, the client gets
  an error or a short body that HTTP itself reports, never a complete-looking 200.
"""

from __future__ import annotations

import base64
import csv
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from kpo.dispatch import task_send
from vendors.csv_io import DigestWriter, csv_columns, vendor_csv_batches, vendor_csv_rows
from vendors.exports.models import VendorExport, VendorExportStatus
from vendors.models import Vendor

logger = logging.getLogger(__name__)

TASK = "engagements.tasks.vendor_export_run"
REDISPATCH_AFTER = timedelta(seconds=60)  # pending this long without a worker: send again
SPOOL_BYTES = 8 * 1024 * 1024  # the synchronous export keeps up to this much in memory, then spills to disk
CONTENT_TYPE = "text/csv; charset=utf-8"


class ClaimLost(Exception):
    """Another attempt took the job over (or it was failed) while this one was writing."""


class ExportTooLarge(Exception):
    def __init__(self, vendor_count: int, limit: int):
        super().__init__(f"{vendor_count} vendors exceed the synchronous limit of {limit}.")
        self.vendor_count = vendor_count
        self.limit = limit


class ExportFileMissing(Exception):
    """A succeeded export whose file is gone or no longer the size recorded."""


def _vendors(*, active_only: bool) -> QuerySet[Vendor]:
    return Vendor.objects.filter(is_active=True) if active_only else Vendor.objects.all()


def export_directory() -> Path:
    return Path(settings.VENDOR_EXPORT_DIR)


def export_file_name(export_id: int) -> str:
    return f"vendors-export-{export_id}.csv"


def _part_path(export_id: int, attempt: int) -> Path:
    return export_directory() / f"{export_file_name(export_id)}.{attempt}.part"


def repr_digest(sha256_hex: str) -> str:
    """RFC 9530 Repr-Digest value: sha-256 as a structured-field byte sequence."""
    return "sha-256=:" + base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii") + ":"


def digest_headers(*, row_count: int, sha256_hex: str) -> dict[str, str]:
    """What a download states about its file: the vendor rows and the checksum, both as
    RFC 9530 Repr-Digest and as the older RFC 3230 Digest some clients still read."""
    encoded = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
    return {
        "X-Row-Count": str(row_count),
        "Repr-Digest": repr_digest(sha256_hex),
        "Digest": f"SHA-256={encoded}",
        "X-Content-SHA256": sha256_hex,
        "Cache-Control": "private, no-store",
    }


# -- starting -----------------------------------------------------------------------------


def vendor_export_start(*, actor, active_only: bool = False) -> VendorExport:
    """Create a pending export; its task is sent once the transaction commits."""
    with transaction.atomic():
        export = VendorExport.objects.create(requested_by=actor, active_only=active_only)
        transaction.on_commit(lambda: vendor_export_dispatch(export_id=export.pk))
    return export


def vendor_export_dispatch(*, export_id: int) -> bool:
    """Send the job's task; while the broker is down the row stays pending and the sweeper resends it."""
    if not task_send(TASK, export_id):
        return False
    VendorExport.objects.filter(pk=export_id, status=VendorExportStatus.PENDING).update(dispatched_at=timezone.now())
    return True


# -- running ------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.VENDOR_EXPORT_LEASE_SECONDS)


def _claim(export_id: int, task_id: str) -> VendorExport | None:
    now = timezone.now()
    claimed = (
        VendorExport.objects.filter(pk=export_id)
        .filter(
            Q(status=VendorExportStatus.PENDING)
            | Q(status=VendorExportStatus.RUNNING, claimed_by=task_id)
            | Q(status=VendorExportStatus.RUNNING, claimed_until__lt=now)
        )
        .update(
            status=VendorExportStatus.RUNNING,
            claimed_by=task_id,
            claimed_until=now + _lease(),
            attempts=F("attempts") + 1,
            started_at=Coalesce("started_at", now),
            rows_done=0,
        )
    )
    return VendorExport.objects.get(pk=export_id) if claimed else None


def _mine(export_id: int, attempt: int) -> QuerySet[VendorExport]:
    return VendorExport.objects.filter(pk=export_id, status=VendorExportStatus.RUNNING, attempts=attempt)


def vendor_export_fail(*, export_id: int, error: str) -> bool:
    return bool(
        VendorExport.objects.filter(
            pk=export_id, status__in=[VendorExportStatus.PENDING, VendorExportStatus.RUNNING]
        ).update(status=VendorExportStatus.FAILED, error=error[:2000], finished_at=timezone.now(), claimed_until=None)
    )


def _remove_parts(export_id: int, *, keep: Path | None = None) -> None:
    """Delete the temporary files of earlier attempts (their writers died or were fenced off)."""
    for path in export_directory().glob(f"{export_file_name(export_id)}.*.part"):
        if path != keep:
            path.unlink(missing_ok=True)


def vendor_export_execute(*, export_id: int, task_id: str) -> str:
    """The body of the export task. Returns what happened, for logs and tests."""
    export = _claim(export_id, task_id)
    if export is None:
        return "not-claimed"
    attempt = export.attempts
    if attempt > settings.VENDOR_EXPORT_MAX_ATTEMPTS:
        _remove_parts(export_id)
        vendor_export_fail(
            export_id=export_id, error=f"Gave up after {attempt - 1} attempts: the worker stopped each time."
        )
        return "gave-up"
    directory = export_directory()
    directory.mkdir(parents=True, exist_ok=True)
    part = _part_path(export_id, attempt)
    _remove_parts(export_id, keep=part)
    vendors = _vendors(active_only=export.active_only)
    _mine(export_id, attempt).update(rows_total=vendors.count())

    try:
        with part.open("wb") as raw:
            sink = DigestWriter(raw)
            writer = csv.writer(sink)
            writer.writerow(csv_columns())
            rows = 0
            for batch in vendor_csv_batches(vendors, batch=settings.VENDOR_EXPORT_BATCH):
                writer.writerows(batch)
                rows += len(batch)
                # Progress and the lease together: a fenced-off writer learns it here.
                if not _mine(export_id, attempt).update(rows_done=rows, claimed_until=timezone.now() + _lease()):
                    raise ClaimLost
            raw.flush()
            os.fsync(raw.fileno())
        _finish(export_id, attempt, part, rows=rows, sha256=sink.digest.hexdigest(), size=sink.size)
    except ClaimLost:
        part.unlink(missing_ok=True)
        return "claim-lost"
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return "succeeded"


def _finish(export_id: int, attempt: int, part: Path, *, rows: int, sha256: str, size: int) -> None:
    """Rename the finished file into place and record it, both only while the claim is ours.
    The rename comes before the commit: if the commit fails the row is not succeeded and a
    retry replaces the file; the other order could leave a succeeded row without its file."""
    final = export_directory() / export_file_name(export_id)
    with transaction.atomic():
        locked = VendorExport.objects.select_for_update().filter(pk=export_id).first()
        if locked is None or locked.status != VendorExportStatus.RUNNING or locked.attempts != attempt:
            raise ClaimLost
        os.replace(part, final)
        _fsync_directory(final.parent)
        locked.status = VendorExportStatus.SUCCEEDED
        locked.row_count = rows
        locked.rows_done = rows
        locked.sha256 = sha256
        locked.size = size
        locked.file_path = final.name
        locked.error = ""
        locked.finished_at = timezone.now()
        locked.claimed_until = None
        locked.save(
            update_fields=[
                "status",
                "row_count",
                "rows_done",
                "sha256",
                "size",
                "file_path",
                "error",
                "finished_at",
                "claimed_until",
            ]
        )


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- sweeping -----------------------------------------------------------------------------


def vendor_exports_sweep() -> dict[str, int]:
    """Periodic repair: resend exports never sent (broker down), give lapsed claims back (a
    worker died without its message coming back), fail those out of attempts; and delete the
    exports finished more than VENDOR_EXPORT_KEEP_DAYS ago, with their files (a directory of
    every vendor's data does not grow, nor linger, without end)."""
    now = timezone.now()
    report = {"resent": 0, "reclaimed": 0, "failed": 0, "expired": 0}
    stale_pending = VendorExport.objects.filter(status=VendorExportStatus.PENDING).filter(
        Q(dispatched_at__isnull=True, created_at__lt=now - REDISPATCH_AFTER)
        | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    )
    for export_id in stale_pending.values_list("id", flat=True):
        report["resent"] += vendor_export_dispatch(export_id=export_id)

    lapsed = VendorExport.objects.filter(status=VendorExportStatus.RUNNING, claimed_until__lt=now)
    for export in lapsed.only("id", "attempts"):
        if export.attempts >= settings.VENDOR_EXPORT_MAX_ATTEMPTS:
            report["failed"] += vendor_export_fail(
                export_id=export.pk, error=f"Stopped after {export.attempts} attempts without finishing."
            )
        elif VendorExport.objects.filter(pk=export.pk, status=VendorExportStatus.RUNNING, claimed_until__lt=now).update(
            status=VendorExportStatus.PENDING, claimed_by="", claimed_until=None
        ):
            report["reclaimed"] += 1
            vendor_export_dispatch(export_id=export.pk)
    for export_id in VendorExport.objects.filter(
        status=VendorExportStatus.FAILED, finished_at__gt=now - timedelta(days=1)
    ).values_list("id", flat=True):
        _remove_parts(export_id)
    report["expired"] = _expire(before=now - timedelta(days=settings.VENDOR_EXPORT_KEEP_DAYS))
    return report


def _expire(*, before) -> int:
    """Delete finished exports older than `before`: the row first (so nothing offers the file
    any more), then the file and any leftover parts."""
    expired = 0
    for export_id in VendorExport.objects.filter(
        status__in=(VendorExportStatus.SUCCEEDED, VendorExportStatus.FAILED), finished_at__lt=before
    ).values_list("id", flat=True):
        with transaction.atomic():
            gone = VendorExport.objects.filter(pk=export_id).select_for_update(skip_locked=True).first()
            if gone is None:
                continue
            file_path = gone.file_path
            gone.delete()
        if file_path:
            (export_directory() / file_path).unlink(missing_ok=True)
        _remove_parts(export_id)
        expired += 1
    return expired


# -- downloading --------------------------------------------------------------------------


def vendor_export_file(export: VendorExport) -> IO[bytes]:
    """The succeeded export's file, open for reading, after checking it is still the size
    recorded (a changed file is never served as this export)."""
    if export.status != VendorExportStatus.SUCCEEDED:
        raise ValueError("Only a succeeded export has a file.")
    path = export_directory() / export.file_path
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ExportFileMissing(str(path)) from None
    if os.fstat(handle.fileno()).st_size != export.size:
        handle.close()
        raise ExportFileMissing(str(path))
    return handle


# -- the synchronous export ----------------------------------------------------------------


@dataclass
class InlineExport:
    file: IO[bytes]
    row_count: int
    sha256: str
    size: int


def vendor_export_inline(*, limit: int | None = None) -> InlineExport:
    """Every vendor as CSV (ordered by slug, as GET /vendors/export.csv always was), rendered
    whole before anything is sent. Raises ExportTooLarge above `limit` vendors."""
    limit = settings.VENDOR_EXPORT_SYNC_MAX_ROWS if limit is None else limit
    count = Vendor.objects.count()
    if count > limit:
        raise ExportTooLarge(count, limit)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response
    sink = DigestWriter(spool)  # type: ignore[arg-type]
    writer = csv.writer(sink)
    rows = -1
    for row in vendor_csv_rows(Vendor.objects.all()):
        writer.writerow(row)
        rows += 1
    spool.seek(0)
    return InlineExport(file=spool, row_count=rows, sha256=sink.digest.hexdigest(), size=sink.size)
