"""Reactions of the demand side to signals of the supply side. Connected in
EngagementsConfig.ready(); vendors never imports engagements."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery

from engagements.integrations.webhooks import webhook_emit_vendors_updated
from engagements.models import MatchResult, MatchRun, MatchRunStatus, Requirement, RequirementStatus


def mark_shortlists_stale(*, vendor_ids: list[int], changed_at: datetime) -> int:
    """Mark stale the current shortlist of every open requirement that includes
    one of these vendors: the latest succeeded run of the requirement, when its
    results include the vendor. A run already stale keeps its first date; older
    runs, and runs whose shortlist does not include the vendor, are untouched.
    One UPDATE statement whatever the number of vendors and runs."""
    latest_succeeded = (
        MatchRun.objects.filter(requirement_id=OuterRef("requirement_id"), status=MatchRunStatus.SUCCEEDED)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    return MatchRun.objects.filter(
        status=MatchRunStatus.SUCCEEDED,
        stale_since__isnull=True,
        requirement_id__in=Requirement.objects.filter(status=RequirementStatus.OPEN).values("pk"),
        pk__in=MatchResult.objects.filter(vendor_id__in=vendor_ids).values("run_id"),
        pk=Subquery(latest_succeeded),
    ).update(stale_since=changed_at)


def on_vendor_changed(sender, *, vendor_ids: list[int], changed_at: datetime, **kwargs) -> None:
    """vendors.signals.vendor_changed: sent inside the transaction of the profile
    change, so the mark commits (or rolls back) with it."""
    mark_shortlists_stale(vendor_ids=vendor_ids, changed_at=changed_at)
    webhook_emit_vendors_updated(vendor_ids=vendor_ids, changed_at=changed_at)
