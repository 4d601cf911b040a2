from django.db import transaction

from kpo.models import WorkerHeartbeat
from kpo.tasks import heartbeat


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
