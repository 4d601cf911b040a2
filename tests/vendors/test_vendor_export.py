"""Vendor CSV exports: the bounded synchronous GET /api/v1/vendors/export.csv, the
background export jobs (vendors/exports/) through the API and the staff page, and why
no export can look complete when it is not. The jobs run on a real Celery worker."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.polling import wait
from tests.vendors.helpers import make_vendor
from vendors.csv_io import csv_columns, vendor_csv_export
from vendors.exports import services as exports
from vendors.models import Vendor, VendorExport

EXPORT_URL = "/api/v1/vendors/export.csv"
JOBS_URL = "/api/v1/vendors/exports/"
PAGE_URL = "/vendors/exports/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def job_url(export_id: int) -> str:
    return f"{JOBS_URL}{export_id}/"


def download_url(export_id: int) -> str:
    return f"{JOBS_URL}{export_id}/download/"


def repr_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def rows_of(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def slug_sorted_export() -> str:
    stream = io.StringIO(newline="")
    vendor_csv_export(Vendor.objects.all(), stream)
    return stream.getvalue()


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.VENDOR_EXPORT_DIR = tmp_path / "exports"
    return settings.VENDOR_EXPORT_DIR


# --- the synchronous endpoint ------------------------------------------------------------


@pytest.mark.django_db
def test_the_synchronous_export_states_its_length_row_count_and_checksum(staff_user):
    for index in range(3):
        make_vendor(f"Vendor {index}")

    response = api(staff_user).get(EXPORT_URL)

    body = body_of(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="vendors.csv"'
    assert int(response["Content-Length"]) == len(body)
    assert response["X-Row-Count"] == "3"
    assert response["Repr-Digest"] == repr_digest(body)
    assert response["X-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    assert body.decode() == slug_sorted_export()


@pytest.mark.django_db
def test_above_the_limit_the_synchronous_export_answers_409_and_names_the_job_endpoint(staff_user, settings):
    settings.VENDOR_EXPORT_SYNC_MAX_ROWS = 2
    for index in range(3):
        make_vendor(f"Vendor {index}")

    response = api(staff_user).get(EXPORT_URL)

    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["vendor_count"], body["limit"]) == (3, 2)
    assert body["exports"].endswith(JOBS_URL)
    assert "POST /api/v1/vendors/exports/" in body["detail"]


# --- who may export -----------------------------------------------------------------------


@pytest.mark.django_db
def test_only_staff_reach_the_export_jobs(owner, vendor_member, staff_user, client):
    export = VendorExport.objects.create(requested_by=staff_user)
    for user, expected in ((owner, 403), (vendor_member, 403), (UserFactory(), 403), (None, 401)):
        caller = api(user)
        assert caller.get(JOBS_URL).status_code == expected, user
        assert caller.post(JOBS_URL, {}, format="json").status_code == expected, user
        assert caller.get(job_url(export.pk)).status_code == expected, user
        assert caller.get(download_url(export.pk)).status_code == expected, user
    assert VendorExport.objects.count() == 1

    for user in (owner, vendor_member):
        client.force_login(user)
        for url in (PAGE_URL, f"{PAGE_URL}panel/", f"{PAGE_URL}{export.pk}/download/"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"{PAGE_URL}start/").status_code == 404
    assert VendorExport.objects.count() == 1
    client.logout()
    assert client.get(PAGE_URL).status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_an_unknown_field_is_a_400_and_starts_nothing(staff_user):
    response = api(staff_user).post(JOBS_URL, {"active_onyl": True}, format="json")

    assert response.status_code == 400
    assert "active_onyl" in response.json()
    assert not VendorExport.objects.exists()


# --- nothing unfinished can be downloaded ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "running", "failed"])
def test_an_unfinished_or_failed_job_is_never_downloaded(staff_user, client, export_dir, status):
    export = VendorExport.objects.create(requested_by=staff_user, status=status, rows_total=10, rows_done=4)
    export_dir.mkdir(parents=True)
    # Even with a file of that name in place (a rename that was never committed).
    (export_dir / exports.export_file_name(export.pk)).write_bytes(b"slug,name\n")

    response = api(staff_user).get(download_url(export.pk))

    assert response.status_code == 409
    assert status in response.json()["detail"]
    client.force_login(staff_user)
    page = client.get(f"{PAGE_URL}{export.pk}/download/")
    assert page.status_code == 302
    assert "Content-Disposition" not in page


@pytest.mark.django_db
def test_the_database_refuses_a_succeeded_job_without_its_count_checksum_and_file(staff_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorExport.objects.create(status="succeeded", finished_at=timezone.now(), row_count=3, size=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorExport.objects.create(
            status="succeeded", finished_at=timezone.now(), size=10, sha256="0" * 64, file_path="x.csv"
        )


@pytest.mark.django_db
def test_a_file_changed_after_the_job_is_never_served_as_it(staff_user, export_dir):
    make_vendor("Only One")
    export = exports.vendor_export_start(actor=staff_user)
    assert exports.vendor_export_execute(export_id=export.pk, task_id="inline") == "succeeded"
    path = export_dir / exports.export_file_name(export.pk)
    path.write_bytes(path.read_bytes()[:-5])

    response = api(staff_user).get(download_url(export.pk))

    assert response.status_code == 410
    assert "no longer on the server" in response.json()["detail"]


# --- claims, fencing and the sweep ----------------------------------------------------------


@pytest.mark.django_db
def test_a_writer_whose_claim_was_taken_over_neither_finishes_nor_leaves_a_file(
    staff_user, export_dir, settings, monkeypatch
):
    settings.VENDOR_EXPORT_BATCH = 1
    for index in range(3):
        make_vendor(f"Vendor {index}")
    export = exports.vendor_export_start(actor=staff_user)
    real_batches = exports.vendor_csv_batches

    def batches_then_taken_over(*args, **kwargs):
        for number, batch in enumerate(real_batches(*args, **kwargs)):
            if number == 1:  # another attempt claims the job (its lease lapsed) in the middle
                VendorExport.objects.filter(pk=export.pk).update(attempts=2, claimed_by="other-task")
            yield batch

    monkeypatch.setattr(exports, "vendor_csv_batches", batches_then_taken_over)
    outcome = exports.vendor_export_execute(export_id=export.pk, task_id="first")

    assert outcome == "claim-lost"
    export.refresh_from_db()
    assert (export.status, export.row_count, export.sha256) == ("running", None, "")
    assert list(export_dir.iterdir()) == []


@pytest.mark.django_db
def test_the_sweep_resends_lapsed_jobs_and_fails_those_out_of_attempts(staff_user, settings):
    lapsed = timezone.now() - timedelta(seconds=1)
    retry = VendorExport.objects.create(status="running", attempts=1, claimed_by="dead", claimed_until=lapsed)
    hopeless = VendorExport.objects.create(
        status="running", attempts=settings.VENDOR_EXPORT_MAX_ATTEMPTS, claimed_by="dead", claimed_until=lapsed
    )
    healthy = VendorExport.objects.create(
        status="running", attempts=1, claimed_by="alive", claimed_until=timezone.now() + timedelta(minutes=5)
    )

    report = exports.vendor_exports_sweep()

    assert (report["reclaimed"], report["failed"]) == (1, 1)
    retry.refresh_from_db()
    hopeless.refresh_from_db()
    healthy.refresh_from_db()
    assert (retry.status, retry.claimed_by) == ("pending", "")
    assert hopeless.status == "failed" and "attempts" in hopeless.error
    assert healthy.status == "running"


@pytest.mark.django_db
def test_the_sweep_deletes_exports_past_their_keep_days_with_their_files(staff_user, settings, export_dir):
    settings.VENDOR_EXPORT_KEEP_DAYS = 7
    export_dir.mkdir(parents=True)
    now = timezone.now()

    def finished(days_ago: int, status: str = "succeeded") -> VendorExport:
        export = VendorExport.objects.create(status="pending")
        name = exports.export_file_name(export.pk)
        if status == "succeeded":
            (export_dir / name).write_bytes(b"slug,name\n")
        (export_dir / f"{name}.2.part").write_bytes(b"slug")  # an earlier attempt's leftover
        fields = {"row_count": 0, "sha256": "0" * 64, "size": 10, "file_path": name} if status == "succeeded" else {}
        VendorExport.objects.filter(pk=export.pk).update(
            status=status, finished_at=now - timedelta(days=days_ago, minutes=1), **fields
        )
        return export

    old, old_failed, recent = finished(7), finished(30, "failed"), finished(6)
    working = VendorExport.objects.create(status="running", claimed_until=now + timedelta(minutes=5))

    report = exports.vendor_exports_sweep()

    assert report["expired"] == 2
    assert set(VendorExport.objects.values_list("pk", flat=True)) == {recent.pk, working.pk}
    assert sorted(path.name for path in export_dir.iterdir()) == sorted(
        [exports.export_file_name(recent.pk), f"{exports.export_file_name(recent.pk)}.2.part"]
    )
    assert api(staff_user).get(job_url(old.pk)).status_code == 404
    assert api(staff_user).get(download_url(old_failed.pk)).status_code == 404


@pytest.mark.django_db
def test_a_job_redelivered_more_often_than_allowed_fails_instead_of_looping(staff_user, settings, export_dir):
    export = VendorExport.objects.create(status="running", attempts=settings.VENDOR_EXPORT_MAX_ATTEMPTS, claimed_by="t")

    assert exports.vendor_export_execute(export_id=export.pk, task_id="t") == "gave-up"

    export.refresh_from_db()
    assert export.status == "failed" and "Gave up" in export.error


# --- with a real worker ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_exports_every_vendor_and_the_download_states_count_and_checksum(
    celery_worker, staff_user, export_dir, settings
):
    settings.VENDOR_EXPORT_BATCH = 2  # several keyset batches
    for index in range(5):
        make_vendor(f"Vendor {index}")
    make_vendor("Dormant", is_active=False)
    staff = api(staff_user)

    started = staff.post(JOBS_URL, {}, format="json")

    assert started.status_code == 202
    assert started["Location"].endswith(job_url(started.json()["id"]))
    job = wait(
        lambda: (body := staff.get(started["Location"]).json())["status"] in ("succeeded", "failed") and body,
        timeout=60,
        what="the export finished",
    )
    assert job["status"] == "succeeded", job["error"]
    assert (job["row_count"], job["rows_done"], job["rows_total"], job["progress"]) == (6, 6, 6, 100)
    assert job["requested_by"] == staff_user.username
    assert job["finished_at"] and job["started_at"] and job["created_at"]

    response = staff.get(job["download"])

    body = body_of(response)
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(body) == job["size"]
    assert response["X-Row-Count"] == "6"
    assert response["Repr-Digest"] == repr_digest(body)
    assert hashlib.sha256(body).hexdigest() == job["sha256"]
    rows = rows_of(body)
    assert list(rows[0]) == list(csv_columns())
    # The same rows as the synchronous export (which orders by slug; the job by id).
    assert sorted(rows, key=lambda row: row["slug"]) == rows_of(slug_sorted_export().encode())
    assert [row["slug"] for row in rows] == list(Vendor.objects.order_by("id").values_list("slug", flat=True))
    assert sorted(path.name for path in export_dir.iterdir()) == [exports.export_file_name(job["id"])]

    active = staff.post(JOBS_URL, {"active_only": True}, format="json").json()
    active = wait(
        lambda: (body := staff.get(job_url(active["id"])).json())["status"] == "succeeded" and body,
        timeout=60,
        what="the active-only export finished",
    )
    assert active["row_count"] == 5
    assert [job["id"] for job in staff.get(JOBS_URL).json()["results"]] == [active["id"], job["id"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_staff_page_starts_an_export_polls_it_and_links_the_download(celery_worker, staff_user, client, export_dir):
    make_vendor("Page Vendor")
    client.force_login(staff_user)

    page = client.post(f"{PAGE_URL}start/", follow=True)

    assert page.status_code == 200
    export = VendorExport.objects.get()
    assert f"Export #{export.pk} started" in page.content.decode()
    wait(lambda: VendorExport.objects.filter(pk=export.pk, status="succeeded").exists(), timeout=60, what="export")
    panel = client.get(f"{PAGE_URL}panel/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 286  # nothing left working: htmx stops polling
    html = panel.content.decode()
    assert f"{PAGE_URL}{export.pk}/download/" in html
    download = client.get(f"{PAGE_URL}{export.pk}/download/")
    body = body_of(download)
    assert download.status_code == 200
    assert download["X-Row-Count"] == "1" and download["Repr-Digest"] == repr_digest(body)


@pytest.mark.django_db
def test_the_page_polls_while_an_export_works(staff_user, client):
    VendorExport.objects.create(requested_by=staff_user, status="running", rows_total=200, rows_done=50)
    client.force_login(staff_user)

    response = client.get(PAGE_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-get="/vendors/exports/panel/"' in html and 'hx-trigger="every 2s"' in html
    assert 'value="25"' in html  # the progress bar
    assert client.get(f"{PAGE_URL}panel/").status_code == 200  # still working: keep polling
