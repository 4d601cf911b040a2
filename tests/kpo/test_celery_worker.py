from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kpo.api import tokens
from kpo.models import ApiToken, WorkerHeartbeat
from kpo.tasks import api_tokens_purge, heartbeat


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy (a deadline for the wait, not a timed assertion)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met before the deadline")


def test_a_task_sent_through_redis_is_run_by_a_real_worker_that_writes_to_postgresql(celery_worker):
    assert not WorkerHeartbeat.objects.exists()

    with transaction.atomic():
        transaction.on_commit(heartbeat.delay)

    beat = wait_for(lambda: WorkerHeartbeat.objects.first())
    assert beat.hostname
    assert beat.beat_at is not None


def test_the_token_purge_runs_on_a_real_worker(celery_worker, owner):
    kept = tokens.api_token_create(user=owner, name="Expired yesterday", expires_in_days=1).token
    gone = tokens.api_token_create(user=owner, name="Expired long ago", expires_in_days=1).token
    ApiToken.objects.filter(pk=kept.pk).update(expiry=timezone.now() - timedelta(days=1))
    ApiToken.objects.filter(pk=gone.pk).update(expiry=timezone.now() - timedelta(days=31))

    api_tokens_purge.delay()

    wait_for(lambda: not ApiToken.objects.filter(pk=gone.pk).exists())
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["Expired yesterday"]
