"""A working task's claim is renewed by a heartbeat thread and lapses soon after it stops;
the sweeper hands lapsed runs on and leaves live ones alone; /readyz's count of stuck runs.

Real PostgreSQL, committed rows (the heartbeat thread has its own connection). The
heartbeat's interval is shortened to fractions of a second here; the whole-worker kill
against real worker processes is in tests/reliability/test_worker_failures.py."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from engagements.matching import runs
from engagements.matching.runs import ClaimHeartbeat
from engagements.models import MatchRun, MatchRunChunk
from tests.engagements.helpers import requirement_for
from tests.factories import RequirementFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait(predicate, *, timeout: float = 20.0, what: str):
    """Poll until true (a deadline for the wait, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout} s")


def claimed_run(*, task_id: str = "task-1", lease_seconds: float = 5, status: str = "running", **fields) -> MatchRun:
    run = MatchRun.objects.create(requirement=RequirementFactory())
    MatchRun.objects.filter(pk=run.pk).update(
        status=status,
        claimed_by=task_id,
        claimed_until=timezone.now() + timedelta(seconds=lease_seconds),
        **{"attempts": 1, **fields},
    )
    return MatchRun.objects.get(pk=run.pk)


def claimed_until(run: MatchRun):
    return MatchRun.objects.values_list("claimed_until", flat=True).get(pk=run.pk)


def heartbeat_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.endswith("-heartbeat")]


def test_the_heartbeat_renews_the_claim_while_the_task_works(settings):
    settings.MATCH_LEASE_SECONDS = 30
    run = claimed_run(lease_seconds=1)
    before = claimed_until(run)
    with ClaimHeartbeat(partial(runs._renew_run, run.pk, "task-1"), interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 3, what="three renewals")
    assert not heartbeat.alive
    renewed = claimed_until(run)
    assert renewed >= before + timedelta(seconds=25)  # now + the lease, on the database's clock
    time.sleep(0.2)
    assert claimed_until(run) == renewed  # nothing renews it once the task has left the block


def test_the_heartbeat_stops_by_itself_once_the_run_is_finished():
    run = claimed_run()
    with ClaimHeartbeat(partial(runs._renew_run, run.pk, "task-1"), interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 1, what="a renewal")
        MatchRun.objects.filter(pk=run.pk).update(status="succeeded", claimed_until=None)
        wait(lambda: not heartbeat.alive, what="the heartbeat ended")
    assert claimed_until(run) is None


def test_the_heartbeat_never_renews_a_claim_another_task_took():
    run = claimed_run(task_id="task-2", lease_seconds=5)
    before = claimed_until(run)
    with ClaimHeartbeat(partial(runs._renew_run, run.pk, "task-1"), interval=0.05) as heartbeat:
        wait(lambda: not heartbeat.alive, what="the heartbeat ended")
    assert heartbeat.renewals == 0
    assert claimed_until(run) == before


def test_the_heartbeat_closes_its_own_database_connection():
    run = claimed_run()
    backends: set[int] = set()

    def renew_and_note_the_backend() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        return runs._renew_run(run.pk, "task-1")

    with ClaimHeartbeat(renew_and_note_the_backend, interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 2, what="two renewals")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [mine] = cursor.fetchone()
    assert backends and mine not in backends  # the thread had a connection of its own

    def still_connected() -> list:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [list(backends)])
            return cursor.fetchall()

    wait(lambda: not still_connected(), what="the heartbeat's connection closed")


def test_the_heartbeat_keeps_beating_through_a_failed_renewal():
    run = claimed_run()
    calls = []

    def flaky_renew() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a database blip")
        return runs._renew_run(run.pk, "task-1")

    with ClaimHeartbeat(flaky_renew, interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 2, what="renewals after the failure")


def test_a_chunk_heartbeat_renews_the_chunk_and_its_run(settings):
    settings.MATCH_LEASE_SECONDS = 30
    run = claimed_run(lease_seconds=1, chunk_total=1)
    chunk = MatchRunChunk.objects.create(
        run=run,
        index=0,
        lo_id=1,
        hi_id=10,
        status="running",
        claimed_by="chunk-task",
        claimed_until=timezone.now() + timedelta(seconds=1),
    )
    soon = timezone.now() + timedelta(seconds=20)
    with ClaimHeartbeat(partial(runs._renew_chunk, chunk.pk, run.pk, "chunk-task"), interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 1, what="a renewal")
    chunk.refresh_from_db()
    assert chunk.claimed_until > soon
    assert claimed_until(run) > soon


def test_a_whole_run_leaves_no_heartbeat_behind_and_no_claim(settings, owner):
    settings.MATCH_HEARTBEAT_SECONDS = 0.01  # beats many times during the run
    run = MatchRun.objects.create(requirement=requirement_for(owner))
    assert runs.match_run_execute(run_id=run.pk, task_id="task-1") == "succeeded"
    assert heartbeat_threads() == []
    run.refresh_from_db()
    assert (run.status, run.claimed_until) == ("succeeded", None)


# -- the sweeper ---------------------------------------------------------------------------


def test_the_sweeper_leaves_a_claim_under_a_live_heartbeat_alone(settings):
    settings.MATCH_LEASE_SECONDS = 30
    run = claimed_run(lease_seconds=0.3)
    with ClaimHeartbeat(partial(runs._renew_run, run.pk, "task-1"), interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 1, what="a renewal")
        time.sleep(0.5)  # past the first lease
        assert runs.match_runs_sweep()["reclaimed"] == 0
    run.refresh_from_db()
    assert (run.status, run.claimed_by) == ("running", "task-1")


def test_the_sweeper_hands_on_a_run_soon_after_its_heartbeat_stops(settings):
    settings.MATCH_LEASE_SECONDS = 1
    run = claimed_run(lease_seconds=1)
    with ClaimHeartbeat(partial(runs._renew_run, run.pk, "task-1"), interval=0.05) as heartbeat:
        wait(lambda: heartbeat.renewals >= 1, what="a renewal")
    # The worker died: nothing renews the claim any more.
    wait(lambda: runs.match_runs_sweep()["reclaimed"] == 1, what="the sweeper reclaimed the run")
    run.refresh_from_db()
    assert (run.status, run.claimed_by) == ("pending", "")
    assert run.dispatched_at is not None


def test_the_sweeper_leaves_a_fanned_out_run_to_its_chunks_whatever_its_attempts(settings):
    # The run's own claim lapses between chunks; its chunks carry the claims that matter.
    run = claimed_run(lease_seconds=-60, chunk_total=1, attempts=settings.MATCH_MAX_ATTEMPTS)
    MatchRunChunk.objects.create(
        run=run,
        index=0,
        lo_id=1,
        hi_id=10,
        status="running",
        claimed_by="c",
        claimed_until=timezone.now() + timedelta(seconds=30),
    )
    report = runs.match_runs_sweep()
    assert (report["failed"], report["reclaimed"]) == (0, 0)
    assert MatchRun.objects.get(pk=run.pk).status == "running"


# -- stuck runs (for /readyz) --------------------------------------------------------------


def test_stuck_runs_are_running_runs_whose_claim_lapsed_past_the_grace():
    claimed_run(lease_seconds=-300)
    claimed_run(lease_seconds=-100)
    claimed_run(lease_seconds=-10)  # within the grace
    claimed_run(lease_seconds=30)  # alive
    claimed_run(lease_seconds=-300, status="failed")
    stuck = runs.match_runs_stuck(grace_seconds=60)
    assert stuck.count == 2
    assert stuck.oldest_seconds is not None and 300 <= stuck.oldest_seconds < 600
    assert runs.match_runs_stuck(grace_seconds=1000) == runs.StuckRuns(count=0, oldest_seconds=None)
