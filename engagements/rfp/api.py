"""REST API for requests for proposal, proposals and their evaluation.

Each view is thin: an input serializer validates, one service of
`engagements.rfp.services` writes, an output serializer shapes rows fetched by
`engagements.rfp.selectors`. Service errors map to status codes in one place
(`RfpApiView.handle_exception`): RfpError (the state does not allow it) -> 409
{"detail"}; a Django ValidationError -> 400 with field errors (kpo.api.errors).

Who sees what (DESIGN.md, security model): every object lookup goes through
a queryset scoped to the caller, so an object of another organization is a
404, never a 403. A collection or a write the caller's role may not use is a
403. The client reads a proposal's content (and its attachment) only once the
bids are open; the vendor reads its own proposal and invitation only.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from engagements.access.caller import caller as caller_of
from engagements.access.caller import client_membership as _client_membership
from engagements.access.caller import member_caller
from engagements.access.caller import vendor_id as _vendor_id
from engagements.access.visibility import editable, rfps_visible_to
from engagements.matching import selectors as matching_selectors
from engagements.models import (
    Engagement,
    InvitationStatus,
    Membership,
    Proposal,
    ProposalStatus,
    Requirement,
    Rfp,
    RfpInvitation,
)
from engagements.rfp import proposals as rfp_proposals
from engagements.rfp import selectors as rfp_selectors
from engagements.rfp import serializers as s
from engagements.rfp import services as rfp_services
from engagements.rfp.proposals import ATTACHMENT_MEDIA_TYPES, attachment_media_type
from kpo.api.errors import Conflict
from kpo.api.headers import content_disposition_header
from kpo.api.pagination import BrowseCursorPagination
from kpo.api.parsers import BoundedJSONParser

SEALED_MESSAGE = "The proposals are sealed until the deadline ({deadline}) or until every invited vendor has answered."


class RfpApiView(GenericAPIView):
    refuses_roles = True  # every RFP view checks the caller's role itself (403): the schema says so

    def get_authenticate_header(self, request):
        # Without credentials the answer is 401, as DESIGN.md promises, even
        # while session authentication is the only scheme configured (DRF
        # answers 403 when the first scheme names no challenge).
        return super().get_authenticate_header(request) or 'Session realm="api"'

    def handle_exception(self, exc):
        if isinstance(exc, rfp_services.RfpError):
            exc = Conflict(str(exc))
        elif isinstance(exc, Requirement.DoesNotExist):  # deleted while this request waited for it
            exc = NotFound()
        return super().handle_exception(exc)


# -- the caller ------------------------------------------------------------------------------


def _readable_rfps(request) -> QuerySet[Rfp]:
    """RFPs the caller may read: its client organization's, or all for staff. (An invited
    vendor reads its invitations instead: the client's side of an RFP is not for it.)"""
    found = caller_of(request)
    if found.vendor_id is not None:
        return Rfp.objects.none()
    return rfps_visible_to(found).select_related("requirement")


def _require_client_reader(request) -> None:
    if not request.user.is_staff and _client_membership(request) is None:
        raise PermissionDenied("Only procurement managers of a client organization use requests for proposal.")


def _require_manager_of(request, rfp: Rfp | None = None) -> Membership:
    """Writes: a procurement manager of the RFP's organization (staff only read)."""
    membership = _client_membership(request)
    if membership is None or (rfp is not None and not editable(member_caller(request), rfp)):
        raise PermissionDenied("Only procurement managers of the client organization act on its requests.")
    return membership


def _evaluable_proposals(request) -> QuerySet[Proposal]:
    """Proposals the client side may address: submitted ones of readable RFPs.
    A draft is the vendor's own: the client never learns it exists."""
    return (
        Proposal.objects.filter(invitation__rfp__in=_readable_rfps(request))
        .exclude(status=ProposalStatus.DRAFT)
        .select_related("invitation__rfp__requirement")
    )


def _rfp_detail(queryset: QuerySet[Rfp], pk: int) -> Rfp:
    return get_object_or_404(
        queryset.prefetch_related(
            "criteria",
            Prefetch("invitations", queryset=RfpInvitation.objects.select_related("vendor").order_by("id")),
        ),
        pk=pk,
    )


def _rfp_list(request) -> QuerySet[Rfp]:
    queryset: QuerySet[Rfp]
    if request.user.is_staff:
        # The staff's view of every organization; the annotations are those of rfp_list_for_client.
        queryset = Rfp.objects.select_related("requirement").annotate(
            invited_count=Count("invitations", distinct=True),
            answered_count=Count("invitations", filter=~Q(invitations__status=InvitationStatus.INVITED), distinct=True),
        )
    else:
        found = caller_of(request)
        # The view called _require_client_reader first: a client membership.
        assert found.client_id is not None
        queryset = rfp_selectors.rfp_list_for_client(caller=found)
    return queryset.order_by("-created_at", "-id")


def _evaluation_items(request, rfp: Rfp) -> list:
    evaluation = rfp_selectors.rfp_evaluation(rfp=rfp, evaluator=request.user)
    columns = [column for column in evaluation["columns"] if column.proposal is not None]
    context = {"request": request, "currency": evaluation["requirement"].currency}
    # many=True builds a ListSerializer (its data a ReturnList); the stubs type the call as the serializer itself.
    return s.EvaluatedProposalSerializer(columns, many=True, context=context).data  # type: ignore[return-value]


def _evaluation_item(request, rfp: Rfp, proposal_id: int) -> dict:
    return next(item for item in _evaluation_items(request, rfp) if item["id"] == proposal_id)


# -- the client's side -----------------------------------------------------------------------


class RfpListApi(RfpApiView):
    """GET: the caller organization's RFPs, newest first (staff: all).
    POST: invite vendors of a succeeded run's shortlist to propose."""

    serializer_class = s.RfpSerializer
    pagination_class = BrowseCursorPagination  # newest first

    @extend_schema(operation_id="rfps_list", responses=s.RfpListSerializer(many=True))
    def get(self, request):
        _require_client_reader(request)
        page = self.paginate_queryset(_rfp_list(request))
        return self.get_paginated_response(s.RfpListSerializer(page, many=True).data)

    @extend_schema(
        operation_id="rfps_create",
        request=s.RfpCreateSerializer,
        responses={201: s.RfpSerializer, 409: OpenApiResponse(description="The run or requirement does not allow it.")},
    )
    def post(self, request):
        membership = _require_manager_of(request)
        serializer = s.RfpCreateSerializer(
            data=request.data,
            match_runs=matching_selectors.match_run_queryset_for(user=request.user).filter(
                requirement__client_id=membership.client_id
            ),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rfp = rfp_services.rfp_create(
            run=data["match_run"],
            vendor_ids=data["vendors"],
            deadline=data["deadline"],
            created_by=request.user,
            title=data["title"],
            instructions=data["instructions"],
            questions=data["questions"],
            criteria=data["criteria"],
        )
        return Response(s.RfpSerializer(_rfp_detail(_readable_rfps(request), rfp.pk)).data, status=201)


class RfpDetailApi(RfpApiView):
    """One request for proposal of the caller's client organization (staff read all)."""

    serializer_class = s.RfpSerializer

    @extend_schema(operation_id="rfps_retrieve", responses=s.RfpSerializer)
    def get(self, request, pk):
        return Response(s.RfpSerializer(_rfp_detail(_readable_rfps(request), pk)).data)


class RfpProposalsApi(RfpApiView):
    """The side-by-side evaluation: every submitted proposal, ordered by the
    vendor's rank on the shortlist. 409 while the proposals are sealed."""

    serializer_class = s.EvaluatedProposalSerializer

    @extend_schema(
        operation_id="rfps_proposals_list",
        responses={
            200: s.EvaluatedProposalSerializer(many=True),
            409: OpenApiResponse(description="The proposals are still sealed."),
        },
    )
    def get(self, request, pk):
        rfp = get_object_or_404(_readable_rfps(request), pk=pk)
        if not rfp.is_unsealed():
            raise Conflict(SEALED_MESSAGE.format(deadline=rfp.deadline.isoformat()))
        return Response(_evaluation_items(request, rfp))


class RfpAwardApi(RfpApiView):
    """Award the RFP to one of its proposals, with an optional note (a procurement manager; 409 when the
    RFP's state does not allow it)."""

    serializer_class = s.RfpAwardSerializer

    @extend_schema(
        operation_id="rfps_award",
        request=s.RfpAwardSerializer,
        responses={
            200: s.AwardResultSerializer,
            409: OpenApiResponse(description="The RFP's state does not allow it."),
        },
    )
    def post(self, request, pk):
        rfp = get_object_or_404(_readable_rfps(request), pk=pk)
        _require_manager_of(request, rfp)
        serializer = s.RfpAwardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = _evaluable_proposals(request).filter(invitation__rfp=rfp, pk=serializer.validated_data["proposal"])
        proposal = proposal.first()
        if proposal is None:
            raise ValidationError({"proposal": ["Not a submitted proposal of this request for proposal."]})
        awarded = rfp_services.rfp_award(proposal=proposal, actor=request.user, note=serializer.validated_data["note"])
        engagement_id = Engagement.objects.filter(proposal=awarded).values_list("pk", flat=True).get()
        return Response(
            s.AwardResultSerializer(
                {
                    "proposal": awarded.pk,
                    "proposal_status": awarded.status,
                    "rfp_status": Rfp.objects.values_list("status", flat=True).get(pk=rfp.pk),
                    "engagement": engagement_id,
                }
            ).data
        )


class RfpCancelApi(RfpApiView):
    """Cancel the RFP, with a reason (a procurement manager; 409 once it is closed)."""

    serializer_class = s.RfpCancelSerializer

    @extend_schema(
        operation_id="rfps_cancel",
        request=s.RfpCancelSerializer,
        responses={200: s.RfpSerializer, 409: OpenApiResponse(description="The RFP is already awarded or cancelled.")},
    )
    def post(self, request, pk):
        rfp = get_object_or_404(_readable_rfps(request), pk=pk)
        _require_manager_of(request, rfp)
        serializer = s.RfpCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rfp_services.rfp_cancel(rfp=rfp, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(s.RfpSerializer(_rfp_detail(_readable_rfps(request), pk)).data)


class ProposalScoresApi(RfpApiView):
    """PUT: the caller's own scores of one proposal, one per criterion (1-5);
    replaces the caller's earlier scores, never a colleague's."""

    serializer_class = s.ProposalScoresSerializer

    @extend_schema(
        operation_id="proposals_scores_update",
        request=s.ProposalScoresSerializer,
        responses={
            200: s.EvaluatedProposalSerializer,
            409: OpenApiResponse(description="Sealed, or the RFP is no longer open."),
        },
    )
    def put(self, request, pk):
        proposal = get_object_or_404(_evaluable_proposals(request), pk=pk)
        rfp = proposal.invitation.rfp
        _require_manager_of(request, rfp)
        serializer = s.ProposalScoresSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["scores"]
        rfp_services.proposal_scores_save(
            proposal=proposal,
            evaluator=request.user,
            scores={row["criterion"]: row["score"] for row in rows},
            comments={row["criterion"]: row["comment"] for row in rows},
        )
        return Response(_evaluation_item(request, rfp, proposal.pk))


class ProposalShortlistApi(RfpApiView):
    """Put a proposal on the RFP's shortlist or take it off (`shortlisted`), as a procurement manager."""

    serializer_class = s.ProposalShortlistSerializer

    @extend_schema(
        operation_id="proposals_shortlist",
        request=s.ProposalShortlistSerializer,
        responses={
            200: s.EvaluatedProposalSerializer,
            409: OpenApiResponse(description="Sealed, or the RFP is no longer open."),
        },
    )
    def post(self, request, pk):
        proposal = get_object_or_404(_evaluable_proposals(request), pk=pk)
        rfp = proposal.invitation.rfp
        _require_manager_of(request, rfp)
        serializer = s.ProposalShortlistSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rfp_services.proposal_shortlist(
            proposal=proposal, shortlisted=serializer.validated_data["shortlisted"], actor=request.user
        )
        return Response(_evaluation_item(request, rfp, proposal.pk))


class ProposalAttachmentApi(RfpApiView):
    """The proposal's file: to its vendor's members always; to the client (and
    staff) once the bids are open. 404 for anyone else and while sealed."""

    @extend_schema(
        operation_id="proposals_attachment",
        parameters=[content_disposition_header(200)],
        responses={
            **{
                (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as it was uploaded.")
                for media_type in sorted(set(ATTACHMENT_MEDIA_TYPES.values()))
            },
            404: OpenApiResponse(description="No such proposal, none visible yet (sealed), or it has no file."),
        },
    )
    def get(self, request, pk):
        vendor_id = _vendor_id(request)
        if vendor_id is not None:
            proposal = Proposal.objects.filter(invitation__vendor_id=vendor_id, pk=pk).first()
        else:
            proposal = _evaluable_proposals(request).filter(pk=pk).first()
            if proposal is not None and not proposal.invitation.rfp.is_unsealed():
                proposal = None
        if proposal is None or not proposal.attachment:
            raise NotFound()
        try:
            handle = proposal.attachment.open("rb")
        except FileNotFoundError:
            raise NotFound() from None
        name = proposal.attachment_name or "attachment"
        return FileResponse(handle, as_attachment=True, filename=name, content_type=attachment_media_type(name))


# -- the vendor's side -----------------------------------------------------------------------


def _own_invitations(request, *, detail: bool = False) -> QuerySet[RfpInvitation]:
    found = member_caller(request)  # the firm's own invitations, a staff member's firm included
    if found.vendor_id is None:
        return RfpInvitation.objects.none()
    if detail:
        return rfp_selectors.invitation_detail_queryset_for_vendor(caller=found)
    return rfp_selectors.invitation_queryset_for_vendor(caller=found)


def _own_invitation(request, pk: int) -> RfpInvitation:
    return get_object_or_404(_own_invitations(request, detail=True), pk=pk)


def _invitation_response(request, pk: int) -> Response:
    return Response(s.VendorInvitationSerializer(_own_invitation(request, pk), context={"request": request}).data)


class InvitationListApi(RfpApiView):
    """The caller's firm's invitations, newest first."""

    serializer_class = s.VendorInvitationListSerializer
    pagination_class = BrowseCursorPagination  # newest first

    @extend_schema(operation_id="invitations_list", responses=s.VendorInvitationListSerializer(many=True))
    def get(self, request):
        if _vendor_id(request) is None:
            raise PermissionDenied("Only members of a vendor firm have invitations.")
        page = self.paginate_queryset(_own_invitations(request))
        return self.get_paginated_response(s.VendorInvitationListSerializer(page, many=True).data)


class InvitationDetailApi(RfpApiView):
    """One of the caller's vendor firm's RFP invitations, with the requirement it answers."""

    serializer_class = s.VendorInvitationSerializer

    @extend_schema(operation_id="invitations_retrieve", responses=s.VendorInvitationSerializer)
    def get(self, request, pk):
        return _invitation_response(request, pk)


class InvitationProposalApi(RfpApiView):
    """GET: the firm's own proposal (404 before the first save). PUT: save the
    whole proposal as a draft, or submit it (`submit: true`); a submitted
    proposal is revised by submitting again, until the RFP closes for bids.
    JSON, or multipart/form-data to send the attachment with it."""

    serializer_class = s.OwnProposalSerializer
    parser_classes = [BoundedJSONParser, MultiPartParser]

    @extend_schema(operation_id="invitations_proposal_retrieve", responses=s.OwnProposalSerializer)
    def get(self, request, pk):
        invitation = _own_invitation(request, pk)
        proposal = getattr(invitation, "proposal", None)
        if proposal is None:
            raise NotFound("No proposal yet: save a draft with PUT.")
        return Response(s.OwnProposalSerializer(proposal, context={"request": request}).data)

    @extend_schema(
        operation_id="invitations_proposal_update",
        request={
            "application/json": s.ProposalJsonInputSerializer,
            "multipart/form-data": s.ProposalInputSerializer,
        },
        responses={
            200: s.OwnProposalSerializer,
            409: OpenApiResponse(description="The RFP is closed for bids, or the invitation was declined."),
        },
    )
    def put(self, request, pk):
        invitation = _own_invitation(request, pk)
        serializer = s.ProposalInputSerializer(data=request.data, question_count=len(invitation.rfp.questions))
        serializer.is_valid(raise_exception=True)
        rfp_proposals.proposal_save(
            invitation=invitation,
            data=serializer.proposal_input(),
            actor=request.user,
            submit=serializer.validated_data["submit"],
            attachment=serializer.validated_data.get("attachment"),
            remove_attachment=serializer.validated_data["remove_attachment"],
        )
        proposal = Proposal.objects.get(invitation_id=invitation.pk)
        return Response(s.OwnProposalSerializer(proposal, context={"request": request}).data)


class InvitationDeclineApi(RfpApiView):
    """The caller's vendor firm declines an invitation, with a reason (409 once it has answered)."""

    serializer_class = s.InvitationDeclineSerializer

    @extend_schema(
        operation_id="invitations_decline",
        request=s.InvitationDeclineSerializer,
        responses={
            200: s.VendorInvitationSerializer,
            409: OpenApiResponse(description="Closed for bids, already declined, or a proposal was submitted."),
        },
    )
    def post(self, request, pk):
        invitation = _own_invitation(request, pk)
        serializer = s.InvitationDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rfp_proposals.invitation_decline(
            invitation=invitation, reason=serializer.validated_data["reason"], actor=request.user
        )
        return _invitation_response(request, pk)
