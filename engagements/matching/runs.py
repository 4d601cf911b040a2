"""Match run orchestration: create, dispatch after commit, claim, score (in one
task streaming over primary-key ranges, or fanned out into chunk tasks), merge
one top-K, persist, sweep stuck runs.

Reliability rules (see DESIGN.md, "Known pitfalls"):
- The run row is the outbox: it is created pending and the task is sent only
  after commit; if the broker is down the run stays pending and the sweeper
  sends it again.
- A task claims its run with one conditional UPDATE. The same message
  redelivered (its worker died: acks_late + reject_on_worker_lost) may take the
  run over; a different message may not while the claim's lease holds.
- While a task works, a heartbeat thread renews its claim every
  MATCH_HEARTBEAT_SECONDS for MATCH_LEASE_SECONDS (a few beats). A worker that
  dies whole (OOM kill, container kill, lost node) puts nothing back on the
  queue (its message waits for Redis's visibility timeout, an hour): its claim
  lapses within one lease, and the sweeper (beat, every MATCH_SWEEP_SECONDS)
  hands the run to another worker with a new message. When the old message
  comes back at last, its claim finds the run finished or held under a fresh
  lease and does nothing. Lease times are the database's clock, so workers'
  clocks need not agree.
- Each claim counts an attempt; a run killed MATCH_MAX_ATTEMPTS times fails
  instead of looping.
- Results are replaced in one transaction, so a redelivered task never
  duplicates them.
- Fan-out tracks chunk completion with a counter on the run row, updated under
  a row lock: the chunk that completes the count merges. No Redis chord.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Now
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from engagements.integrations.webhooks import webhook_emit_match_run
from engagements.matching.candidates import (
    MatchContext,
    SiteResolver,
    active_vendors,
    build_context,
    classify,
    named_sites,
    vendor_profiles,
    vendor_rows,
)
from engagements.matching.scorer import Score, Scorer
from engagements.matching.scoring import (
    COMPONENTS,
    ComponentValues,
    VendorProfile,
    VendorRow,
    resolve_weights,
)
from engagements.models import MatchResult, MatchRun, MatchRunChunk, MatchRunStatus, Requirement
from kpo.dispatch import task_send
from kpo.models import User
from vendors.models import Vendor
from vendors.money import ExchangeTable

logger = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another task holds the run now; this one stops without writing."""


@dataclass
class RangeOutcome:
    total: int = 0
    eligible: int = 0
    exclusions: dict[str, int] = field(default_factory=dict)
    top: list[dict] = field(default_factory=list)  # best first, JSON-ready

    def add(self, other: RangeOutcome, top_k: int) -> None:
        self.total += other.total
        self.eligible += other.eligible
        for code, count in other.exclusions.items():
            self.exclusions[code] = self.exclusions.get(code, 0) + count
        self.top = merge_top([self.top, other.top], top_k)

    def as_json(self) -> dict:
        return {"total": self.total, "eligible": self.eligible, "exclusions": self.exclusions, "top": self.top}

    @classmethod
    def from_json(cls, data: dict) -> RangeOutcome:
        return cls(data["total"], data["eligible"], dict(data["exclusions"]), list(data["top"]))


def _rank_key(entry: dict) -> tuple[float, int]:
    return (-entry["total"], entry["vendor_id"])


def merge_top(lists: list[list[dict]], top_k: int) -> list[dict]:
    return sorted((entry for entries in lists for entry in entries), key=_rank_key)[:top_k]


def score_range(context: MatchContext, scorer: Scorer, lo: int, hi: int, resolve_site: SiteResolver) -> RangeOutcome:
    """Score the active vendors with ids in [lo, hi]; keep the best top_k."""
    classified = classify(context, lo, hi)
    exclusions: dict[str, int] = {}
    eligible = []
    for row in classified:
        reason = row[1]
        if reason is None:
            eligible.append(row)
        else:
            exclusions[reason] = exclusions.get(reason, 0) + 1
    outcome = RangeOutcome(total=len(classified), exclusions=exclusions)
    if not eligible:
        return outcome
    heap: list[tuple[float, int, VendorRow, ComponentValues, float]] = []
    top_k = context.top_k
    evaluate_row = scorer.evaluate_row
    eligible_count = 0
    # Below this a score cannot reach the heap even after rounding: skip the tuple work.
    floor = float("-inf")
    for row in vendor_rows(context, lo, hi, eligible, resolve_site):
        score, components, reason = evaluate_row(row)
        if reason is not None:
            exclusions[reason] = exclusions.get(reason, 0) + 1
            continue
        eligible_count += 1
        if score < floor:
            continue
        item = (round(score, 4), -row[0], row, components, score)
        if len(heap) < top_k:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)
        else:
            continue
        if len(heap) == top_k:
            floor = heap[0][0] - 0.0001
    outcome.eligible = eligible_count
    ranked = sorted(heap, key=lambda i: (-i[0], -i[1]))
    named = named_sites([item[2][0] for item in ranked], resolve_site)
    for rounded, _neg_id, row, component_values, score in ranked:
        profile = VendorProfile(*(row[:4] + (named.get(row[0], ()),) + row[5:]))
        component_map = dict(zip(COMPONENTS, component_values, strict=True))
        explanation = scorer.explain(profile, Score(profile.vendor_id, score, component_map))
        outcome.top.append({"vendor_id": profile.vendor_id, "total": rounded, "explanation": explanation})
    return outcome


def id_ranges(lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    if hi < lo:
        return []
    return [(start, min(start + size - 1, hi)) for start in range(lo, hi + 1, size)]


# -- creating and dispatching ---------------------------------------------------


def requirement_match_problems(requirement: Requirement) -> dict[str, list[str]]:
    """Why a requirement cannot be matched, by field (empty when it can)."""
    problems: dict[str, list[str]] = {}
    if requirement.status in ("closed", "cancelled"):
        problems.setdefault("status", []).append(
            _("A %(status)s requirement cannot be matched.") % {"status": str(requirement.get_status_display()).lower()}
        )
    if not requirement.requirement_skills.exists():
        problems.setdefault("skills", []).append(_("Add at least one required skill."))
    if requirement.budget_hourly_rate is None or requirement.budget_hourly_rate <= 0:
        problems.setdefault("budget_hourly_rate", []).append(_("The hourly budget must be positive."))
    if not ExchangeTable.current().can_convert(requirement.currency):
        problems.setdefault("currency", []).append(
            _("No exchange rate for %(currency)s.") % {"currency": requirement.currency}
        )
    try:
        resolve_weights(requirement.selection_method, requirement.weights or None)
    except (ValueError, TypeError) as exc:
        problems.setdefault("weights", []).append(str(exc))
    if not 0 <= requirement.min_timezone_overlap_hours <= 24:
        problems.setdefault("min_timezone_overlap_hours", []).append(_("Overlap must be between 0 and 24 hours."))
    if not requirement.location_classes:
        problems.setdefault("location_classes", []).append(_("Allow at least one location class."))
    return problems


def match_run_create(*, requirement: Requirement, requested_by: User | None = None) -> MatchRun:
    """Create a pending run; the task is sent once the transaction commits.
    Raises Requirement.DoesNotExist when the requirement was deleted meanwhile
    (its row is locked here, so a concurrent delete is waited for, not raced)."""
    with transaction.atomic():
        if not Requirement.objects.select_for_update().filter(pk=requirement.pk).exists():
            raise Requirement.DoesNotExist("The requirement was deleted.")
        run = MatchRun.objects.create(requirement=requirement, requested_by=requested_by)
        transaction.on_commit(lambda: match_run_dispatch(run_id=run.pk))
    return run


def match_run_dispatch(*, run_id: int) -> bool:
    """Send the run's task; while the broker is down the run stays pending and the sweeper resends it."""
    if not task_send("engagements.tasks.match_run_execute", run_id):
        return False
    MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.PENDING).update(dispatched_at=timezone.now())
    return True


def match_chunk_dispatch(*, chunk_id: int) -> bool:
    if not task_send("engagements.tasks.match_run_chunk", chunk_id):
        return False
    MatchRunChunk.objects.filter(pk=chunk_id, status=MatchRunChunk.Status.PENDING).update(dispatched_at=timezone.now())
    return True


# -- claiming -------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.MATCH_LEASE_SECONDS)


def _lease_end() -> CombinedExpression:
    """Until when a claim made or renewed now holds, on the database's clock."""
    return Now() + _lease()


def _claim_run(run_id: int, task_id: str) -> MatchRun | None:
    now = timezone.now()
    claimed = (
        MatchRun.objects.filter(pk=run_id)
        .filter(
            Q(status=MatchRunStatus.PENDING)
            | Q(status=MatchRunStatus.RUNNING, claimed_by=task_id)
            | Q(status=MatchRunStatus.RUNNING, claimed_until__lt=Now())
        )
        .update(
            status=MatchRunStatus.RUNNING,
            claimed_by=task_id,
            claimed_until=_lease_end(),
            attempts=F("attempts") + 1,
            started_at=Coalesce("started_at", now),
        )
    )
    return (
        MatchRun.objects.select_related("requirement__client", "requirement__domain").get(pk=run_id)
        if claimed
        else None
    )


def _renew_run(run_id: int, task_id: str) -> bool:
    """Extend the task's claim on its run; False once the run is no longer its to work on."""
    return bool(
        MatchRun.objects.filter(pk=run_id, claimed_by=task_id, status=MatchRunStatus.RUNNING).update(
            claimed_until=_lease_end()
        )
    )


def _renew_chunk(chunk_id: int, run_id: int, task_id: str) -> bool:
    """Extend the task's claim on its chunk, and the run's while one of its chunks is worked on (so
    another message for the run cannot take it over as lapsed). Two statements, each its own
    transaction: holding the chunk's row while waiting for the run's would invert the order in
    which match_chunk_execute locks them."""
    renewed = MatchRunChunk.objects.filter(
        pk=chunk_id, claimed_by=task_id, status=MatchRunChunk.Status.RUNNING, run__status=MatchRunStatus.RUNNING
    ).update(claimed_until=_lease_end())
    if renewed:
        MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).update(claimed_until=_lease_end())
    return bool(renewed)


class ClaimHeartbeat:
    """Renews a claim from a daemon thread while the task in the `with` block works.

    Every `interval` seconds it calls `renew` (a conditional UPDATE on the claim's row:
    this task's id, status running) and stops at the first that matches no row, so it
    never renews a finished, failed or handed-on run. Leaving the block stops it and
    waits for it. Django's connections are per thread: the thread has its own and
    closes it. A failed renewal (a database blip) is logged and tried again at the
    next beat; the lease covers a missed beat or two. If the task's process dies,
    the thread dies with it and the claim lapses within one lease."""

    def __init__(self, renew: Callable[[], bool], *, interval: float | None = None, name: str = "claim-heartbeat"):
        self._renew = renew
        self.interval = settings.MATCH_HEARTBEAT_SECONDS if interval is None else interval
        self.renewals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=name, daemon=True)

    def __enter__(self) -> ClaimHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        # A renewal in flight may wait for a row lock (the task's own results transaction holds
        # the run's row): wait for it, within reason. A renewal finishing later changes nothing
        # the task did not leave running under its own id, and the thread then ends.
        self._thread.join(timeout=self.interval + 10)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self._renew():
                        return
                    self.renewals += 1
                except Exception:  # noqa: BLE001 - a beat must not kill the thread; the next one retries
                    logger.warning("Could not renew a match claim; retrying at the next beat.", exc_info=True)
                    connection.close()
        finally:
            connection.close()


def match_run_fail(*, run_id: int, error: str) -> bool:
    with transaction.atomic():  # the webhook outbox row commits with the failure
        failed = bool(
            MatchRun.objects.filter(pk=run_id, status__in=[MatchRunStatus.PENDING, MatchRunStatus.RUNNING]).update(
                status=MatchRunStatus.FAILED, error=error[:2000], finished_at=timezone.now(), claimed_until=None
            )
        )
        if failed:
            webhook_emit_match_run(run_id=run_id)
    return failed


# -- executing ------------------------------------------------------------------


def match_run_execute(*, run_id: int, task_id: str) -> str:
    """The body of the run task. Returns what happened, for logs and tests."""
    run = _claim_run(run_id, task_id)
    if run is None:
        return "not-claimed"
    if run.attempts > settings.MATCH_MAX_ATTEMPTS:
        match_run_fail(run_id=run_id, error=f"Gave up after {run.attempts - 1} attempts: the worker stopped each time.")
        return "gave-up"
    with ClaimHeartbeat(partial(_renew_run, run_id, task_id), name=f"run-{run_id}-heartbeat"):
        return _score_run(run, task_id)


def _score_run(run: MatchRun, task_id: str) -> str:
    run_id = run.pk
    started = time.perf_counter()
    context = build_context(run.requirement, top_k=settings.MATCH_TOP_K, today=timezone.localdate())
    MatchRun.objects.filter(pk=run_id, claimed_by=task_id).update(parameters=context.as_json())
    bounds = active_vendors().aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"], bounds["hi"]
    # Counting the pool costs a scan: only when its id span says it might be large.
    if lo is not None and hi - lo + 1 > settings.MATCH_CHUNK_SIZE:
        count = active_vendors().count()
        if count > settings.MATCH_CHUNK_SIZE:
            return _fan_out(run, context, task_id, lo, hi, count)

    scorer = Scorer(context.profile())
    resolve_site = SiteResolver(context)
    outcome = RangeOutcome()
    ranges = id_ranges(lo, hi, settings.MATCH_STREAM_SIZE) if lo is not None else []
    for index, (start, end) in enumerate(ranges, start=1):
        outcome.add(score_range(context, scorer, start, end, resolve_site), context.top_k)
        progress = int(99 * index / len(ranges))
        still_mine = MatchRun.objects.filter(pk=run_id, claimed_by=task_id, status=MatchRunStatus.RUNNING).update(
            progress=progress, claimed_until=_lease_end()
        )
        if not still_mine:
            return "claim-lost"
    elapsed = time.perf_counter() - started
    try:
        _persist(run_id, task_id, context, outcome, timings={"total_seconds": round(elapsed, 4), "mode": "single"})
    except ClaimLost:
        return "claim-lost"
    return "succeeded"


def _fan_out(run: MatchRun, context: MatchContext, task_id: str, lo: int, hi: int, count: int) -> str:
    chunk_count = math.ceil(count / settings.MATCH_CHUNK_SIZE)
    width = math.ceil((hi - lo + 1) / chunk_count)
    with transaction.atomic():
        locked = MatchRun.objects.select_for_update().get(pk=run.pk)
        if locked.claimed_by != task_id or locked.status != MatchRunStatus.RUNNING:
            return "claim-lost"
        if not locked.chunks.exists():
            chunks = MatchRunChunk.objects.bulk_create(
                MatchRunChunk(run=locked, index=i, lo_id=start, hi_id=end)
                for i, (start, end) in enumerate(id_ranges(lo, hi, width))
            )
            MatchRun.objects.filter(pk=run.pk).update(chunk_total=len(chunks), chunks_done=0)
        pending = list(locked.chunks.filter(status=MatchRunChunk.Status.PENDING).values_list("id", flat=True))
        for chunk_id in pending:
            transaction.on_commit(partial(match_chunk_dispatch, chunk_id=chunk_id))
    return "fanned-out"


def _claim_chunk(chunk_id: int, task_id: str) -> MatchRunChunk | None:
    claimed = (
        MatchRunChunk.objects.filter(pk=chunk_id, run__status=MatchRunStatus.RUNNING)
        .filter(
            Q(status=MatchRunChunk.Status.PENDING)
            | Q(status=MatchRunChunk.Status.RUNNING, claimed_by=task_id)
            | Q(status=MatchRunChunk.Status.RUNNING, claimed_until__lt=Now())
        )
        .update(
            status=MatchRunChunk.Status.RUNNING,
            claimed_by=task_id,
            claimed_until=_lease_end(),
            attempts=F("attempts") + 1,
        )
    )
    return MatchRunChunk.objects.select_related("run").get(pk=chunk_id) if claimed else None


def match_chunk_execute(*, chunk_id: int, task_id: str) -> str:
    chunk = _claim_chunk(chunk_id, task_id)
    if chunk is None:
        return "not-claimed"
    if chunk.attempts > settings.MATCH_MAX_ATTEMPTS:
        match_run_fail(run_id=chunk.run_id, error=f"Chunk {chunk.index} gave up after {chunk.attempts - 1} attempts.")
        return "gave-up"
    with ClaimHeartbeat(partial(_renew_chunk, chunk_id, chunk.run_id, task_id), name=f"chunk-{chunk_id}-heartbeat"):
        return _score_chunk(chunk, task_id)


def _score_chunk(chunk: MatchRunChunk, task_id: str) -> str:
    chunk_id = chunk.pk
    started = time.perf_counter()
    context = MatchContext.from_json(chunk.run.parameters)
    outcome = score_range(context, Scorer(context.profile()), chunk.lo_id, chunk.hi_id, SiteResolver(context))
    elapsed = time.perf_counter() - started
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=chunk.run_id)
        locked = MatchRunChunk.objects.select_for_update().get(pk=chunk_id)
        if (
            locked.status == MatchRunChunk.Status.DONE
            or locked.claimed_by != task_id
            or run.status != MatchRunStatus.RUNNING
        ):
            return "claim-lost"
        locked.status = MatchRunChunk.Status.DONE
        locked.outcome = {**outcome.as_json(), "seconds": round(elapsed, 4)}
        locked.finished_at = timezone.now()
        locked.claimed_until = None
        locked.save(update_fields=["status", "outcome", "finished_at", "claimed_until"])
        run.chunks_done += 1
        run.progress = min(99, int(99 * run.chunks_done / max(run.chunk_total, 1)))
        run.save(update_fields=["chunks_done", "progress"])
        MatchRun.objects.filter(pk=run.pk).update(claimed_until=_lease_end())
        if run.chunks_done < run.chunk_total:
            return "chunk-done"
        merged = RangeOutcome()
        chunk_seconds = []
        for data in run.chunks.order_by("index").values_list("outcome", flat=True):
            merged.add(RangeOutcome.from_json(data), context.top_k)
            chunk_seconds.append(data.get("seconds"))
        total_seconds = (timezone.now() - run.started_at).total_seconds() if run.started_at else None
        _write_results(
            run,
            context,
            merged,
            timings={"total_seconds": total_seconds, "mode": "chunked", "chunk_seconds": chunk_seconds},
        )
    return "merged"


def _persist(run_id: int, task_id: str, context: MatchContext, outcome: RangeOutcome, *, timings: dict) -> None:
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.claimed_by != task_id or run.status != MatchRunStatus.RUNNING:
            raise ClaimLost
        _write_results(run, context, outcome, timings=timings)


def _write_results(run: MatchRun, context: MatchContext, outcome: RangeOutcome, *, timings: dict) -> None:
    """Replace the run's results and close it. Call inside a transaction holding the run row."""
    run.results.all().delete()
    MatchResult.objects.bulk_create(
        MatchResult(
            run=run,
            vendor_id=entry["vendor_id"],
            rank=rank,
            score=Decimal(str(entry["total"])).quantize(Decimal("0.01")),
            components=entry["explanation"]["components"],
            matched_skills=entry["explanation"]["matched_skills"],
            missing_skills=entry["explanation"]["missing_skills"],
            flags=entry["explanation"]["flags"],
            currency=context.currency,
            estimated_cost=_decimal(entry["explanation"]["estimated_cost"]),
            estimated_savings=_decimal(entry["explanation"]["estimated_savings"]),
            explanation=entry["explanation"],
        )
        for rank, entry in enumerate(outcome.top, start=1)
    )
    run.status = MatchRunStatus.SUCCEEDED
    run.progress = 100
    run.candidates_total = outcome.total
    run.candidates_eligible = outcome.eligible
    run.exclusions = dict(sorted(outcome.exclusions.items()))
    run.timings = timings
    run.error = ""
    with translation.override("en"):
        run.summary = run.describe()
    run.finished_at = timezone.now()
    run.claimed_until = None
    run.save(
        update_fields=[
            "status",
            "progress",
            "candidates_total",
            "candidates_eligible",
            "exclusions",
            "timings",
            "error",
            "summary",
            "finished_at",
            "claimed_until",
        ]
    )
    webhook_emit_match_run(run_id=run.pk)


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


# -- sweeping -------------------------------------------------------------------


def match_runs_sweep() -> dict[str, int]:
    """Periodic repair: resend runs and chunks never sent (broker down), give
    lapsed claims back, fail what ran out of attempts or time.

    Safe to run at any moment and twice at once: every hand-over is a conditional
    UPDATE on the claim it saw lapse, and a claim is one too."""
    now = timezone.now()
    resend_before = now - timedelta(seconds=settings.MATCH_REDISPATCH_SECONDS)
    report = {"resent": 0, "reclaimed": 0, "failed": 0, "chunks_resent": 0}

    stale_pending = MatchRun.objects.filter(status=MatchRunStatus.PENDING).filter(
        Q(dispatched_at__isnull=True, created_at__lt=resend_before) | Q(dispatched_at__lt=resend_before)
    )
    for run_id in stale_pending.values_list("id", flat=True):
        report["resent"] += match_run_dispatch(run_id=run_id)

    # Fanned-out runs are left to their chunks, which carry their own claims (below): the
    # run's claim lapses between chunks whenever none is being worked on.
    lapsed = MatchRun.objects.filter(status=MatchRunStatus.RUNNING, chunk_total=0, claimed_until__lt=Now())
    for run in lapsed.only("id", "attempts"):
        if run.attempts >= settings.MATCH_MAX_ATTEMPTS:
            report["failed"] += match_run_fail(
                run_id=run.pk, error=f"Stopped after {run.attempts} attempts without finishing."
            )
            continue
        if MatchRun.objects.filter(pk=run.pk, status=MatchRunStatus.RUNNING, claimed_until__lt=Now()).update(
            status=MatchRunStatus.PENDING, claimed_by="", claimed_until=None
        ):
            report["reclaimed"] += 1
            match_run_dispatch(run_id=run.pk)

    lapsed_chunks = MatchRunChunk.objects.filter(run__status=MatchRunStatus.RUNNING).filter(
        Q(status=MatchRunChunk.Status.RUNNING, claimed_until__lt=Now())
        | Q(status=MatchRunChunk.Status.PENDING, dispatched_at__isnull=True)
        | Q(status=MatchRunChunk.Status.PENDING, dispatched_at__lt=resend_before)
    )
    for chunk in lapsed_chunks.only("id", "run_id", "attempts", "status"):
        if chunk.attempts >= settings.MATCH_MAX_ATTEMPTS:
            report["failed"] += match_run_fail(
                run_id=chunk.run_id, error=f"A chunk stopped after {chunk.attempts} attempts."
            )
            continue
        MatchRunChunk.objects.filter(pk=chunk.pk).exclude(status=MatchRunChunk.Status.DONE).update(
            status=MatchRunChunk.Status.PENDING, claimed_by="", claimed_until=None
        )
        report["chunks_resent"] += match_chunk_dispatch(chunk_id=chunk.pk)
    return report


@dataclass(frozen=True)
class StuckRuns:
    count: int
    oldest_seconds: float | None  # how long the oldest lapsed claim has been lapsed


def match_runs_stuck(*, grace_seconds: int | None = None) -> StuckRuns:
    """Runs still running whose claim lapsed more than the grace period ago: their worker
    stopped beating and no sweeper handed them on (no beat, or no worker to run the sweep).
    For /readyz: counts and an age only, across every tenant, so nothing of anyone's data.
    A fanned-out run counts when one of its running chunks' claims lapsed."""
    grace = settings.MATCH_STUCK_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = Now() - timedelta(seconds=grace)
    single = MatchRun.objects.filter(status=MatchRunStatus.RUNNING, chunk_total=0, claimed_until__lt=cutoff).aggregate(
        count=Count("id"), oldest=Min("claimed_until")
    )
    chunked = MatchRunChunk.objects.filter(
        run__status=MatchRunStatus.RUNNING, status=MatchRunChunk.Status.RUNNING, claimed_until__lt=cutoff
    ).aggregate(count=Count("run_id", distinct=True), oldest=Min("claimed_until"))
    lapsed_since = [moment for moment in (single["oldest"], chunked["oldest"]) if moment is not None]
    oldest = round(max((timezone.now() - min(lapsed_since)).total_seconds(), 0.0), 1) if lapsed_since else None
    return StuckRuns(count=single["count"] + chunked["count"], oldest_seconds=oldest)


# -- explaining one vendor --------------------------------------------------------


def match_run_why_not(*, run: MatchRun, vendor: Vendor) -> dict:
    """Why is this vendor where it is (or absent)? Ranked vendors answer from the
    stored result; others are re-evaluated with the run's frozen parameters."""
    result = run.results.filter(vendor=vendor).first()
    if result is not None:
        return {
            "vendor": vendor.pk,
            "status": "ranked",
            "rank": result.rank,
            "score": float(result.score),
            "explanation": result.explanation,
        }
    if not run.parameters:
        return {"vendor": vendor.pk, "status": "unknown", "message": "The run has not started yet."}
    if not vendor.is_active:
        return {"vendor": vendor.pk, "status": "excluded", "reason": "inactive"}
    context = MatchContext.from_json(run.parameters)
    [row] = classify(context, vendor.pk, vendor.pk)
    if row[1] is not None:
        return {"vendor": vendor.pk, "status": "excluded", "reason": row[1]}
    scorer = Scorer(context.profile())
    profile = next(vendor_profiles(context, vendor.pk, vendor.pk, [row], SiteResolver(context)))
    components = scorer.components(profile)
    reason = scorer.exclusion(profile, components)
    if reason is not None:
        return {"vendor": vendor.pk, "status": "excluded", "reason": reason}
    total = scorer.total(components)
    last = run.results.order_by("-rank").first()
    return {
        "vendor": vendor.pk,
        "status": "below_shortlist",
        "score": round(total, 2),
        "cutoff_score": float(last.score) if last else None,
        "explanation": scorer.explain(profile, Score(vendor.pk, total, components)),
    }
