"""Match runs and their results: one scoring of every active vendor against a requirement."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from engagements.matching.reasons import exclusion_text
from engagements.requirements.models import Requirement
from kpo.bounds import MONEY_DIGITS
from kpo.codes import (
    validate_currency,
)
from vendors.models import Vendor


class MatchRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class MatchRun(models.Model):
    """One scoring of the vendor pool against a requirement. The row is also the
    outbox of its Celery task: a run still pending after the broker was down is
    dispatched again by the sweeper."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="match_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=MatchRunStatus.choices, default=MatchRunStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task id holding the run, and until when: a redelivery of the same
    # message may take it over (its worker died); another message may not.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    chunk_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    candidates_total = models.PositiveIntegerField(default=0)
    candidates_eligible = models.PositiveIntegerField(default=0)
    exclusions = models.JSONField(default=dict, blank=True)
    # Everything the run used (weights, method, scoring version, exchange rates,
    # onshore benchmark), so a past ranking can be explained after profiles change.
    parameters = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    # One sentence on the outcome, e.g. why a run has no results.
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a vendor on this shortlist changed its profile after the run
    # (vendors.signals.vendor_changed): the page prompts a re-run.
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="match_run_status_idx"),
            models.Index(fields=["requirement", "-created_at"], name="match_run_requirement_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="match_run_progress_range"),
            models.CheckConstraint(condition=Q(status__in=MatchRunStatus.values), name="match_run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.requirement_id} ({self.status})"

    def describe(self) -> str:
        """One sentence on a finished run's outcome, in the active language (the
        stored `summary` is this sentence in English, for the API)."""
        from django.utils.translation import gettext, ngettext

        total, eligible = self.candidates_total, self.candidates_eligible
        if total == 0:
            return gettext("The pool has no active vendors, so there is nothing to rank.")
        if eligible == 0:
            reason, count = (
                max(self.exclusions.items(), key=lambda item: (item[1], item[0])) if self.exclusions else ("", 0)
            )
            excluded = ngettext(
                "The only active vendor was left out:",
                "All %(total)d active vendors were left out. Most often (%(count)d):",
                total,
            ) % {"total": total, "count": count}
            return f"{excluded} {exclusion_text(reason)}" if reason else excluded
        shown = min(eligible, (self.parameters or {}).get("top_k") or eligible)
        # Two sentences, each agreeing with its own number ("1 fornitore attivo su 28 è idoneo").
        qualified = ngettext(
            "%(eligible)d of %(total)d active vendors qualified.",
            "%(eligible)d of %(total)d active vendors qualified.",
            eligible,
        ) % {"eligible": eligible, "total": total}
        ranked = ngettext(
            "The best one is ranked.",
            "The best %(shown)d are ranked.",
            shown,
        ) % {"shown": shown}
        return f"{qualified} {ranked}"


class MatchRunChunk(models.Model):
    """One primary-key range of the vendor pool, scored by its own task when a
    run fans out. Completion is counted on the run row (no Redis chord)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    lo_id = models.BigIntegerField()
    hi_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The chunk's partial outcome: its top-K scored vendors, exclusion counts, totals.
    outcome = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="match_run_chunk_unique_index"),
            models.CheckConstraint(condition=Q(hi_id__gte=F("lo_id")), name="match_run_chunk_range_order"),
        ]
        indexes = [models.Index(fields=["status", "claimed_until"], name="match_run_chunk_status_idx")]

    def __str__(self) -> str:
        return f"Chunk {self.index} of run {self.run_id} ({self.status})"


class MatchResult(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="results")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="match_results")
    rank = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    components = models.JSONField(default=dict)
    matched_skills = models.JSONField(default=list)
    missing_skills = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    # Wide enough for any requirement within kpo.bounds (cost and saving below 1e24).
    estimated_cost = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True)
    estimated_savings = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("match result")
        verbose_name_plural = _("match results")
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="match_result_unique_rank"),
            models.UniqueConstraint(fields=["run", "vendor"], name="match_result_unique_vendor"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="match_result_score_range"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="match_result_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.vendor_id} ({self.score})"
