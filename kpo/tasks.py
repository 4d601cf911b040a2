import socket

from celery import shared_task
from django.utils import timezone

from kpo.models import WorkerHeartbeat


@shared_task(name="kpo.tasks.heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat() -> str:
    hostname = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"beat_at": timezone.now()})
    return hostname


@shared_task(name="kpo.tasks.idempotency_purge", ignore_result=True, soft_time_limit=120, time_limit=150)
def idempotency_purge() -> int:
    from kpo.idempotency import idempotency_purge as purge

    return purge()


@shared_task(name="kpo.tasks.api_tokens_purge", ignore_result=True, soft_time_limit=120, time_limit=150)
def api_tokens_purge() -> int:
    from kpo.api.tokens import api_token_purge_expired

    return api_token_purge_expired()
