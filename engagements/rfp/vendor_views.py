"""The vendor firm's invitations to propose: read the request, draft, submit and revise its
proposal until the deadline, or decline with a reason; see the outcome.

Every lookup is scoped to the viewer's vendor (404 for another firm's invitation). The vendor
never sees the client's budget, scores or the other invitees. Every write is a POST and
calls one service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import InvitationStatus, ProposalStatus, RfpInvitation
from engagements.rfp import proposals as rfp_proposals
from engagements.rfp import selectors as rfp_selectors
from engagements.rfp import services as rfp_services
from engagements.rfp.forms import ProposalForm, ReasonForm
from engagements.rfp.views import attachment_response
from kpo.access import Caller
from kpo.permissions import vendor_member_required


def _invitation_or_404(request, pk: int) -> RfpInvitation:
    queryset = rfp_selectors.invitation_detail_queryset_for_vendor(caller=Caller.of(request))
    return get_object_or_404(queryset, pk=pk)


def _proposal_initial(invitation: RfpInvitation) -> dict:
    proposal = getattr(invitation, "proposal", None)
    requirement = invitation.rfp.requirement
    if proposal is None:
        return {"currency": requirement.currency, "fte": requirement.fte_needed, "start_date": requirement.start_date}
    initial = {
        "hourly_rate": proposal.hourly_rate,
        "currency": proposal.currency,
        "fte": proposal.fte,
        "start_date": proposal.start_date,
        "approach": proposal.approach,
    }
    initial.update({f"answer_{i}": answer for i, answer in enumerate(proposal.answers)})
    return initial


def _render_invitation(request, invitation, *, form=None, decline_form=None, status=200, error=""):
    rfp = invitation.rfp
    proposal = getattr(invitation, "proposal", None)
    if form is None:
        form = ProposalForm(initial=_proposal_initial(invitation), questions=rfp.questions)
    context = {
        "invitation": invitation,
        "rfp": rfp,
        "requirement": rfp.requirement,
        "requirement_skills": list(rfp.requirement.requirement_skills.all()),
        "proposal": proposal,
        "form": form,
        "decline_form": decline_form or ReasonForm(),
        "open_for_bids": rfp.is_open_for_bids() and invitation.status != InvitationStatus.DECLINED,
        "submitted": proposal is not None and proposal.status != ProposalStatus.DRAFT,
        "max_mb": settings.PROPOSAL_ATTACHMENT_MAX_MB,
        "error": error,
    }
    return render(request, "engagements/vendor/invitation_detail.html", context, status=status)


@vendor_member_required
@require_GET
def invitation_list(request):
    context = rfp_selectors.invitation_list_for_vendor(caller=Caller.of(request))
    return render(request, "engagements/vendor/invitation_list.html", context)


@vendor_member_required
@require_http_methods(["GET", "POST"])
def invitation_detail(request, pk: int):
    invitation = _invitation_or_404(request, pk)
    if request.method == "GET":
        return _render_invitation(request, invitation)
    form = ProposalForm(request.POST, request.FILES, questions=invitation.rfp.questions)
    submit = request.POST.get("intent") == "submit"
    if not form.is_valid():
        return _render_invitation(request, invitation, form=form, status=400)
    try:
        rfp_proposals.proposal_save(
            invitation=invitation,
            data=form.proposal_input(),
            actor=request.user,
            submit=submit,
            attachment=form.cleaned_data.get("attachment"),
            remove_attachment=form.cleaned_data.get("remove_attachment", False),
        )
    except rfp_services.RfpError as exc:
        return _render_invitation(request, _invitation_or_404(request, pk), form=form, status=409, error=str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
            if submit:
                # Mark each empty field the submission needs, beside the summary above the form.
                for name, form_field in form.fields.items():
                    if getattr(form_field, "required_to_submit", False) and form.cleaned_data.get(name) in (None, ""):
                        form.add_error(name, _("Needed to submit."))
        return _render_invitation(request, _invitation_or_404(request, pk), form=form, status=400)
    if submit:
        messages.success(request, _("Proposal submitted. You can revise it until the deadline."))
    else:
        messages.success(request, _("Draft saved. Only your firm sees it until you submit."))
    return redirect("vendor_portal:invitation_detail", pk=pk)


@vendor_member_required
@require_POST
def invitation_decline(request, pk: int):
    invitation = _invitation_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_invitation(request, invitation, decline_form=form, status=400)
    try:
        rfp_proposals.invitation_decline(invitation=invitation, reason=form.cleaned_data["reason"], actor=request.user)
    except rfp_services.RfpError as exc:
        return _render_invitation(request, invitation, decline_form=form, status=409, error=str(exc))
    messages.success(request, _("Invitation declined. The client reads your reason."))
    return redirect("vendor_portal:invitation_detail", pk=pk)


@vendor_member_required
@require_GET
def proposal_attachment(request, pk: int):
    invitation = _invitation_or_404(request, pk)
    proposal = getattr(invitation, "proposal", None)
    if proposal is None or not proposal.attachment:
        raise Http404
    return attachment_response(proposal)
