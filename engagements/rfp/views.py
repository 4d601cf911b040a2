"""The procurement manager's requests for proposal: invite vendors from a
shortlist, watch the answers come in (sealed), compare the proposals side by
side once the bids open, score them, shortlist, award or cancel.

Every lookup is scoped to the viewer's client organization (404 otherwise).
Deadlines are entered and shown in the organization's time zone."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.matching import selectors as matching_selectors
from engagements.models import MatchRunStatus, Proposal, ProposalStatus, Requirement, Rfp
from engagements.rfp import selectors as rfp_selectors
from engagements.rfp import services as rfp_services
from engagements.rfp.forms import CriterionFormSet, ReasonForm, RfpCreateForm, ScoreForm
from kpo.access import Caller
from kpo.bounds import whole_number
from kpo.permissions import client_manager_required

DEFAULT_INVITEES = 3
DEFAULT_DEADLINE_DAYS = 7


def attachment_response(proposal: Proposal) -> FileResponse:
    """The attachment as a download under the vendor's file name; never rendered inline."""
    try:
        handle = proposal.attachment.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=proposal.attachment_name or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def rfp_detail_url(rfp: Rfp) -> str:
    return reverse("rfps:detail", args=[rfp.pk])


def _rfp_or_404(request, pk: int) -> Rfp:
    return get_object_or_404(rfp_selectors.rfp_queryset_for_client(caller=Caller.of(request)), pk=pk)


def _proposal_or_404(request, rfp: Rfp, proposal_pk: int) -> Proposal:
    # A draft is the vendor's own: the client never learns it exists.
    return get_object_or_404(
        Proposal.objects.filter(invitation__rfp=rfp)
        .exclude(status=ProposalStatus.DRAFT)
        .select_related("invitation__vendor"),
        pk=proposal_pk,
    )


def _add_service_errors(form, exc: ValidationError) -> None:
    """A service's errors on the form's fields they name; on the form as a whole
    for the others (the criteria have their own formset)."""
    errors = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, field_errors in errors:
        form.add_error(field if field in form.fields else None, field_errors)


@client_manager_required
@require_GET
def rfp_list(request):
    caller = Caller.of(request)
    rfps = list(rfp_selectors.rfp_list_for_client(caller=caller).order_by("-created_at", "-id")[:200])
    return render(request, "engagements/rfp_list.html", {"rfps": rfps, "now": timezone.now()})


@client_manager_required
@require_http_methods(["GET", "POST"])
def rfp_create(request, pk: int, run_pk: int):
    caller = Caller.of(request)
    client = caller.client
    run = get_object_or_404(matching_selectors.match_run_for_client(caller=caller), pk=run_pk, requirement_id=pk)
    if run.status != MatchRunStatus.SUCCEEDED:
        raise Http404
    results = matching_selectors.match_run_results(run=run)
    results = [r for r in results if r.vendor.is_active]
    if request.method == "POST":
        form = RfpCreateForm(request.POST, results=results)
        criteria = CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() and criteria.is_valid():
            try:
                rfp = rfp_services.rfp_create(
                    run=run,
                    vendor_ids=form.cleaned_data["vendors"],
                    deadline=form.cleaned_data["deadline"],
                    created_by=request.user,
                    title=form.cleaned_data["title"],
                    instructions=form.cleaned_data["instructions"],
                    questions=form.cleaned_data["questions"],
                    criteria=criteria.criteria(),
                )
            except rfp_services.RfpError as exc:
                form.add_error(None, str(exc))
            except Requirement.DoesNotExist:
                raise Http404 from None  # deleted while this request waited for it
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                invited = rfp.invitations.count()
                messages.success(
                    request,
                    ngettext(
                        "Invitation sent to %(count)s vendor. Its proposal stays sealed until the deadline.",
                        "Invitations sent to %(count)s vendors. Proposals stay sealed until the deadline.",
                        invited,
                    )
                    % {"count": invited},
                )
                return redirect("rfps:detail", pk=rfp.pk)
        status = 400
    else:
        preselected = [str(r.vendor_id) for r in results[:DEFAULT_INVITEES]]
        requested = [str(chosen) for v in request.GET.getlist("vendor") if (chosen := whole_number(v)) is not None]
        deadline = (timezone.localtime() + timedelta(days=DEFAULT_DEADLINE_DAYS)).replace(
            hour=17, minute=0, second=0, microsecond=0
        )
        form = RfpCreateForm(
            initial={
                "title": run.requirement.title,
                "vendors": requested or preselected,
                "deadline": deadline,
            },
            results=results,
        )
        criteria = CriterionFormSet(
            prefix="criteria",
            initial=[{"name": str(name), "weight": weight} for name, weight in rfp_services.DEFAULT_CRITERIA],
        )
        status = 200
    context = {
        "form": form,
        "criteria": criteria,
        "run": run,
        "requirement": run.requirement,
        "results": results,
        "client": client,
    }
    return render(request, "engagements/rfp_form.html", context, status=status)


def _render_detail(request, rfp: Rfp, *, status: int = 200, score_forms: dict | None = None, error: str = ""):
    client = Caller.of(request).client
    context = rfp_selectors.rfp_evaluation(rfp=rfp, evaluator=request.user)
    score_forms = score_forms or {}
    for column in context["columns"]:
        if column.proposal is not None:
            prefix = f"p{column.proposal.pk}"
            column.score_form = score_forms.get(column.proposal.pk) or ScoreForm(
                initial={f"c{k}": str(v.score) for k, v in column.my_scores.items()},
                criteria=context["criteria"],
                prefix=prefix,
            )
    context.update({"client": client, "cancel_form": ReasonForm(), "error": error})
    return render(request, "engagements/rfp_detail.html", context, status=status)


@client_manager_required
@require_GET
def rfp_detail(request, pk: int):
    return _render_detail(request, _rfp_or_404(request, pk))


@client_manager_required
@require_POST
def proposal_scores(request, pk: int, proposal_pk: int):
    rfp = _rfp_or_404(request, pk)
    proposal = _proposal_or_404(request, rfp, proposal_pk)
    form = ScoreForm(request.POST, criteria=list(rfp.criteria.all()), prefix=f"p{proposal.pk}")
    if not form.is_valid():
        return _render_detail(request, rfp, status=400, score_forms={proposal.pk: form})
    try:
        rfp_services.proposal_scores_save(proposal=proposal, evaluator=request.user, scores=form.scores())
    except (rfp_services.RfpError, ValidationError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return _render_detail(request, rfp, status=409, error=message)
    messages.success(request, _("Your scores for %(vendor)s are saved.") % {"vendor": proposal.invitation.vendor.name})
    return redirect(f"{rfp_detail_url(rfp)}#proposal-{proposal.pk}")


@client_manager_required
@require_POST
def proposal_shortlist(request, pk: int, proposal_pk: int):
    rfp = _rfp_or_404(request, pk)
    proposal = _proposal_or_404(request, rfp, proposal_pk)
    try:
        rfp_services.proposal_shortlist(
            proposal=proposal, shortlisted=request.POST.get("shortlisted") == "1", actor=request.user
        )
    except rfp_services.RfpError as exc:
        return _render_detail(request, rfp, status=409, error=str(exc))
    return redirect(f"{rfp_detail_url(rfp)}#proposal-{proposal.pk}")


@client_manager_required
@require_POST
def rfp_award(request, pk: int):
    rfp = _rfp_or_404(request, pk)
    proposal_pk = request.POST.get("proposal", "")
    chosen = whole_number(proposal_pk)
    if chosen is None:
        return _render_detail(request, rfp, status=400, error=_("Choose the proposal to award."))
    proposal = _proposal_or_404(request, rfp, chosen)
    try:
        awarded = rfp_services.rfp_award(proposal=proposal, actor=request.user)
    except rfp_services.RfpError as exc:
        return _render_detail(request, rfp, status=409, error=str(exc))
    messages.success(
        request,
        _("Awarded to %(vendor)s. The engagement is active and every invited vendor is told the outcome.")
        % {"vendor": proposal.invitation.vendor.name},
    )
    return redirect("engagements:detail", pk=awarded.engagement.pk)


@client_manager_required
@require_POST
def rfp_cancel(request, pk: int):
    rfp = _rfp_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, rfp, status=400, error=_("Say why you cancel: the invited vendors read it."))
    try:
        rfp_services.rfp_cancel(rfp=rfp, actor=request.user, reason=form.cleaned_data["reason"])
    except rfp_services.RfpError as exc:
        return _render_detail(request, rfp, status=409, error=str(exc))
    messages.success(request, _("Request for proposal cancelled; the invited vendors are told."))
    return redirect("rfps:detail", pk=rfp.pk)


@client_manager_required
@require_GET
def proposal_attachment(request, pk: int, proposal_pk: int):
    rfp = _rfp_or_404(request, pk)
    proposal = _proposal_or_404(request, rfp, proposal_pk)
    if not rfp.is_unsealed() or not proposal.attachment:
        raise Http404
    return attachment_response(proposal)
