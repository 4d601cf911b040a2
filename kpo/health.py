"""Liveness and readiness probes for load balancers and orchestrators.

`/readyz` always answers JSON (200 ready, 503 not), whatever fails: each check catches
its own errors, and the view catches the rest. The public answer says which check
failed, never why: exception text names hosts and ports, so it goes to the log, and
to a signed-in staff user, who sees it as `error`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kpo.celery import app as celery_app
from kpo.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Named, not imported (kpo imports no app, as kpo/urls.py names the apps' URL modules):
# () -> an object with `count` and `oldest_seconds`, the runs whose claim lapsed past the grace.
STUCK_RUNS_CHECK = "engagements.matching.runs.match_runs_stuck"


class CheckFailed(Exception):
    """A check's error: its public body, and the detail for the log and staff."""

    def __init__(self, body: dict, detail: str):
        super().__init__(detail)
        self.body = body
        self.detail = detail


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "embedded"}
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
    except Exception as exc:
        raise CheckFailed({"ok": False, "mode": "redis"}, _describe(exc)) from exc
    return {"ok": True, "mode": "redis"}


def _worker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "embedded"}
    try:
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    except Exception as exc:
        raise CheckFailed({"ok": False, "mode": "celery"}, _describe(exc)) from exc
    age = (timezone.now() - last).total_seconds() if last is not None else None
    return {
        "mode": "celery",
        "last_heartbeat_age_seconds": round(age, 1) if age is not None else None,
        "stale": age is None or age > settings.HEARTBEAT_MAX_AGE_SECONDS,
    }


def _match_runs() -> dict:
    """Runs left running by a worker that stopped beating, which no sweeper handed on."""
    stuck = import_string(STUCK_RUNS_CHECK)()
    return {"ok": stuck.count == 0, "stuck": stuck.count, "oldest_stuck_seconds": stuck.oldest_seconds}


def _run(name: str, check: Callable[[], dict], details: dict[str, str]) -> dict:
    try:
        return check()
    except CheckFailed as failed:
        body, detail = failed.body, failed.detail
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, never a 500
        body, detail = {"ok": False}, _describe(exc)
    logger.warning("readyz: the %s check failed: %s", name, detail)
    details[name] = detail
    return body


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _is_staff(request: HttpRequest) -> bool:
    """Loads the session's user: only asked once the database answered, and a failure means no."""
    try:
        user = request.user
        return bool(user.is_authenticated and user.is_active and user.is_staff)
    except Exception:  # noqa: BLE001
        logger.warning("readyz: could not load the requesting user", exc_info=True)
        return False


def _readiness(request: HttpRequest) -> tuple[bool, dict]:
    details: dict[str, str] = {}
    checks: dict[str, dict] = {"database": _run("database", _database, details)}
    checks["broker"] = _run("broker", _broker, details)
    database_ok = "database" not in details
    if database_ok:
        checks["worker"] = _run("worker", _worker, details)
        checks["match_runs"] = _run("match_runs", _match_runs, details)
    else:  # not asked: they would only wait for the same database
        checks["worker"] = {"mode": "embedded" if settings.CELERY_TASK_ALWAYS_EAGER else "celery", "checked": False}
        checks["match_runs"] = {"checked": False}
    ready = all(check.get("ok", True) for check in checks.values()) and database_ok
    if details and database_ok and _is_staff(request):
        for name, detail in details.items():
            checks[name]["error"] = detail
    return ready, checks


@never_cache
@require_GET
def readyz(request):
    try:
        ready, checks = _readiness(request)
    except Exception:  # noqa: BLE001 - a readiness probe answers JSON, never an HTML 500
        logger.exception("readyz: the readiness checks failed")
        return JsonResponse({"status": "unavailable", "checks": {}}, status=503)
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
