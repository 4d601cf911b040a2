"""Delta sync: a database-kept change number that every write advances (bulk
ones included), keyset pages in change-number order that never miss or repeat
a row however many share a timestamp, tombstones for deletions and
deactivations, and a watermark that holds back numbers of transactions still
in flight. Exercised through the requirements list (kpo/api/pagination.py,
kpo/api/sync.py, kpo/change_seq.py)."""

import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import Engagement, Requirement
from kpo.models import Tombstone
from tests.engagements.helpers import engagement_for, succeeded_run
from tests.engagements.requirements.test_requirement_api import valid_payload
from tests.factories import (
    ClientMembershipFactory,
    RequirementFactory,
    RequirementSkillFactory,
    VendorFactory,
    domain,
)
from vendors.models import ExchangeRate, Vendor

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def bulk_requirements(client_org, count: int, *, stamp=None) -> list[int]:
    area = domain()
    Requirement.objects.bulk_create(
        [
            Requirement(
                client=client_org,
                title=f"Bulk {n}",
                domain=area,
                budget_hourly_rate=Decimal("50"),
                currency="EUR",
                estimated_hours=100,
                fte_needed=Decimal("1"),
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    ids = list(Requirement.objects.filter(client=client_org).order_by("id").values_list("id", flat=True))
    if stamp is not None:
        Requirement.objects.filter(id__in=ids).update(created_at=stamp, updated_at=stamp)
    return ids


def follow(user, url: str) -> tuple[list[dict], list[dict], int]:
    """Every page of a sync: (rows, tombstones, last_change_seq of the last page)."""
    rows, deleted = [], []
    client = api(user)
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        deleted += body.get("deleted", [])
        last = body.get("last_change_seq")
        url = body["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    return rows, deleted, last


def test_a_sync_pages_through_3000_requirements_sharing_one_timestamp_each_exactly_once(owner):
    client_org = owner.membership.client
    ids = bulk_requirements(client_org, 3000, stamp=timezone.now() - timedelta(days=1))
    assert Requirement.objects.filter(client=client_org).values("updated_at").distinct().count() == 1
    Requirement.objects.filter(id__in=ids[::7]).update(title="Touched in bulk")

    rows, deleted, last = follow(owner, "/api/v1/requirements/?since=0&page_size=200")

    seen = [row["id"] for row in rows]
    assert len(seen) == 3000 and set(seen) == set(ids)
    numbers = [row["change_seq"] for row in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3000
    assert deleted == []
    assert last == max(numbers)

    # Bulk updates after the sync: a sync from the last number returns exactly those rows, in order.
    changed = set(ids[100:400:3])
    Requirement.objects.filter(id__in=changed).update(status="closed")
    batch = list(Requirement.objects.filter(id__in=ids[1000:1005]))
    for requirement in batch:
        requirement.title = "Renamed by bulk_update"
    Requirement.objects.bulk_update(batch, ["title"])
    changed |= {requirement.id for requirement in batch}

    rows, _, second_last = follow(owner, f"/api/v1/requirements/?since={last}&page_size=200")

    in_change_order = Requirement.objects.filter(id__in=changed).order_by("change_seq").values_list("id", flat=True)
    assert [row["id"] for row in rows] == list(in_change_order)
    assert {row["id"] for row in rows} == changed and len(rows) == len(changed)
    assert [row["change_seq"] for row in rows] == sorted(row["change_seq"] for row in rows)
    assert all(row["change_seq"] > last for row in rows)
    assert second_last == max(row["change_seq"] for row in rows)

    rows, deleted, third_last = follow(owner, f"/api/v1/requirements/?since={second_last}")
    assert rows == [] and deleted == [] and third_last == second_last


def test_every_write_takes_a_new_higher_number_bulk_update_and_save_alike(owner):
    requirement = RequirementFactory(client=owner.membership.client)
    first = Requirement.objects.get(pk=requirement.pk).change_seq
    assert requirement.change_seq == first  # returned by the INSERT on PostgreSQL
    Requirement.objects.filter(pk=requirement.pk).update(title="bulk")
    second = Requirement.objects.get(pk=requirement.pk).change_seq
    requirement.title = "saved"
    requirement.save()
    third = Requirement.objects.get(pk=requirement.pk).change_seq
    assert first < second < third


def test_deleted_requirements_reach_the_sync_as_tombstones_in_the_same_stream(owner):
    client_org = owner.membership.client
    ids = bulk_requirements(client_org, 30)
    Requirement.objects.filter(pk=ids[0]).update(external_id="ERP-0")
    _, _, last = follow(owner, "/api/v1/requirements/?since=0")

    Requirement.objects.filter(id__in=ids[:5]).delete()
    Requirement.objects.filter(id__in=ids[5:8]).update(title="still here")

    rows, deleted, _ = follow(owner, f"/api/v1/requirements/?since={last}&page_size=2")

    assert [row["id"] for row in rows] == ids[5:8]
    assert sorted(item["id"] for item in deleted) == sorted(ids[:5])
    assert {item["reason"] for item in deleted} == {"deleted"}
    assert {item["resource"] for item in deleted} == {"requirement"}
    assert next(item for item in deleted if item["id"] == ids[0])["external_id"] == "ERP-0"
    numbers = [item["change_seq"] for item in deleted]
    assert len(set(numbers)) == 5 and min(numbers) > last


def test_a_sync_never_shows_another_organizations_tombstones(owner, outsider):
    theirs = RequirementFactory(client=outsider.membership.client)
    Requirement.objects.filter(pk=theirs.pk).delete()

    rows, deleted, _ = follow(owner, "/api/v1/requirements/?since=0")

    assert rows == [] and deleted == []
    assert Tombstone.objects.filter(resource="requirement", object_id=theirs.pk).count() == 1


def test_deactivating_a_vendor_writes_a_tombstone_and_reactivating_numbers_it_again():
    vendors = [VendorFactory() for _ in range(3)]
    first_number = vendors[0].change_seq

    Vendor.objects.filter(pk__in=[v.pk for v in vendors[:2]]).update(is_active=False)

    tombstones = list(Tombstone.objects.filter(resource="vendor"))
    assert sorted((t.object_id, t.vendor_id, t.reason) for t in tombstones) == [
        (vendors[0].pk, vendors[0].pk, "deactivated"),
        (vendors[1].pk, vendors[1].pk, "deactivated"),
    ]
    # Saving an inactive vendor again, or updating an active one, writes no tombstone.
    Vendor.objects.filter(pk=vendors[0].pk).update(is_active=False)
    Vendor.objects.filter(pk=vendors[2].pk).update(name="Renamed")
    assert Tombstone.objects.filter(resource="vendor").count() == 2

    Vendor.objects.filter(pk=vendors[0].pk).update(is_active=True)
    again = Vendor.objects.get(pk=vendors[0].pk).change_seq
    assert again > max(t.change_seq for t in tombstones) > first_number

    deleted_pk = vendors[2].pk
    vendors[2].delete()
    gone = Tombstone.objects.get(resource="vendor", object_id=deleted_pk)
    assert gone.reason == "deleted" and gone.change_seq > again


def test_deleting_an_engagement_writes_a_tombstone_scoped_to_both_parties(owner):
    requirement = RequirementFactory(client=owner.membership.client)
    engagement = engagement_for(succeeded_run(requirement, count=1).results.first())
    Engagement.objects.filter(pk=engagement.pk).delete()
    tombstone = Tombstone.objects.get(resource="engagement", object_id=engagement.pk)
    assert (tombstone.client_id, tombstone.vendor_id, tombstone.reason) == (
        engagement.client_id,
        engagement.vendor_id,
        "deleted",
    )


def test_browsing_pages_a_tie_heavy_list_by_cursor_without_repeats_or_gaps(owner):
    ids = bulk_requirements(owner.membership.client, 450, stamp=timezone.now())
    client = api(owner)

    seen, url, pages = [], "/api/v1/requirements/?page_size=100", 0
    while url:
        body = client.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 5
    assert seen == sorted(ids, reverse=True)  # newest first, by id

    second = client.get(client.get("/api/v1/requirements/?page_size=100").json()["next"]).json()
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == sorted(ids, reverse=True)[:100]


@pytest.mark.parametrize("page_size", ["201", "0", "-5", "ten", "1000"])
def test_a_page_size_outside_1_to_200_is_a_400_naming_the_limit(owner, page_size):
    response = api(owner).get(f"/api/v1/requirements/?page_size={page_size}")
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Give a whole number from 1 to 200."]}


def test_page_size_200_is_accepted_and_the_default_is_50(owner):
    bulk_requirements(owner.membership.client, 60)
    assert len(api(owner).get("/api/v1/requirements/?page_size=200").json()["results"]) == 60
    assert len(api(owner).get("/api/v1/requirements/").json()["results"]) == 50


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-01-31T08:00:00", "12"])
def test_a_bad_updated_since_is_a_400_and_changes_nothing(owner, value):
    response = api(owner).get("/api/v1/requirements/", {"updated_since": value})
    assert response.status_code == 400
    assert set(response.json()) == {"updated_since"}


@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_a_bad_since_is_a_400(owner, value):
    response = api(owner).get("/api/v1/requirements/", {"since": value})
    assert response.status_code == 400
    assert set(response.json()) == {"since"}


def test_updated_since_filters_by_time_and_pages_by_change_number(owner):
    client_org = owner.membership.client
    old = bulk_requirements(client_org, 3, stamp=timezone.now() - timedelta(days=3))
    recent = RequirementFactory(client=client_org)

    # An unencoded "+" arrives as a space: accepted.
    since = (timezone.now() - timedelta(days=1)).replace(microsecond=0).isoformat()
    raw = api(owner).get(f"/api/v1/requirements/?updated_since={since}").json()
    encoded = api(owner).get("/api/v1/requirements/", {"updated_since": since}).json()

    assert [row["id"] for row in raw["results"]] == [recent.pk]
    assert [row["id"] for row in encoded["results"]] == [recent.pk]
    assert raw["deleted"] == [] and raw["last_change_seq"] >= recent.change_seq
    assert old  # three rows older than the window stay out


def test_the_external_id_is_written_read_filtered_and_unique_per_organization(owner, outsider):
    ExchangeRate.objects.get_or_create(currency="EUR", defaults={"rate_to_base": Decimal("1.1")})
    created = api(owner).post("/api/v1/requirements/", valid_payload(external_id="PO-1001"), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["external_id"] == "PO-1001"
    assert created.json()["change_seq"] == Requirement.objects.get(pk=created.json()["id"]).change_seq
    RequirementFactory(client=owner.membership.client, external_id="PO-1002")

    listed = api(owner).get("/api/v1/requirements/", {"external_id": "PO-1001"}).json()["results"]
    assert [row["id"] for row in listed] == [created.json()["id"]]

    duplicate = api(owner).post("/api/v1/requirements/", valid_payload(external_id="PO-1001"), format="json")
    assert duplicate.status_code == 400
    assert set(duplicate.json()) == {"external_id"}
    # Another organization may use the same id for its own requirement.
    theirs = api(outsider).post("/api/v1/requirements/", valid_payload(external_id="PO-1001"), format="json")
    assert theirs.status_code == 201

    renamed = api(owner).patch(
        f"/api/v1/requirements/{created.json()['id']}/", {"external_id": "PO-2001"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["external_id"] == "PO-2001"
    clash = api(owner).patch(f"/api/v1/requirements/{created.json()['id']}/", {"external_id": "PO-1002"}, format="json")
    assert clash.status_code == 400
    assert Requirement.objects.get(pk=created.json()["id"]).external_id == "PO-2001"


@pytest.mark.parametrize("sync", [False, True])
def test_the_list_costs_the_same_queries_for_a_page_of_5_or_of_50(owner, django_assert_num_queries, sync):
    client_org = owner.membership.client
    for _ in range(50):
        RequirementSkillFactory(requirement=RequirementFactory(client=client_org))
    Requirement.objects.filter(pk__in=Requirement.objects.filter(client=client_org)[:3]).delete()
    client = api(owner)
    suffix = "&since=0" if sync else ""
    # membership, rows, their skills, skills, certifications; sync: + membership, watermark, tombstones
    expected = 8 if sync else 5
    with django_assert_num_queries(expected):
        small = client.get(f"/api/v1/requirements/?page_size=5{suffix}").json()
    with django_assert_num_queries(expected):
        large = client.get(f"/api/v1/requirements/?page_size=50{suffix}").json()
    # Sync pages count live rows and tombstones together (the 3 deletions come last).
    assert len(small["results"]) + len(small.get("deleted", [])) == 5
    assert (len(large["results"]), len(large.get("deleted", []))) == ((47, 3) if sync else (47, 0))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sync_holds_back_numbers_above_a_transaction_still_in_flight():
    """Transaction A takes a number, B takes a higher one and commits first: a
    sync must not hand out B's number before A's row is visible, or a client
    storing it would never see A's row."""
    manager = ClientMembershipFactory().user
    client_org = manager.membership.client
    slow, fast = RequirementFactory(client=client_org), RequirementFactory(client=client_org)
    _, _, start = follow(manager, "/api/v1/requirements/?since=0")

    numbered, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                Requirement.objects.filter(pk=slow.pk).update(title="slow")
                numbered.set()
                release.wait(timeout=30)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert numbered.wait(timeout=30)
        Requirement.objects.filter(pk=fast.pk).update(title="fast")  # higher number, committed first
        assert Requirement.objects.get(pk=fast.pk).change_seq > start

        rows, _, held = follow(manager, f"/api/v1/requirements/?since={start}")
        assert rows == []  # the fast row's number is above the slow one still in flight
        assert held == start
    finally:
        release.set()
        assert done.wait(timeout=30)
        thread.join()

    rows, _, last = follow(manager, f"/api/v1/requirements/?since={held}")
    assert [row["id"] for row in rows] == [slow.pk, fast.pk]
    assert last == Requirement.objects.get(pk=fast.pk).change_seq


SQLITE_PROBE = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from kpo.models import Tombstone
from vendors.models import Vendor
Vendor.objects.bulk_create([Vendor(name=f"V{n}", slug=f"sqlite-v{n}", headquarters_country="DE") for n in range(3)])
before = list(Vendor.objects.order_by("id").values_list("change_seq", flat=True))
Vendor.objects.update(description="bulk")
after = list(Vendor.objects.order_by("id").values_list("change_seq", flat=True))
Vendor.objects.filter(slug="sqlite-v0").update(is_active=False)
Vendor.objects.filter(slug="sqlite-v1").delete()
print(json.dumps({"before": before, "after": after,
                  "tombstones": list(Tombstone.objects.order_by("change_seq").values_list("reason", "change_seq"))}))
"""


@pytest.mark.django_db(databases=[])
def test_on_sqlite_the_migrations_install_triggers_that_number_bulk_updates_and_write_tombstones(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    environment.update(DATABASE_URL=f"sqlite:///{tmp_path / 'sync.sqlite3'}", DJANGO_SETTINGS_MODULE="kpo.settings")
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_PROBE],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(set(probe["before"])) == 3 and len(set(probe["after"])) == 3
    assert min(probe["after"]) > max(probe["before"])
    assert [reason for reason, _ in probe["tombstones"]] == ["deactivated", "deleted"]
    assert probe["tombstones"][0][1] > max(probe["after"])
