from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from engagements.models import MatchRun, MatchRunChunk
from kpo.models import WorkerHeartbeat
from tests.factories import RequirementFactory
from tests.harness.services import PostgresCluster, free_port


def test_liveness_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_database_and_broker(client, db):
    WorkerHeartbeat.objects.create(hostname="worker-1", beat_at=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "mode": "redis"}
    assert body["checks"]["worker"]["stale"] is False


def test_readiness_is_503_when_the_broker_is_unreachable(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_readiness_reports_a_stale_worker(client, db):
    WorkerHeartbeat.objects.create(hostname="worker-1", beat_at=timezone.now() - timezone.timedelta(hours=1))
    body = client.get("/readyz").json()
    assert body["checks"]["worker"]["stale"] is True
    assert body["checks"]["worker"]["last_heartbeat_age_seconds"] > 3000


# -- runs stuck past their heartbeat -------------------------------------------------------


def stuck_run(*, lapsed_seconds: float, status: str = "running", title: str = "Secret merger") -> MatchRun:
    run = MatchRun.objects.create(requirement=RequirementFactory(title=title))
    MatchRun.objects.filter(pk=run.pk).update(
        status=status,
        claimed_by="task-of-a-dead-worker",
        claimed_until=timezone.now() - timedelta(seconds=lapsed_seconds),
        attempts=1,
    )
    return run


def test_readiness_is_503_with_a_count_when_runs_are_stuck_past_their_heartbeat(client, db, settings):
    settings.MATCH_STUCK_GRACE_SECONDS = 60
    WorkerHeartbeat.objects.create(hostname="worker-1", beat_at=timezone.now())
    stuck_run(lapsed_seconds=600)
    stuck_run(lapsed_seconds=120)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "unavailable"
    runs = body["checks"]["match_runs"]
    assert (runs["ok"], runs["stuck"]) == (False, 2)
    assert 600 <= runs["oldest_stuck_seconds"] < 900
    assert "Secret merger" not in response.content.decode()
    assert "task-of-a-dead-worker" not in response.content.decode()


def test_readiness_gives_a_lapsed_claim_its_grace_and_ignores_finished_runs(client, db, settings):
    settings.MATCH_STUCK_GRACE_SECONDS = 60
    WorkerHeartbeat.objects.create(hostname="worker-1", beat_at=timezone.now())
    stuck_run(lapsed_seconds=5)  # the sweeper has not come round yet
    stuck_run(lapsed_seconds=600, status="succeeded")
    stuck_run(lapsed_seconds=600, status="pending")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["match_runs"] == {"ok": True, "stuck": 0, "oldest_stuck_seconds": None}


def test_readiness_counts_a_fanned_out_run_by_its_chunks(client, db, settings):
    settings.MATCH_STUCK_GRACE_SECONDS = 60
    run = stuck_run(lapsed_seconds=600)  # the run's own claim lapses between chunks: not by itself a sign
    MatchRun.objects.filter(pk=run.pk).update(chunk_total=2)
    MatchRunChunk.objects.create(
        run=run, index=0, lo_id=1, hi_id=10, status="running", claimed_until=timezone.now() + timedelta(seconds=30)
    )
    assert client.get("/readyz").json()["checks"]["match_runs"]["stuck"] == 0
    MatchRunChunk.objects.create(
        run=run, index=1, lo_id=11, hi_id=20, status="running", claimed_until=timezone.now() - timedelta(seconds=300)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["match_runs"]["stuck"] == 1


# -- failures answer JSON without internals -----------------------------------------------


@pytest.fixture
def database_elsewhere(django_db_blocker):
    """Points the default connection at another server for one test, then back. Never the
    run's own database server, never the machine's shared PostgreSQL."""
    original = dict(connection.settings_dict)

    def point(*, host: str, port: int, name: str = "postgres", user: str = "postgres") -> None:
        connection.close()
        connection.settings_dict.update(HOST=host, PORT=str(port), NAME=name, USER=user, PASSWORD="")

    with django_db_blocker.unblock():
        try:
            yield point
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(original)


def assert_reveals_nothing_internal(response, *, port: int) -> None:
    text = response.content.decode()
    for secret in ("127.0.0.1", "localhost", str(port), "Error", "connection", "refused", "Traceback"):
        assert secret not in text, f"{secret!r} in {text}"


def test_readiness_is_a_503_json_without_internals_when_the_database_is_unreachable(client, database_elsewhere):
    port = free_port()  # nothing listens there
    database_elsewhere(host="127.0.0.1", port=port)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False}
    assert body["checks"]["match_runs"] == {"checked": False}
    assert_reveals_nothing_internal(response, port=port)


def test_readiness_is_a_503_json_when_the_database_stops_between_two_checks(client, database_elsewhere):
    """The onset of an outage: the first query answers, the worker heartbeat's query finds the server
    gone (a private PostgreSQL, stopped when that query is about to run)."""
    with PostgresCluster() as server:
        database_elsewhere(host="127.0.0.1", port=server.port, name=server.database)

        def stop_before_the_heartbeat_query(execute, sql, params, many, context):
            if "kpo_workerheartbeat" in sql and server.running():
                server.stop(remove=False)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(stop_before_the_heartbeat_query):
            response = client.get("/readyz")
        assert not server.running()
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["worker"] == {"ok": False, "mode": "celery"}
    assert_reveals_nothing_internal(response, port=server.port)


def test_readiness_does_not_tell_the_public_where_the_broker_is(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "mode": "redis"}
    assert_reveals_nothing_internal(response, port=1)


def test_readiness_tells_signed_in_staff_what_failed(client, db, settings, staff_user, owner):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    client.force_login(owner)
    assert "error" not in client.get("/readyz").json()["checks"]["broker"]
    client.force_login(staff_user)
    broker = client.get("/readyz").json()["checks"]["broker"]
    assert broker["ok"] is False
    assert broker["error"]  # the exception's text, for staff only
