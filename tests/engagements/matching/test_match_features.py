"""The match-features row a run reads on PostgreSQL (engagements migration 0012): the same
classification and features as the part tables, current after every kind of write (concurrent
ones included), read by primary-key range (plan), and a run's query count pinned."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from engagements.matching import candidates, runs
from engagements.models import MatchRun, RequirementSkill, VendorMatchFeatures
from tests.engagements.helpers import demo_pool
from tests.factories import VendorFactory
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

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the features rows are PostgreSQL's")


def stored(vendor_id: int) -> dict:
    return VendorMatchFeatures.objects.filter(vendor_id=vendor_id).values().get()


def rebuilt(vendor_id: int) -> dict:
    """The row as the refresh computes it now, from the vendor and its parts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT engagements_vendor_match_features_refresh(ARRAY[%s]::bigint[])", [vendor_id])
    return stored(vendor_id)


def both_sources(requirement, lo: int, hi: int) -> dict[str, tuple]:
    context = candidates.build_context(requirement, top_k=50, today=date(2026, 11, 27))
    resolve = candidates.SiteResolver(context)
    found = {}
    for source in (candidates.FEATURES, candidates.JOINED):
        classified = candidates.classify(context, lo, hi, source=source)
        eligible = [row for row in classified if row[1] is None]
        found[source] = (
            [row[:2] for row in classified],
            list(candidates.vendor_rows(context, lo, hi, eligible, resolve)),
        )
    return found


@pytest.mark.django_db
def test_the_features_rows_classify_and_describe_vendors_as_the_part_tables_do():
    requirement = demo_pool(vendors=60)
    sql = RequirementSkill.objects.get(requirement=requirement, skill__code="sql")
    sql.must_have, sql.min_proficiency = True, 3
    sql.save()
    requirement.languages = ["it", "en"]
    requirement.excluded_countries = ["RU"]
    requirement.fte_needed = Decimal("6")
    requirement.seniority = "mid"
    requirement.save()
    certification = Certification.objects.order_by("id").first()
    requirement.required_certifications.add(certification)
    lo, hi = Vendor.objects.order_by("id").first().pk, Vendor.objects.order_by("-id").first().pk
    # Some of every case: certified (one expired), excluded country, no rate card for "mid".
    vendors = list(Vendor.objects.order_by("id"))
    for vendor in vendors[::3]:
        VendorCertification.objects.update_or_create(
            vendor=vendor, certification=certification, defaults={"valid_until": None}
        )
    VendorCertification.objects.filter(vendor=vendors[3]).update(valid_until=date(2020, 1, 1))
    DeliveryCenter.objects.create(vendor=vendors[6], country="RU", city="Kazan", timezone="Europe/Moscow")
    RateCard.objects.filter(vendor__in=vendors[1::4], seniority="mid").delete()
    Vendor.objects.filter(pk__in=[vendor.pk for vendor in vendors[::2]]).update(available_fte=Decimal("1"))

    found = both_sources(requirement, lo, hi)

    features, joined = found[candidates.FEATURES], found[candidates.JOINED]
    assert features[0] == joined[0]
    assert features[1] == joined[1]
    reasons = {reason for _id, reason in features[0]}
    assert {None, "missing_certification", "insufficient_capacity"} <= reasons, reasons


@pytest.mark.django_db
def test_every_write_to_a_vendor_or_its_parts_reaches_its_features_row():
    demo_pool(vendors=5)
    vendor = Vendor.objects.order_by("id").first()
    domain = ExpertiseArea.objects.exclude(vendors=vendor).first()
    skill = Skill.objects.exclude(vendor_skills__vendor=vendor).first()
    writes = [
        lambda: vendor.domains.add(domain),
        lambda: vendor.domains.remove(domain),
        lambda: VendorSkill.objects.create(vendor=vendor, skill=skill, proficiency=4, years_experience=7),
        lambda: VendorSkill.objects.filter(vendor=vendor, skill=skill).update(proficiency=2),
        lambda: VendorSkill.objects.filter(vendor=vendor, skill=skill).delete(),
        lambda: DeliveryCenter.objects.create(vendor=vendor, country="MT", city="Valletta", timezone="Europe/Malta"),
        lambda: DeliveryCenter.objects.filter(vendor=vendor, city="Valletta").update(timezone="Europe/Rome"),
        lambda: DeliveryCenter.objects.filter(vendor=vendor, city="Valletta").delete(),
        lambda: VendorLanguage.objects.get_or_create(vendor=vendor, code="sw"),
        lambda: VendorLanguage.objects.filter(vendor=vendor, code="sw").delete(),
        lambda: RateCard.objects.update_or_create(
            vendor=vendor, seniority="junior", defaults={"hourly_rate": Decimal("12.50"), "currency": "PLN"}
        ),
        lambda: RateCard.objects.filter(vendor=vendor, seniority="junior").delete(),
        lambda: Vendor.objects.filter(pk=vendor.pk).update(available_fte=Decimal("3.5"), rating=Decimal("4.25")),
        lambda: Vendor.objects.filter(pk=vendor.pk).update(milestones_accepted_count=4, milestones_on_time_count=3),
        lambda: Vendor.objects.filter(pk=vendor.pk).update(is_active=False, verified=True, review_count=9),
    ]
    seen = [stored(vendor.pk)]
    for write in writes:
        write()
        now = stored(vendor.pk)
        assert now == rebuilt(vendor.pk), write
        seen.append(now)
    unchanged = [index for index, (before, after) in enumerate(zip(seen, seen[1:], strict=False)) if before == after]
    assert not unchanged, unchanged

    leaving = VendorFactory()
    VendorSkill.objects.create(vendor=leaving, skill=skill, proficiency=4)
    assert stored(leaving.pk)["skill_ids"] == [skill.pk]
    leaving.delete()
    assert not VendorMatchFeatures.objects.filter(vendor_id=leaving.pk).exists()


@pytest.mark.django_db
def test_bulk_writes_of_new_vendors_parts_reach_their_features():
    """seed_demo writes new vendors' parts without touching the vendors (document_touch_deferred)."""
    demo_pool(vendors=20)
    for vendor_id in Vendor.objects.values_list("id", flat=True):
        assert stored(vendor_id) == rebuilt(vendor_id)
    assert VendorMatchFeatures.objects.filter(skill_ids__len__gt=0).count() == 20


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writes_to_one_vendors_parts_are_both_in_its_features():
    demo_pool(vendors=3)
    vendor = Vendor.objects.order_by("id").first()
    first, second = Skill.objects.exclude(vendor_skills__vendor=vendor).order_by("id")[:2]
    first_written, second_started = threading.Event(), threading.Event()
    release_first = threading.Event()
    errors: list[BaseException] = []

    def write(skill, *, written=None, wait=None, started=None):
        try:
            with transaction.atomic():
                if started:
                    started.set()
                VendorSkill.objects.create(vendor=vendor, skill=skill, proficiency=3, years_experience=2)
                if written:
                    written.set()
                if wait:
                    assert wait.wait(30)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    one = threading.Thread(target=write, args=(first,), kwargs={"written": first_written, "wait": release_first})
    one.start()
    assert first_written.wait(30)
    two = threading.Thread(target=write, args=(second,), kwargs={"started": second_started})
    two.start()
    assert second_started.wait(30)
    # The second writer waits on the first's lock of the vendor (a deadline, not a timing).
    with connection.cursor() as cursor:
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.1)
        else:
            raise AssertionError("the second writer never waited for the first")
    release_first.set()
    one.join(30)
    two.join(30)

    assert not errors, errors
    assert {first.pk, second.pk} <= set(stored(vendor.pk)["skill_ids"])
    assert stored(vendor.pk) == rebuilt(vendor.pk)


@pytest.fixture
def thousands_of_vendors():
    """4,000 vendors (features rows by the trigger) and fresh statistics, for the plan."""
    Vendor.objects.bulk_create(
        Vendor(name=f"Vendor {number:05d}", slug=f"plan-vendor-{number}", headquarters_country="IN")
        for number in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE vendors_vendor, engagements_vendormatchfeatures")


@pytest.mark.django_db
def test_a_range_of_vendors_is_read_from_the_features_index_never_the_vendor_table(thousands_of_vendors):
    requirement = demo_pool(vendors=5)
    context = candidates.build_context(requirement, top_k=50, today=timezone.localdate())
    lo = Vendor.objects.order_by("id").values_list("id", flat=True)[100]
    sql, params = candidates.classify_sql(context, lo, lo + 199)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "vendors_vendor " not in plan, plan
    assert "engagements_vendormatchfeatures_pkey" in plan, plan


@pytest.mark.django_db
def test_a_run_issues_the_same_few_queries_whatever_the_pool_size(django_assert_num_queries, settings):
    settings.MATCH_STREAM_SIZE = 100000
    requirement = demo_pool(vendors=30)

    def execute() -> MatchRun:
        run = MatchRun.objects.create(requirement=requirement)
        assert runs.match_run_execute(run_id=run.pk, task_id=f"count-{run.pk}") == "succeeded"
        return run

    with django_assert_num_queries(RUN_QUERIES):
        execute()
    demo_pool_extra = Vendor.objects.bulk_create(
        Vendor(name=f"Late {number}", slug=f"late-{number}", headquarters_country="IT", available_fte=Decimal("9"))
        for number in range(40)
    )
    Vendor.domains.through.objects.bulk_create(
        Vendor.domains.through(vendor_id=vendor.pk, expertisearea_id=requirement.domain_id)
        for vendor in demo_pool_extra
    )
    RateCard.objects.bulk_create(
        RateCard(vendor=vendor, seniority="senior", hourly_rate=Decimal("30"), currency="EUR")
        for vendor in demo_pool_extra
    )
    DeliveryCenter.objects.bulk_create(
        DeliveryCenter(vendor=vendor, country="IT", city="Bari", timezone="Europe/Rome") for vendor in demo_pool_extra
    )
    with django_assert_num_queries(RUN_QUERIES):
        run = execute()
    run.refresh_from_db()
    assert run.candidates_total == 70


# Claim, requirement, context (skills, certifications, rates, onshore benchmark), parameters, bounds,
# one range (classify, track, missing rates), named sites of the top, progress, persist (lock,
# delete, insert, save, webhook).
RUN_QUERIES = 21
