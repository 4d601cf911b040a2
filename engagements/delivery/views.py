"""The procurement manager's engagement pages: propose from a shortlist entry,
list, and one engagement's page (timeline, milestones, FTE, close, review).

Views are thin: they scope the lookup to the manager's organization (404
outside it), validate a form and call one service. Every write is a POST."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.delivery import selectors as delivery_selectors
from engagements.delivery import services as delivery_services
from engagements.delivery.forms import (
    EngagementProposalForm,
    FteChangeForm,
    MilestoneForm,
    ReviewForm,
    default_start_date,
)
from engagements.matching import selectors as matching_selectors
from engagements.matching.benchmark import benchmark_text
from engagements.models import Engagement, EngagementStatus, Milestone, Requirement
from engagements.requirements.views import vendor_pages_available
from kpo.access import Caller
from kpo.permissions import client_manager_required


def _engagement_or_404(request, pk: int) -> Engagement:
    return get_object_or_404(delivery_selectors.engagement_detail_queryset(caller=Caller.of(request)), pk=pk)


@client_manager_required
@require_GET
def engagement_list(request):
    caller = Caller.of(request)
    status = request.GET.get("status", "")
    if status not in EngagementStatus.values:
        status = ""
    counts = delivery_selectors.engagement_status_counts(caller=caller)
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in EngagementStatus.choices
    ]
    return render(
        request,
        "engagements/engagement_list.html",
        {
            "engagements": delivery_selectors.engagement_list_page(caller=caller, status=status or None),
            "status": status,
            "tabs": tabs,
        },
    )


@client_manager_required
@require_http_methods(["GET", "POST"])
def engagement_propose(request, result_pk: int):
    result = get_object_or_404(matching_selectors.match_result_for_client(caller=Caller.of(request)), pk=result_pk)
    requirement = result.run.requirement
    if request.method == "POST":
        form = EngagementProposalForm(request.POST)
        if form.is_valid():
            try:
                engagement = delivery_services.engagement_propose(
                    result=result, proposed_by=request.user, **form.cleaned_data
                )
            except delivery_services.EngagementError as exc:
                form.add_error(None, str(exc))
            except Requirement.DoesNotExist:
                raise Http404 from None  # deleted while this request waited for it
            else:
                messages.success(request, _("Engagement proposed to %(vendor)s.") % {"vendor": result.vendor.name})
                return redirect("engagements:detail", pk=engagement.pk)
    else:
        rate = (result.explanation or {}).get("hourly_rate")
        form = EngagementProposalForm(
            initial={
                "agreed_rate": Decimal(str(rate)).quantize(Decimal("0.01")) if rate is not None else None,
                "currency": result.currency,
                "fte": requirement.fte_needed,
                "start_date": default_start_date(requirement, timezone.localdate()),
            }
        )
    return render(
        request,
        "engagements/engagement_propose.html",
        {"form": form, "result": result, "requirement": requirement, "vendor_pages": vendor_pages_available()},
    )


def _render_detail(request, engagement: Engagement, *, status: int = 200, **forms):
    actions = delivery_services.engagement_actions_for(engagement=engagement, party="client")
    is_open = engagement.status in delivery_services.OPEN_ENGAGEMENT_STATES
    review = getattr(engagement, "review", None)  # reverse one-to-one: None when there is no review
    context = {
        "engagement": engagement,
        "events": list(engagement.events.all()),
        "milestones": delivery_selectors.milestones_for_page(engagement),
        "benchmark_text": (
            benchmark_text(engagement.match_result.run.parameters or {}, domain=engagement.requirement.domain.name)
            if engagement.match_result is not None
            else ""
        ),
        "review": review,
        "actions": actions,
        "is_open": is_open,
        "vendor_pages": vendor_pages_available(),
        "fte_form": forms.get("fte_form") or FteChangeForm(initial={"fte": engagement.fte}),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "can_review": engagement.status == EngagementStatus.COMPLETED and review is None,
    }
    return render(request, "engagements/engagement_detail.html", context, status=status)


@client_manager_required
@require_GET
def engagement_detail(request, pk: int):
    return _render_detail(request, _engagement_or_404(request, pk))


@client_manager_required
@require_POST
def engagement_transition(request, pk: int):
    engagement = _engagement_or_404(request, pk)
    action = request.POST.get("action", "")
    if action in ("accept", "decline"):
        # The vendor's side of the state machine: never from the client's pages.
        messages.error(request, _("Only the vendor can accept or decline a proposal."))
        return redirect("engagements:detail", pk=engagement.pk)
    try:
        delivery_services.engagement_transition(
            engagement=engagement, action=action, actor=request.user, note=request.POST.get("note", "")[:500]
        )
    except delivery_services.EngagementError as exc:
        messages.error(request, str(exc))
    else:
        done = {"complete": _("Engagement completed."), "cancel": _("Engagement cancelled.")}
        messages.success(request, done.get(action, _("Engagement updated.")))
    return redirect("engagements:detail", pk=engagement.pk)


@client_manager_required
@require_POST
def engagement_fte(request, pk: int):
    engagement = _engagement_or_404(request, pk)
    form = FteChangeForm(request.POST, current=engagement.fte)
    if not form.is_valid():
        return _render_detail(request, engagement, status=400, fte_form=form)
    try:
        delivery_services.engagement_change_fte(
            engagement=engagement, fte=form.cleaned_data["fte"], reason=form.cleaned_data["reason"], actor=request.user
        )
    except delivery_services.EngagementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("FTE changed to %(fte)s.") % {"fte": formats.localize(form.cleaned_data["fte"])})
    return redirect("engagements:detail", pk=engagement.pk)


def _milestones_response(request, engagement_pk: int, *, form=None, error: str = ""):
    """The milestones card for HTMX (200 even with errors: HTMX swaps only
    successful responses); the whole page otherwise."""
    engagement = _engagement_or_404(request, engagement_pk)
    if not request.htmx:
        if form is not None and form.errors:
            return _render_detail(request, engagement, status=400, milestone_form=form)
        if error:
            messages.error(request, error)
        return redirect("engagements:detail", pk=engagement.pk)
    return render(
        request,
        "engagements/partials/milestones.html",
        {
            "engagement": engagement,
            "milestones": delivery_selectors.milestones_for_page(engagement),
            "milestone_form": form or MilestoneForm(),
            "is_open": engagement.status in delivery_services.OPEN_ENGAGEMENT_STATES,
            "milestone_error": error,
        },
    )


@client_manager_required
@require_POST
def milestone_create(request, pk: int):
    engagement = _engagement_or_404(request, pk)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return _milestones_response(request, engagement.pk, form=form)
    try:
        delivery_services.milestone_create(engagement=engagement, actor=request.user, **form.cleaned_data)
    except delivery_services.EngagementError as exc:
        return _milestones_response(request, engagement.pk, error=str(exc))
    return _milestones_response(request, engagement.pk)


@client_manager_required
@require_POST
def milestone_advance(request, pk: int, milestone_pk: int):
    engagement = _engagement_or_404(request, pk)
    milestone = get_object_or_404(Milestone.objects.filter(engagement=engagement), pk=milestone_pk)
    try:
        delivery_services.milestone_advance(
            milestone=milestone, action=request.POST.get("action", ""), actor=request.user
        )
    except delivery_services.EngagementError as exc:
        return _milestones_response(request, engagement.pk, error=str(exc))
    return _milestones_response(request, engagement.pk)


@client_manager_required
@require_POST
def review_create(request, pk: int):
    engagement = _engagement_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, engagement, status=400, review_form=form)
    try:
        delivery_services.review_create(engagement=engagement, author=request.user, **form.cleaned_data)
    except delivery_services.EngagementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Thank you: your review of %(vendor)s is saved.") % {"vendor": engagement.vendor.name}
        )
    return redirect("engagements:detail", pk=engagement.pk)
