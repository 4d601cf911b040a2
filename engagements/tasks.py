"""Celery tasks: thin wrappers that fetch by id and call the services.

The top layer: it imports services, and nothing imports it (services send tasks
by name through kpo.dispatch). Time limits come from the settings."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from engagements.integrations import webhooks
from engagements.matching import runs
from engagements.models import MatchRunChunk
from engagements.rfp import proposals as rfp_proposals
from vendors.exports import services as vendor_exports


# Two ways back after a worker dies. Its pool process killed: the main process requeues the
# message at once (acks_late + reject_on_worker_lost) and the same task id takes its run over.
# The whole worker killed: nothing requeues (Redis redelivers only after CELERY_VISIBILITY_TIMEOUT);
# the claim's heartbeat stops, the lease lapses, and match_runs_sweep sends the run again under a
# new id. Claims are conditional UPDATEs, so a late second message finds the run taken or done.
@shared_task(bind=True, name="engagements.tasks.match_run_execute", acks_late=True, reject_on_worker_lost=True)
def match_run_execute(self, run_id: int) -> str:
    try:
        return runs.match_run_execute(run_id=run_id, task_id=self.request.id or f"local-{run_id}")
    except SoftTimeLimitExceeded:
        runs.match_run_fail(run_id=run_id, error="The run exceeded its time limit.")
        return "timed-out"
    except Exception as exc:
        runs.match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(bind=True, name="engagements.tasks.match_run_chunk", acks_late=True, reject_on_worker_lost=True)
def match_run_chunk(self, chunk_id: int) -> str:
    try:
        return runs.match_chunk_execute(chunk_id=chunk_id, task_id=self.request.id or f"local-chunk-{chunk_id}")
    except SoftTimeLimitExceeded:
        run_id = MatchRunChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
        if run_id:
            runs.match_run_fail(run_id=run_id, error="A chunk exceeded its time limit.")
        return "timed-out"
    except Exception as exc:
        run_id = MatchRunChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
        if run_id:
            runs.match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="engagements.tasks.match_runs_sweep", ignore_result=True, soft_time_limit=50, time_limit=60)
def match_runs_sweep() -> dict:
    return runs.match_runs_sweep()


# -- webhooks (engagements/integrations/webhooks.py) ---------------------------------------------
# Short jobs on the default queue. One attempt per message; the retry schedule
# lives on the delivery row (next_attempt_at), not in Celery's retry machinery.


@shared_task(
    name="engagements.tasks.webhook_deliver",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=settings.WEBHOOK_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.WEBHOOK_TASK_TIME_LIMIT,
)
def webhook_deliver(delivery_id: int) -> str:
    return webhooks.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="engagements.tasks.webhook_deliveries_sweep", ignore_result=True, soft_time_limit=50, time_limit=60)
def webhook_deliveries_sweep() -> dict:
    return webhooks.webhook_deliveries_sweep()


@shared_task(
    name="engagements.tasks.proposal_attachments_sweep", ignore_result=True, soft_time_limit=300, time_limit=360
)
def proposal_attachments_sweep() -> int:
    """Daily: delete proposal files left behind by rolled-back saves."""
    return rfp_proposals.proposal_attachments_sweep()


# -- vendor CSV exports (vendors/exports/services.py) ---------------------------------------------
# On the long-jobs queue, with a time limit of their own (under the broker's visibility timeout).


@shared_task(
    bind=True,
    name="engagements.tasks.vendor_export_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.VENDOR_EXPORT_TIME_LIMIT,
    time_limit=settings.VENDOR_EXPORT_TIME_LIMIT + 60,
)
def vendor_export_run(self, export_id: int) -> str:
    try:
        return vendor_exports.vendor_export_execute(
            export_id=export_id, task_id=self.request.id or f"local-{export_id}"
        )
    except SoftTimeLimitExceeded:
        vendor_exports.vendor_export_fail(export_id=export_id, error="The export exceeded its time limit.")
        return "timed-out"
    except Exception as exc:
        vendor_exports.vendor_export_fail(export_id=export_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="engagements.tasks.vendor_exports_sweep", ignore_result=True, soft_time_limit=50, time_limit=60)
def vendor_exports_sweep() -> dict:
    return vendor_exports.vendor_exports_sweep()
