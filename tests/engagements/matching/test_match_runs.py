"""Match runs end to end against the real Redis broker and a real Celery worker:
enqueued after commit, claimed once, redelivery-safe, swept when stuck, and the
fanned-out (chunked) ranking identical to the single-task one."""

import time
from datetime import date, timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.demo import seed_demo
from engagements.matching import runs
from engagements.models import (
    ClientOrganization,
    MatchResult,
    MatchRun,
    MatchRunChunk,
    Membership,
    Requirement,
    RequirementSkill,
)
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import VendorFactory
from tests.openapi import assert_matches_component
from vendors.models import ExpertiseArea, Skill, Vendor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for_run(run_id: int, *, timeout: float = 60.0) -> MatchRun:
    """Poll until the run is finished (a deadline for the wait, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = MatchRun.objects.get(pk=run_id)
        if run.status in ("succeeded", "failed"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} still {MatchRun.objects.get(pk=run_id).status} at the deadline")


@pytest.fixture
def pool():
    """80 demo vendors, and a loose data-analytics requirement most of them can meet."""
    seed_demo(seed=5, vendors=80, today=date(2026, 11, 27))
    client = ClientOrganization.objects.get(slug="banca-aurora")
    domain = ExpertiseArea.objects.get(code="data_analytics")
    for vendor in Vendor.objects.exclude(domains=domain):
        vendor.domains.add(domain)
    requirement = Requirement.objects.create(
        client=client,
        title="Analytics pool",
        domain=domain,
        budget_hourly_rate=Decimal("50"),
        currency="EUR",
        estimated_hours=500,
        fte_needed=Decimal("1"),
        start_date=date(2026, 12, 7),
    )
    RequirementSkill.objects.create(requirement=requirement, skill=Skill.objects.get(code="sql"), min_proficiency=2)
    RequirementSkill.objects.create(requirement=requirement, skill=Skill.objects.get(code="bi-dashboards"), weight=2)
    return requirement


def ranking(run: MatchRun) -> list[tuple]:
    return list(
        MatchResult.objects.filter(run=run).order_by("rank").values_list("rank", "vendor_id", "score", "components")
    )


def test_a_run_requested_through_the_api_is_scored_by_the_worker(celery_worker, pool):
    manager = Membership.objects.get(client=pool.client).user
    api = APIClient()
    api.force_authenticate(manager)

    response = api.post(f"/api/v1/requirements/{pool.pk}/match-runs/")
    assert response.status_code == 202
    run = wait_for_run(response.json()["id"])
    assert run.status == "succeeded", run.error

    body = api.get(response["Location"]).json()
    assert body["status"] == "succeeded" and body["progress"] == 100
    assert body["candidates_total"] == Vendor.objects.filter(is_active=True).count()
    assert body["candidates_eligible"] + sum(body["exclusions"].values()) == body["candidates_total"]
    results = body["results"]
    assert results, body["summary"]
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    first = results[0]
    assert set(first) == {
        "rank",
        "vendor",
        "score",
        "components",
        "estimated_cost",
        "estimated_savings",
        "matched_skills",
        "missing_skills",
        "flags",
    }
    assert set(first["vendor"]) == {"id", "slug", "name"}
    assert set(first["components"]) == {"expertise", "cost", "location", "quality", "capacity"}
    assert first["estimated_cost"]["currency"] == "EUR"
    assert body["parameters"]["scoring_version"]
    assert body["parameters"]["weights"]["expertise"] > 0


def test_the_same_data_gives_the_same_ranking(pool):
    first = MatchRun.objects.create(requirement=pool)
    second = MatchRun.objects.create(requirement=pool)
    assert runs.match_run_execute(run_id=first.pk, task_id="a") == "succeeded"
    assert runs.match_run_execute(run_id=second.pk, task_id="b") == "succeeded"
    assert ranking(first) == ranking(second)
    assert len(ranking(first)) > 10


def test_a_redelivered_task_replaces_results_instead_of_duplicating_them(pool):
    run = MatchRun.objects.create(requirement=pool)
    assert runs.match_run_execute(run_id=run.pk, task_id="task-1") == "succeeded"
    expected = ranking(run)
    # The worker died after writing but before acknowledging: the message comes back.
    MatchRun.objects.filter(pk=run.pk).update(status="running", claimed_until=timezone.now() + timedelta(minutes=5))
    assert runs.match_run_execute(run_id=run.pk, task_id="task-1") == "succeeded"
    run.refresh_from_db()
    assert ranking(run) == expected
    assert run.attempts == 2


def test_a_second_message_for_a_claimed_run_does_nothing(pool):
    run = MatchRun.objects.create(requirement=pool)
    MatchRun.objects.filter(pk=run.pk).update(
        status="running", claimed_by="task-1", claimed_until=timezone.now() + timedelta(minutes=5), attempts=1
    )
    assert runs.match_run_execute(run_id=run.pk, task_id="task-2") == "not-claimed"
    run.refresh_from_db()
    assert (run.status, run.claimed_by, run.attempts) == ("running", "task-1", 1)
    assert not run.results.exists()


def test_a_run_killed_every_time_fails_instead_of_looping(pool, settings):
    run = MatchRun.objects.create(requirement=pool)
    MatchRun.objects.filter(pk=run.pk).update(
        status="running",
        claimed_by="task-1",
        claimed_until=timezone.now() + timedelta(minutes=5),
        attempts=settings.MATCH_MAX_ATTEMPTS,
    )
    assert runs.match_run_execute(run_id=run.pk, task_id="task-1") == "gave-up"
    run.refresh_from_db()
    assert run.status == "failed"
    assert "Gave up" in run.error
    assert run.finished_at is not None


def test_the_sweeper_gives_a_lapsed_claim_back_to_a_worker(celery_worker, pool):
    run = MatchRun.objects.create(requirement=pool)
    MatchRun.objects.filter(pk=run.pk).update(
        status="running", claimed_by="dead-task", claimed_until=timezone.now() - timedelta(seconds=1), attempts=1
    )
    report = runs.match_runs_sweep()
    assert report["reclaimed"] == 1
    run = wait_for_run(run.pk)
    assert run.status == "succeeded", run.error
    assert run.attempts == 2


def test_the_sweeper_fails_a_lapsed_run_out_of_attempts(pool, settings):
    run = MatchRun.objects.create(requirement=pool)
    MatchRun.objects.filter(pk=run.pk).update(
        status="running",
        claimed_by="dead-task",
        claimed_until=timezone.now() - timedelta(seconds=1),
        attempts=settings.MATCH_MAX_ATTEMPTS,
    )
    assert runs.match_runs_sweep()["failed"] == 1
    run.refresh_from_db()
    assert run.status == "failed"


def test_a_run_requested_while_the_broker_is_down_is_not_lost(celery_worker, pool):
    from kpo.celery import app

    manager = Membership.objects.get(client=pool.client).user
    api = APIClient()
    api.force_authenticate(manager)
    # A real client against a closed port. (Celery reads CELERY_BROKER_URL from the
    # environment before its config, so the write URL is the one to point elsewhere.)
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        response = api.post(f"/api/v1/requirements/{pool.pk}/match-runs/")
    finally:
        app.conf.broker_write_url = None
        app._pool = None
        app.amqp._producer_pool = None
    assert response.status_code == 202
    run = MatchRun.objects.get(pk=response.json()["id"])
    assert (run.status, run.dispatched_at) == ("pending", None)

    MatchRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert runs.match_runs_sweep()["resent"] == 1
    assert wait_for_run(run.pk).status == "succeeded"


def test_a_chunked_run_ranks_exactly_like_a_single_task_run(celery_worker, pool, settings):
    single = MatchRun.objects.create(requirement=pool)
    assert runs.match_run_execute(run_id=single.pk, task_id="single") == "succeeded"

    settings.MATCH_CHUNK_SIZE = 15
    settings.MATCH_TOP_K = 20
    chunked = runs.match_run_create(requirement=pool)
    chunked = wait_for_run(chunked.pk)
    assert chunked.status == "succeeded", chunked.error
    assert chunked.chunk_total >= 4
    assert chunked.chunks_done == chunked.chunk_total
    assert ranking(chunked) == ranking(single)[:20]
    single.refresh_from_db()
    assert (chunked.candidates_total, chunked.candidates_eligible, chunked.exclusions) == (
        single.candidates_total,
        single.candidates_eligible,
        single.exclusions,
    )


def test_a_lost_chunk_is_sent_again_and_the_run_completes(request, pool, settings):
    settings.MATCH_CHUNK_SIZE = 15
    run = MatchRun.objects.create(requirement=pool)
    # Fan out with no worker listening, then lose every chunk message.
    assert runs.match_run_execute(run_id=run.pk, task_id="orchestrator") == "fanned-out"
    from kpo.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("matching")
    MatchRunChunk.objects.filter(run=run).update(dispatched_at=timezone.now() - timedelta(minutes=5))

    request.getfixturevalue("celery_worker")
    report = runs.match_runs_sweep()
    assert report["chunks_resent"] == MatchRunChunk.objects.filter(run=run).count() > 1
    run = wait_for_run(run.pk)
    assert run.status == "succeeded", run.error

    settings.MATCH_CHUNK_SIZE = 100000
    single = MatchRun.objects.create(requirement=pool)
    runs.match_run_execute(run_id=single.pk, task_id="single")
    assert ranking(run) == ranking(single)


def test_a_run_over_an_empty_pool_succeeds_with_no_results_and_says_why(pool):
    Vendor.objects.update(is_active=False)
    run = MatchRun.objects.create(requirement=pool)
    assert runs.match_run_execute(run_id=run.pk, task_id="t") == "succeeded"
    run.refresh_from_db()
    assert (run.status, run.candidates_total, run.candidates_eligible) == ("succeeded", 0, 0)
    assert not run.results.exists()
    assert "no active vendors" in run.summary


def test_exclusions_are_counted_by_their_first_failing_reason(pool):
    RequirementSkill.objects.filter(requirement=pool, skill__code="bi-dashboards").update(
        must_have=True, min_proficiency=4
    )
    pool.languages = ["it"]
    pool.save()
    run = MatchRun.objects.create(requirement=pool)
    runs.match_run_execute(run_id=run.pk, task_id="t")
    run.refresh_from_db()
    assert run.exclusions.get("missing_must_have_skill", 0) > 0
    assert run.candidates_eligible + sum(run.exclusions.values()) == run.candidates_total
    for result in run.results.all():
        assert {"skill": "bi-dashboards"}.items() <= next(
            row for row in result.matched_skills if row["skill"] == "bi-dashboards"
        ).items()


def test_why_not_explains_ranked_excluded_and_unlisted_vendors(pool, settings):
    settings.MATCH_TOP_K = 3
    outsider_domain = Vendor.objects.filter(is_active=True).first()
    outsider_domain.domains.clear()
    run = MatchRun.objects.create(requirement=pool)
    runs.match_run_execute(run_id=run.pk, task_id="t")
    run.refresh_from_db()
    manager = Membership.objects.get(client=pool.client).user
    api = APIClient()
    api.force_authenticate(manager)

    top = run.results.get(rank=1)
    answer = api.get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": top.vendor.slug}).json()
    assert (answer["status"], answer["rank"]) == ("ranked", 1)

    answer = api.get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": outsider_domain.pk}).json()
    assert answer == {"vendor": outsider_domain.pk, "status": "excluded", "reason": "domain_not_covered"}

    listed = set(run.results.values_list("vendor_id", flat=True))
    unlisted = Vendor.objects.filter(is_active=True, domains__code="data_analytics").exclude(pk__in=listed).first()
    answer = api.get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": unlisted.pk}).json()
    if answer["status"] == "below_shortlist":
        assert answer["score"] <= answer["cutoff_score"]
        assert set(answer["explanation"]["components"]) == {"expertise", "cost", "location", "quality", "capacity"}
    else:
        assert answer["status"] == "excluded" and answer["reason"]

    assert api.get(f"/api/v1/match-runs/{run.pk}/why-not/").status_code == 400
    assert api.get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": "no-such-vendor"}).status_code == 404


def test_why_not_treats_a_deactivated_vendor_as_the_directory_does(owner, staff_user):
    listed = VendorFactory()
    run = succeeded_run(requirement_for(owner), vendors=[listed])
    hidden = VendorFactory(is_active=False)
    Vendor.objects.filter(pk=listed.pk).update(is_active=False)  # deactivated after the run
    url = f"/api/v1/match-runs/{run.pk}/why-not/"
    client = APIClient()
    client.force_authenticate(owner)
    # Never revealed to a client: 404 by id and by slug, like its directory page.
    assert client.get(url, {"vendor": hidden.pk}).status_code == 404
    assert client.get(url, {"vendor": hidden.slug}).status_code == 404
    assert client.get(f"/api/v1/vendors/{hidden.pk}/").status_code == 404
    # One the run's shortlist names is no secret.
    assert client.get(url, {"vendor": listed.pk}).json()["status"] == "ranked"
    client.force_authenticate(staff_user)
    assert client.get(url, {"vendor": hidden.pk}).json() == {
        "vendor": hidden.pk,
        "status": "excluded",
        "reason": "inactive",
    }


def test_a_scored_run_matches_its_documented_schema(pool, settings):
    """Every result field is typed in the OpenAPI schema (money, components,
    skills, flags): a real run's answer must fit it exactly."""
    settings.MATCH_TOP_K = 10
    run = MatchRun.objects.create(requirement=pool)
    runs.match_run_execute(run_id=run.pk, task_id="t")
    manager = Membership.objects.get(client=pool.client).user
    api = APIClient()
    api.force_authenticate(manager)

    body = api.get(f"/api/v1/match-runs/{run.pk}/").json()

    assert body["status"] == "succeeded" and len(body["results"]) == 10
    assert any(result["flags"] for result in body["results"])  # the flags' shapes are checked too
    assert any(result["missing_skills"] for result in body["results"]) or any(
        result["matched_skills"] for result in body["results"]
    )
    assert_matches_component(body, "MatchRun")
    broken = {**body, "results": [{**body["results"][0], "estimated_cost": {"amount": 1}}]}
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_component(broken, "MatchRun")
    undocumented = {**body, "results": [{**body["results"][0], "explanation": {}}]}
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_component(undocumented, "MatchRun")
