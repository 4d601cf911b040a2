"""Liveness and readiness probes for load balancers and orchestrators."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kpo.celery import app as celery_app
from kpo.models import WorkerHeartbeat


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


@never_cache
@require_GET
def readyz(request):
    checks: dict[str, dict] = {}
    db_error = _check_database()
    checks["database"] = {"ok": db_error is None, **({"error": db_error} if db_error else {})}
    broker_error = _check_broker()
    checks["broker"] = {
        "ok": broker_error is None,
        "mode": "embedded" if settings.CELERY_TASK_ALWAYS_EAGER else "redis",
        **({"error": broker_error} if broker_error else {}),
    }
    worker: dict = {"mode": "embedded" if settings.CELERY_TASK_ALWAYS_EAGER else "celery"}
    if db_error is None and not settings.CELERY_TASK_ALWAYS_EAGER:
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        worker["last_heartbeat_age_seconds"] = (
            round((timezone.now() - last).total_seconds(), 1) if last is not None else None
        )
        worker["stale"] = last is None or (timezone.now() - last).total_seconds() > settings.HEARTBEAT_MAX_AGE_SECONDS
    checks["worker"] = worker
    ready = db_error is None and broker_error is None
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
