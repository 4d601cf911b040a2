"""A vendor export whose worker is killed (SIGKILL) in the middle of writing: the message
comes back (acks_late + reject_on_worker_lost), the next attempt starts the file again and
finishes with the right count and checksum; killed every time, the job fails after the
attempt limit. Never a succeeded job with a partial file. A real worker process (prefork),
as tests/reliability does; these run with the `reliability` marker, after the rest."""

from __future__ import annotations

import contextlib
import hashlib
import os

import pytest
from django.conf import settings
from django.db import connection

from tests.harness.services import database_url
from tests.polling import wait
from tests.reliability.conftest import WorkerProcess
from vendors.exports import services as exports
from vendors.models import Vendor, VendorExport

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VENDORS = 3000


@pytest.fixture
def export_worker(tmp_path, settings):
    """A worker process on the test database, writing exports to tmp_path in small batches
    (so an export lasts long enough to be killed in the middle)."""
    from kpo.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "matching"):
            with contextlib.suppress(Exception):  # the queue may not exist yet
                conn.default_channel.queue_purge(queue)
    settings.VENDOR_EXPORT_DIR = tmp_path
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kpo.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "VENDOR_EXPORT_DIR": str(tmp_path),
        "VENDOR_EXPORT_BATCH": "10",
    }
    started: list[WorkerProcess] = []

    def start(name: str) -> WorkerProcess:
        worker = WorkerProcess(name, env)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
    connection.close()


@pytest.fixture
def many_vendors():
    Vendor.objects.bulk_create(
        Vendor(name=f"Vendor {index:05d}", slug=f"vendor-{index:05d}", headquarters_country="IN")
        for index in range(VENDORS)
    )


def writing(export_id: int, attempt: int) -> bool:
    return VendorExport.objects.filter(pk=export_id, status="running", attempts=attempt, rows_done__gt=0).exists()


def test_an_export_whose_worker_is_killed_mid_file_is_redone_and_succeeds_whole(export_worker, many_vendors, tmp_path):
    worker = export_worker("export-killed-once")
    export = exports.vendor_export_start(actor=None)
    wait(lambda: writing(export.pk, 1), timeout=60, what="the export is writing")
    worker.kill_child()

    export = wait(
        lambda: VendorExport.objects.filter(pk=export.pk, status__in=["succeeded", "failed"]).first(),
        timeout=120,
        what="the export finished",
    )
    assert export.status == "succeeded", export.error
    assert export.attempts == 2
    assert export.row_count == VENDORS
    body = (tmp_path / export.file_path).read_bytes()
    assert (len(body), hashlib.sha256(body).hexdigest()) == (export.size, export.sha256)
    assert body.count(b"\n") == VENDORS + 1
    assert sorted(path.name for path in tmp_path.iterdir()) == [export.file_path]  # no partial file left


def test_an_export_killed_every_time_fails_and_is_never_downloadable(export_worker, many_vendors, tmp_path):
    worker = export_worker("export-killed-always")
    export = exports.vendor_export_start(actor=None)
    for attempt in range(1, settings.VENDOR_EXPORT_MAX_ATTEMPTS + 1):
        wait(lambda attempt=attempt: writing(export.pk, attempt), timeout=60, what=f"attempt {attempt} writing")
        worker.kill_child()

    export = wait(
        lambda: VendorExport.objects.filter(pk=export.pk, status="failed").first(), timeout=120, what="failed"
    )
    assert "Gave up" in export.error
    assert (export.row_count, export.sha256, export.file_path) == (None, "", "")
    assert list(tmp_path.iterdir()) == []  # neither a file nor a partial one
