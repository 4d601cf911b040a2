"""The vendor firm's portal: the engagements proposed to it and under way (accept or decline
a proposal, mark a milestone delivered).

Every lookup is scoped to the viewer's vendor, so another firm's engagement, a client
manager or staff without a vendor membership get 404. The vendor sees what it needs to do
the work (client name, the requirement's title and description, the agreed terms, the
timeline and milestones), never the client's budget, scores or other vendors. Every write
is a POST and calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from engagements.delivery import selectors as delivery_selectors
from engagements.delivery import services as delivery_services
from engagements.models import Engagement, Milestone
from kpo.access import Caller
from kpo.permissions import vendor_member_required

NOTE_MAX_LENGTH = 500
VENDOR_ACTIONS = ("accept", "decline")


def _engagement_or_404(request, pk: int) -> Engagement:
    queryset = delivery_selectors.engagement_detail_queryset_for_vendor(caller=Caller.of(request))
    return get_object_or_404(queryset, pk=pk)


def _render_detail(request, engagement: Engagement, *, status: int = 200, note: str = "", note_error: str = ""):
    context = {
        "engagement": engagement,
        "requirement": engagement.requirement,
        "events": list(engagement.events.all()),
        "milestones": delivery_selectors.milestones_for_page(engagement),
        "actions": delivery_services.engagement_actions_for(engagement=engagement, party="vendor"),
        "is_open": engagement.status in delivery_services.OPEN_ENGAGEMENT_STATES,
        "note": note,
        "note_error": note_error,
        "note_max_length": NOTE_MAX_LENGTH,
    }
    return render(request, "engagements/vendor/engagement_detail.html", context, status=status)


@vendor_member_required
@require_GET
def engagement_list(request):
    engagements = list(delivery_selectors.engagement_list_page_for_vendor(caller=Caller.of(request)))
    return render(request, "engagements/vendor/engagement_list.html", {"engagements": engagements})


@vendor_member_required
@require_GET
def engagement_detail(request, pk: int):
    return _render_detail(request, _engagement_or_404(request, pk))


@vendor_member_required
@require_POST
def engagement_transition(request, pk: int):
    engagement = _engagement_or_404(request, pk)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "").strip()[:NOTE_MAX_LENGTH]
    if action not in VENDOR_ACTIONS:
        messages.error(request, _("Choose to accept or decline the proposal."))
        return _render_detail(request, engagement, status=400, note=note)
    if action == "decline" and not note:
        return _render_detail(
            request, engagement, status=400, note_error=_("Say why you decline: the client reads your reason.")
        )
    try:
        delivery_services.engagement_transition(engagement=engagement, action=action, actor=request.user, note=note)
    except delivery_services.EngagementError as exc:
        messages.error(request, str(exc))
        return _render_detail(request, _engagement_or_404(request, pk), status=409, note=note)
    if action == "accept":
        messages.success(request, _("Engagement accepted: it is now active."))
    else:
        messages.success(request, _("Proposal declined. The client sees your reason."))
    return redirect("vendor_portal:engagement_detail", pk=engagement.pk)


@vendor_member_required
@require_POST
def milestone_deliver(request, pk: int, milestone_pk: int):
    return _milestone_action(
        request, pk, milestone_pk, action="deliver", done=_("“%(title)s” marked delivered: the client confirms it.")
    )


@vendor_member_required
@require_POST
def milestone_confirm(request, pk: int, milestone_pk: int):
    """Confirm a delivery the client declared (the other side confirms: docs/scoring.md)."""
    return _milestone_action(request, pk, milestone_pk, action="accept", done=_("Delivery of “%(title)s” confirmed."))


def _milestone_action(request, pk: int, milestone_pk: int, *, action: str, done: str):
    engagement = _engagement_or_404(request, pk)
    milestone = get_object_or_404(Milestone.objects.filter(engagement=engagement), pk=milestone_pk)
    try:
        delivery_services.milestone_advance(milestone=milestone, action=action, actor=request.user)
    except delivery_services.EngagementError as exc:
        messages.error(request, str(exc))
        return _render_detail(request, _engagement_or_404(request, pk), status=409)
    messages.success(request, done % {"title": milestone.title})
    return redirect("vendor_portal:engagement_detail", pk=engagement.pk)


# -- requests for proposal ------------------------------------------------------------------
