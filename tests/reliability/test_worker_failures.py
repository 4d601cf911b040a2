"""What happens to match runs when the worker dies or Redis restarts.

A worker child killed with SIGKILL mid-run: acks_late + reject_on_worker_lost
put the message back, the same task id takes the run over, and it completes
once, without duplicate results. Killed every time: the attempt counter fails
the run instead of looping. The whole worker killed (main process and pool, as an
OOM kill or a lost node does): nothing puts the message back, the run's claim
lapses when its heartbeat stops, and beat's sweeper hands the run to a second
worker, which finishes it once. Redis restarted: the worker reconnects and keeps
consuming (a Redis of the test's own: tests/harness/services.py)."""

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from engagements.demo import seed_demo
from engagements.matching import runs
from engagements.models import ClientOrganization, MatchRun, Requirement, RequirementSkill
from tests.polling import wait
from vendors.models import ExpertiseArea, Skill, Vendor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def requirement():
    seed_demo(seed=9, vendors=2500, today=date(2026, 11, 27))
    domain = ExpertiseArea.objects.get(code="finance")
    through = Vendor.domains.through
    through.objects.bulk_create(
        [
            through(vendor_id=pk, expertisearea_id=domain.pk)
            for pk in Vendor.objects.exclude(domains=domain).values_list("pk", flat=True)
        ]
    )
    requirement = Requirement.objects.create(
        client=ClientOrganization.objects.get(slug="banca-aurora"),
        title="Reliability",
        domain=domain,
        budget_hourly_rate=Decimal("60"),
        currency="EUR",
        estimated_hours=100,
        fte_needed=Decimal("1"),
    )
    RequirementSkill.objects.create(requirement=requirement, skill=Skill.objects.get(code="fpa"))
    return requirement


def running(run_id: int) -> bool:
    run = MatchRun.objects.get(pk=run_id)
    return run.status == "running" and run.progress > 0


def test_a_run_whose_worker_is_killed_mid_run_is_redelivered_and_completes_once(worker_process, requirement):
    worker = worker_process("killed-once")
    run = runs.match_run_create(requirement=requirement)
    wait(lambda: running(run.pk), timeout=60, what="run started")
    worker.kill_child()

    run = wait(
        lambda: MatchRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=120,
        what="run finished",
    )
    assert run.status == "succeeded", run.error
    assert run.attempts == 2
    vendor_ids = list(run.results.values_list("vendor_id", flat=True))
    assert len(vendor_ids) == len(set(vendor_ids)) == settings.MATCH_TOP_K
    assert list(run.results.values_list("rank", flat=True).order_by("rank")) == list(range(1, settings.MATCH_TOP_K + 1))


def test_a_run_killed_every_time_fails_after_the_attempt_limit(worker_process, requirement):
    worker = worker_process("killed-always")
    run = runs.match_run_create(requirement=requirement)
    for attempt in range(1, settings.MATCH_MAX_ATTEMPTS + 1):
        wait(
            lambda attempt=attempt: MatchRun.objects.filter(
                pk=run.pk, status="running", attempts=attempt, progress__gt=0
            ).exists(),
            timeout=60,
            what=f"attempt {attempt} running",
        )
        worker.kill_child()
    run = wait(lambda: MatchRun.objects.filter(pk=run.pk, status="failed").first(), timeout=120, what="run failed")
    assert "Gave up" in run.error
    assert run.attempts == settings.MATCH_MAX_ATTEMPTS + 1
    assert not run.results.exists()


def alive(pid: int) -> bool:
    try:
        return "\tZ" not in Path(f"/proc/{pid}/status").read_text().split("State:")[1].splitlines()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False


# A claim beats every second and lapses 3 s after the last beat; beat sweeps every 2 s (the
# defaults: 10 s, 30 s and 15 s). A real `celery beat` sends the sweeps to the second worker.
FAST_CLAIMS = {"MATCH_HEARTBEAT_SECONDS": "1", "MATCH_LEASE_SECONDS": "3", "MATCH_SWEEP_SECONDS": "2"}


def test_a_run_whose_whole_worker_is_killed_is_finished_once_by_another_worker(
    worker_process, beat_process, requirement, client, settings
):
    first = worker_process("killed-whole", extra_env=FAST_CLAIMS, own_process_group=True)
    run = runs.match_run_create(requirement=requirement)
    wait(lambda: running(run.pk), timeout=60, what="run started")
    first_task = MatchRun.objects.values_list("claimed_by", flat=True).get(pk=run.pk)

    pool = first.kill_whole()
    killed_at = time.monotonic()
    wait(lambda: not any(alive(pid) for pid in [first.process.pid, *pool]), timeout=30, what="worker gone")
    assert MatchRun.objects.get(pk=run.pk).status == "running"  # nothing told the database

    # With no worker left to sweep, /readyz says so once the claim has lapsed past the grace.
    settings.MATCH_STUCK_GRACE_SECONDS = 1
    stuck = wait(lambda: client.get("/readyz").json()["checks"]["match_runs"]["stuck"], timeout=60, what="stuck")
    assert stuck == 1
    assert client.get("/readyz").status_code == 503

    beat_process("beat-sweeps", extra_env=FAST_CLAIMS)
    worker_process("takes-over", extra_env=FAST_CLAIMS)
    finished = wait(
        lambda: MatchRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=180,
        what="run finished by the second worker",
    )
    took = time.monotonic() - killed_at
    print(f"whole worker killed: run {run.pk} finished {took:.1f} s later")  # noqa: T201 - shown by -rP

    assert finished.status == "succeeded", finished.error
    assert finished.attempts == 2  # the dead worker's claim, then the second worker's
    assert finished.claimed_by not in ("", first_task)
    results = list(finished.results.order_by("rank").values_list("rank", "vendor_id", "score"))
    vendor_ids = [vendor_id for _rank, vendor_id, _score in results]
    assert len(vendor_ids) == len(set(vendor_ids)) == settings.MATCH_TOP_K
    assert [rank for rank, _vendor, _score in results] == list(range(1, settings.MATCH_TOP_K + 1))

    # Completed once: further sweeps (every 2 s) neither run nor rewrite it.
    time.sleep(6)
    again = MatchRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.finished_at) == ("succeeded", 2, finished.finished_at)
    assert list(again.results.order_by("rank").values_list("rank", "vendor_id", "score")) == results


def test_the_worker_keeps_consuming_after_redis_restarts(worker_process, private_broker, requirement):
    worker_process("redis-restart", broker_url=private_broker.url)
    first = runs.match_run_create(requirement=requirement)
    wait(lambda: MatchRun.objects.filter(pk=first.pk, status="succeeded").exists(), timeout=120, what="first run")

    private_broker.restart()

    second = runs.match_run_create(requirement=requirement)
    finished = wait(
        lambda: MatchRun.objects.filter(pk=second.pk, status__in=["succeeded", "failed"]).first(),
        timeout=120,
        what="the worker consumed a run sent after the restart",
    )
    assert finished.status == "succeeded", finished.error
