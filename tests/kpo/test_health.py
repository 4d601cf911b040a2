from django.utils import timezone

from kpo.models import WorkerHeartbeat


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
