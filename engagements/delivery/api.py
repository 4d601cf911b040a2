"""REST API for engagements: propose, track, scale, close and review.

Each view is thin: an input serializer validates, one service of
`engagements.services` writes, an output serializer shapes rows fetched here
with everything they need. Service errors map to status codes in one place
(`EngagementApiView.handle_exception`): EngagementError (the state does not
allow it) -> 409 {"detail"}; a Django ValidationError -> 400 with field errors
(kpo.api.errors, for the whole API).

Who sees what (DESIGN.md, security model): every lookup goes through
`engagement_queryset_for`, scoped to the caller (the client organization's
members, the vendor firm's members, staff all), so an engagement of anybody
else is a 404. Who may act is checked here before the service runs, so the
wrong party gets a 403 (the services check again, as defence in depth):
the client proposes, scales, moves dates, completes, cancels, adds and
accepts milestones and reviews; the vendor accepts or declines and delivers
milestones. Staff read everything and may act for either party, as the
services allow.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from engagements.access.caller import caller as caller_of
from engagements.access.caller import client_membership as _client_membership
from engagements.access.caller import membership as _membership
from engagements.access.caller import vendor_id as _vendor_id
from engagements.access.visibility import editable, engagements_visible_to
from engagements.delivery import selectors as delivery_selectors
from engagements.delivery import serializers as s
from engagements.delivery import services as delivery_services
from engagements.models import (
    Engagement,
    EngagementEvent,
    EngagementStatus,
    MatchResult,
    Milestone,
    MilestoneParty,
    MilestoneStatus,
    Requirement,
)
from engagements.requirements import selectors as requirements_selectors
from kpo.api.errors import Conflict, ErrorSerializer, documented_errors
from kpo.api.etag import (
    ETAG_HEADER,
    IF_MATCH_PARAMETER,
    IF_NONE_MATCH_PARAMETER,
    PRECONDITION_FAILED_RESPONSE,
    check_if_match,
    lock_for_write,
    not_modified,
    with_etag,
)
from kpo.api.pagination import SyncCursorPagination
from kpo.api.sync import SYNC_PARAMETERS, apply_sync_filters, sync_tombstones

RESOURCE = "engagement"

ERROR_DESCRIPTIONS = {
    400: 'Validation failed: {"field": ["message", ...]}, "non_field_errors" for the input as a whole.',
    401: "No or invalid credentials.",
    403: "The caller's role may not do this (e.g. the wrong party of the engagement).",
    404: "No such engagement for the caller (another organization's or firm's reads the same).",
}

with_errors = partial(documented_errors, ERROR_DESCRIPTIONS)


# -- the caller ------------------------------------------------------------------------------


def engagement_queryset_for(request) -> QuerySet[Engagement]:
    """Engagements the caller may see: staff all; a client manager the
    organization's; a vendor member the firm's; anyone else none."""
    return engagements_visible_to(caller_of(request)).select_related("vendor")


def _tombstones(request):
    """Tombstones of engagements scoped like the live rows (None outside sync mode)."""
    if request.user.is_staff:
        return sync_tombstones(request, resource=RESOURCE)
    client = _client_membership(request)
    if client is not None:
        return sync_tombstones(request, resource=RESOURCE, client_id=client.client_id)
    return sync_tombstones(request, resource=RESOURCE, vendor_id=_vendor_id(request))


def _engagement_detail(request, pk: int) -> Engagement:
    return get_object_or_404(
        engagement_queryset_for(request).prefetch_related(
            Prefetch("events", queryset=EngagementEvent.objects.select_related("actor").order_by("created_at", "id"))
        ),
        pk=pk,
    )


def _require_party(request, engagement: Engagement, *parties: str) -> None:
    """403 unless the caller may act on this engagement as one of `parties` ("client",
    "vendor"), or is staff (engagements.access: engagements_editable_by). The engagement is
    already scoped to the caller."""
    if editable(caller_of(request), engagement, parties=parties):
        return
    raise PermissionDenied(f"Only the {' or the '.join(parties)} of this engagement may do that.")


# -- views -----------------------------------------------------------------------------------


class EngagementApiView(GenericAPIView):
    """EngagementError -> 409 {"detail"} (a Django ValidationError is a 400 API-wide: kpo.api.errors)."""

    def get_authenticate_header(self, request):
        # Without credentials the answer is 401, as DESIGN.md promises, even while
        # session authentication is the only scheme configured (DRF answers 403
        # when the first scheme names no challenge).
        return super().get_authenticate_header(request) or 'Session realm="api"'

    def handle_exception(self, exc):
        if isinstance(exc, delivery_services.EngagementError):
            exc = Conflict(str(exc))
        elif isinstance(exc, Requirement.DoesNotExist):  # deleted while this request waited for it
            exc = NotFound()
        return super().handle_exception(exc)


class EngagementFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=EngagementStatus.choices, help_text="Repeat for several: ?status=proposed&status=active."
    )
    vendor = filters.NumberFilter(field_name="vendor_id", help_text="A vendor id.")
    requirement = filters.NumberFilter(field_name="requirement_id", help_text="A requirement id.")

    class Meta:
        model = Engagement
        fields = ["status", "vendor", "requirement"]


class EngagementListApi(EngagementApiView):
    """GET: the caller's engagements (a client's organization's, a vendor's
    firm's, staff all). POST (client managers): propose an engagement to a
    vendor of one of the organization's shortlists; the vendor accepts or
    declines it."""

    serializer_class = s.EngagementSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EngagementFilter
    pagination_class = SyncCursorPagination

    def get_queryset(self):
        return engagement_queryset_for(self.request)

    @extend_schema(
        operation_id="engagements_list",
        parameters=SYNC_PARAMETERS,
        responses=with_errors({200: s.EngagementSerializer(many=True)}, 400, 401, 403),
    )
    def get(self, request):
        if not request.user.is_staff and _membership(request) is None:
            raise PermissionDenied("Only members of a client organization or a vendor firm have engagements.")
        queryset = apply_sync_filters(self.filter_queryset(self.get_queryset()), request)
        paginator = self.paginator
        page = paginator.paginate_queryset(queryset, request, view=self, tombstones=_tombstones(request))
        return paginator.get_paginated_response(s.EngagementSerializer(page, many=True).data)

    @extend_schema(
        operation_id="engagements_create",
        request=s.EngagementCreateSerializer,
        parameters=[ETAG_HEADER],
        responses=with_errors(
            {
                201: s.EngagementDetailSerializer,
                409: OpenApiResponse(
                    ErrorSerializer, description="The vendor already has an open engagement for this requirement."
                ),
            },
            400,
            401,
            403,
        ),
    )
    def post(self, request):
        membership = _client_membership(request)
        if membership is None:
            raise PermissionDenied("Only procurement managers of a client organization propose engagements.")
        serializer = s.EngagementCreateSerializer(
            data=request.data,
            match_results=MatchResult.objects.filter(run__requirement__client_id=membership.client_id).select_related(
                "run__requirement"
            ),
            requirements=requirements_selectors.requirement_queryset_for(user=request.user).filter(
                client_id=membership.client_id
            ),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            engagement = delivery_services.engagement_propose(
                result=data["match_result"],
                proposed_by=request.user,
                agreed_rate=data["agreed_rate"],
                currency=data["currency"],
                fte=data["fte"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
            if data["external_id"]:
                delivery_services.engagement_set_external_id(engagement=engagement, external_id=data["external_id"])
        engagement = _engagement_detail(request, engagement.pk)
        response = Response(s.EngagementDetailSerializer(engagement).data, status=status.HTTP_201_CREATED)
        return with_etag(response, engagement, RESOURCE)


class EngagementDetailApi(EngagementApiView):
    """GET: one engagement with its timeline. PATCH (the client): fte (with a
    reason), start_date, end_date, external_id."""

    serializer_class = s.EngagementDetailSerializer

    @extend_schema(
        operation_id="engagements_retrieve",
        parameters=[IF_NONE_MATCH_PARAMETER, ETAG_HEADER],
        responses=with_errors(
            {200: s.EngagementDetailSerializer, 304: OpenApiResponse(description="Not modified.")}, 401, 404
        ),
    )
    def get(self, request, pk):
        engagement = _engagement_detail(request, pk)
        unchanged = not_modified(request, engagement, RESOURCE)
        if unchanged is not None:
            return unchanged
        return with_etag(Response(s.EngagementDetailSerializer(engagement).data), engagement, RESOURCE)

    @extend_schema(
        operation_id="engagements_partial_update",
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        request=s.EngagementUpdateSerializer,
        responses=with_errors(
            {
                200: s.EngagementDetailSerializer,
                409: OpenApiResponse(ErrorSerializer, description="A closed engagement's FTE or dates cannot change."),
                412: PRECONDITION_FAILED_RESPONSE,
            },
            400,
            401,
            403,
            404,
        ),
    )
    def patch(self, request, pk):
        engagement = _engagement_detail(request, pk)
        _require_party(request, engagement, "client")
        with transaction.atomic():
            locked = lock_for_write(Engagement.objects.all(), engagement.pk)
            check_if_match(request, locked, RESOURCE)
            serializer = s.EngagementUpdateSerializer(locked, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            delivery_services.engagement_update(engagement=locked, data=serializer.validated_data, actor=request.user)
        engagement = _engagement_detail(request, pk)
        return with_etag(Response(s.EngagementDetailSerializer(engagement).data), engagement, RESOURCE)


class EngagementTransitionApi(EngagementApiView):
    """accept | decline (the vendor), complete | cancel (the client); 409 when
    the engagement's state does not allow the action."""

    serializer_class = s.EngagementTransitionSerializer

    @extend_schema(
        operation_id="engagements_transition",
        request=s.EngagementTransitionSerializer,
        responses=with_errors(
            {
                200: s.EngagementDetailSerializer,
                409: OpenApiResponse(ErrorSerializer, description="The engagement's state does not allow the action."),
            },
            400,
            401,
            403,
            404,
        ),
    )
    def post(self, request, pk):
        engagement = _engagement_detail(request, pk)
        serializer = s.EngagementTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = serializer.validated_data["action"]
        _require_party(request, engagement, delivery_services.ENGAGEMENT_TRANSITIONS[action][2])
        delivery_services.engagement_transition(
            engagement=engagement, action=action, actor=request.user, note=serializer.validated_data["note"]
        )
        return Response(s.EngagementDetailSerializer(_engagement_detail(request, pk)).data)


class EngagementMilestonesApi(EngagementApiView):
    """GET: the engagement's milestones by due date (both parties). POST: the
    client adds one to a proposed or active engagement."""

    serializer_class = s.MilestoneSerializer

    @extend_schema(
        operation_id="engagements_milestones_list",
        responses=with_errors({200: s.MilestoneSerializer(many=True)}, 401, 404),
    )
    def get(self, request, pk):
        engagement = get_object_or_404(engagement_queryset_for(request), pk=pk)
        milestones = delivery_selectors.milestones_for_page(engagement)  # with their changes, in a fixed count
        return Response(s.MilestoneSerializer(milestones, many=True).data)

    @extend_schema(
        operation_id="engagements_milestones_create",
        request=s.MilestoneCreateSerializer,
        responses=with_errors(
            {
                201: s.MilestoneSerializer,
                409: OpenApiResponse(ErrorSerializer, description="A closed engagement takes no new milestones."),
            },
            400,
            401,
            403,
            404,
        ),
    )
    def post(self, request, pk):
        engagement = get_object_or_404(engagement_queryset_for(request), pk=pk)
        _require_party(request, engagement, "client")
        serializer = s.MilestoneCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = delivery_services.milestone_create(
            engagement=engagement, actor=request.user, **serializer.validated_data
        )
        return Response(s.MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class _MilestoneActionApi(EngagementApiView):
    action: str
    parties: tuple[str, ...]
    serializer_class = s.MilestoneSerializer

    def parties_for(self, milestone: Milestone) -> tuple[str, ...]:
        return self.parties

    def post(self, request, pk, mid):
        engagement = get_object_or_404(engagement_queryset_for(request), pk=pk)
        milestone = get_object_or_404(Milestone.objects.filter(engagement=engagement), pk=mid)
        _require_party(request, engagement, *self.parties_for(milestone))
        milestone = delivery_services.milestone_advance(milestone=milestone, action=self.action, actor=request.user)
        return Response(s.MilestoneSerializer(milestone).data)


class MilestoneDeliverApi(_MilestoneActionApi):
    """Declare a pending milestone delivered (the vendor, or the client for it), once the
    engagement is active; the other side then confirms it (accept)."""

    action = "deliver"
    parties = ("vendor", "client")

    @extend_schema(
        operation_id="engagements_milestones_deliver",
        request=None,
        responses=with_errors(
            {
                200: s.MilestoneSerializer,
                409: OpenApiResponse(
                    ErrorSerializer, description="Not pending, or the engagement is not active (proposed or closed)."
                ),
            },
            401,
            403,
            404,
        ),
    )
    def post(self, request, pk, mid):
        return super().post(request, pk, mid)


class MilestoneAcceptApi(_MilestoneActionApi):
    """Confirm (accept) a delivered milestone: the other side than the one that declared it
    delivered (the client when the vendor declared it, the vendor when the client did)."""

    action = "accept"
    parties = ("client", "vendor")

    def parties_for(self, milestone: Milestone) -> tuple[str, ...]:
        """The side that did not declare the delivery (403 for the one that did; staff either)."""
        if milestone.status != MilestoneStatus.DELIVERED:
            return self.parties  # the service answers 409: nothing to confirm
        return tuple(p for p in delivery_services.milestone_confirmer(milestone) if p != MilestoneParty.STAFF)

    @extend_schema(
        operation_id="engagements_milestones_accept",
        request=None,
        responses=with_errors(
            {
                200: s.MilestoneSerializer,
                409: OpenApiResponse(
                    ErrorSerializer,
                    description="Not delivered, the engagement is not active, or the caller's side declared "
                    "the delivery (the other side confirms it).",
                ),
            },
            401,
            403,
            404,
        ),
    )
    def post(self, request, pk, mid):
        return super().post(request, pk, mid)


class EngagementReviewApi(EngagementApiView):
    """The client's review of a completed engagement, once (1-5 with a comment).
    GET: the review (404 before there is one)."""

    serializer_class = s.ReviewSerializer

    @extend_schema(
        operation_id="engagements_review_retrieve", responses=with_errors({200: s.ReviewSerializer}, 401, 404)
    )
    def get(self, request, pk):
        engagement = get_object_or_404(engagement_queryset_for(request).select_related("review"), pk=pk)
        review = getattr(engagement, "review", None)
        if review is None:
            raise NotFound("This engagement has no review yet.")
        return Response(s.ReviewSerializer(review).data)

    @extend_schema(
        operation_id="engagements_review_create",
        request=s.ReviewCreateSerializer,
        responses=with_errors(
            {
                201: s.ReviewSerializer,
                409: OpenApiResponse(ErrorSerializer, description="Not completed, or already reviewed."),
            },
            400,
            401,
            403,
            404,
        ),
    )
    def post(self, request, pk):
        engagement = get_object_or_404(engagement_queryset_for(request), pk=pk)
        _require_party(request, engagement, "client")
        serializer = s.ReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = delivery_services.review_create(
            engagement=engagement, author=request.user, **serializer.validated_data
        )
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)
