from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements import selectors, services
from engagements.api.serializers import MatchRunSerializer, RequirementSerializer
from engagements.matching import runs
from engagements.models import Requirement
from kpo.api.errors import Conflict, ErrorSerializer
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
from kpo.api.pagination import BrowseCursorPagination, SyncCursorPagination
from kpo.api.sync import SYNC_PARAMETERS, apply_sync_filters, is_sync_request, sync_tombstones

REQUIREMENT_RESOURCE = "requirement"


_ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description='Invalid input: {"field": ["message", ...]}; nothing changed.'
    ),
    401: OpenApiResponse(ErrorSerializer, description="No valid credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not your organization's)."),
}
LOCATION_HEADER = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[202],
    description="The new run, to poll: /api/v1/match-runs/{id}/.",
)


def _errors(*codes: int) -> dict:
    return {code: _ERRORS[code] for code in codes}


def _requirement_tombstones(request):
    """Tombstones of requirements the caller could see: staff all, a client
    manager their organization's, anyone else none. None outside sync mode."""
    if not is_sync_request(request):
        return None
    if request.user.is_staff:
        return sync_tombstones(request, resource="requirement")
    membership = selectors.membership_for(user=request.user)
    if membership is None or not membership.is_client:
        return sync_tombstones(request, resource="requirement", scope=Q(pk__in=[]))
    return sync_tombstones(request, resource="requirement", client_id=membership.client_id)


def _set_external_id(requirement, validated_data: dict) -> None:
    # requirement_create/update leave external_id alone: an API-only field.
    if "external_id" in validated_data and validated_data["external_id"] != requirement.external_id:
        Requirement.objects.filter(pk=requirement.pk).update(external_id=validated_data["external_id"])


def _unique_external_id_error() -> ValidationError:
    return ValidationError({"external_id": ["Another requirement of your organization has this external id."]})


class RequirementListApi(APIView):
    """GET lists the caller's requirements newest first with a cursor, or, with
    `since` / `updated_since`, the changes in change number order with the
    tombstones of deleted ones (kpo/api/pagination.py)."""

    serializer_class = RequirementSerializer
    pagination_class = SyncCursorPagination

    @extend_schema(
        operation_id="requirements_list",
        parameters=SYNC_PARAMETERS,
        responses={200: RequirementSerializer(many=True), **_errors(400, 401)},
    )
    def get(self, request):
        queryset = apply_sync_filters(selectors.requirement_queryset_for(user=request.user), request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self, tombstones=_requirement_tombstones(request))
        return paginator.get_paginated_response(RequirementSerializer(page, many=True).data)

    @extend_schema(
        operation_id="requirements_create",
        request=RequirementSerializer,
        responses={201: RequirementSerializer, **_errors(400, 401, 403)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request):
        membership = selectors.membership_for(user=request.user)
        if membership is None or not membership.is_client:
            raise PermissionDenied("Only procurement managers of a client organization create requirements.")
        serializer = RequirementSerializer(data=request.data, context={"client": membership.client})
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                requirement = services.requirement_create(
                    client=membership.client, created_by=request.user, data=serializer.validated_data
                )
                _set_external_id(requirement, serializer.validated_data)
        except IntegrityError as exc:  # a concurrent write took the external id first
            if "requirement_external_id_unique_per_client" in str(exc):
                raise _unique_external_id_error() from None
            raise
        requirement = selectors.requirement_queryset_for(user=request.user).get(pk=requirement.pk)
        return with_etag(
            Response(RequirementSerializer(requirement).data, status=status.HTTP_201_CREATED),
            requirement,
            REQUIREMENT_RESOURCE,
        )


class RequirementDetailApi(APIView):
    """GET with an ETag (304 on a matching If-None-Match); PUT/PATCH honour
    If-Match (412 when the requirement changed since), compared on the row
    locked for the write so concurrent writers cannot both pass."""

    serializer_class = RequirementSerializer

    def get_object(self, request, pk):
        return get_object_or_404(selectors.requirement_queryset_for(user=request.user), pk=pk)

    @extend_schema(
        operation_id="requirements_retrieve",
        parameters=[IF_NONE_MATCH_PARAMETER, ETAG_HEADER],
        responses={
            200: RequirementSerializer,
            304: OpenApiResponse(description="Not modified since the ETag."),
            **_errors(401, 404),
        },
    )
    def get(self, request, pk):
        requirement = self.get_object(request, pk)
        unchanged = not_modified(request, requirement, REQUIREMENT_RESOURCE)
        if unchanged is not None:
            return unchanged
        return with_etag(Response(RequirementSerializer(requirement).data), requirement, REQUIREMENT_RESOURCE)

    def _update(self, request, pk, partial):
        self.get_object(request, pk)  # 404 outside the caller's organization
        try:
            with transaction.atomic():
                requirement = lock_for_write(selectors.requirement_queryset_for(user=request.user), pk)
                check_if_match(request, requirement, REQUIREMENT_RESOURCE)
                serializer = RequirementSerializer(
                    requirement, data=request.data, partial=partial, context={"client": requirement.client}
                )
                serializer.is_valid(raise_exception=True)
                services.requirement_update(requirement=requirement, data=serializer.validated_data)
                _set_external_id(requirement, serializer.validated_data)
        except IntegrityError as exc:
            if "requirement_external_id_unique_per_client" in str(exc):
                raise _unique_external_id_error() from None
            raise
        requirement = self.get_object(request, pk)
        return with_etag(Response(RequirementSerializer(requirement).data), requirement, REQUIREMENT_RESOURCE)

    @extend_schema(
        operation_id="requirements_update",
        request=RequirementSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: RequirementSerializer, 412: PRECONDITION_FAILED_RESPONSE, **_errors(400, 401, 404)},
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="requirements_partial_update",
        request=RequirementSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: RequirementSerializer, 412: PRECONDITION_FAILED_RESPONSE, **_errors(400, 401, 404)},
    )
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(
        operation_id="requirements_destroy",
        description="Delete a requirement with its match runs (procurement managers of its organization, staff). "
        "One vendors took part in (an engagement or a request for proposal) is kept: set its status to "
        "cancelled instead. Honours If-Match.",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            204: OpenApiResponse(description="Deleted, with its match runs; a sync lists a `deleted` tombstone."),
            **_errors(401, 404),
            409: OpenApiResponse(
                ErrorSerializer,
                description="It has an engagement or a request for proposal (cancel it instead), or a run in progress.",
            ),
            412: PRECONDITION_FAILED_RESPONSE,
        },
    )
    def delete(self, request, pk):
        self.get_object(request, pk)  # 404 outside the caller's organization
        with transaction.atomic():
            requirement = lock_for_write(selectors.requirement_queryset_for(user=request.user), pk)
            check_if_match(request, requirement, REQUIREMENT_RESOURCE)
            try:
                services.requirement_delete(requirement=requirement)
            except services.RequirementError as exc:
                raise Conflict(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class RequirementMatchRunsApi(GenericAPIView):
    """POST starts a run (202 + Location); GET lists the requirement's runs, newest first."""

    serializer_class = MatchRunSerializer
    pagination_class = BrowseCursorPagination

    @extend_schema(
        operation_id="requirements_match_runs_list",
        responses={200: MatchRunSerializer(many=True), **_errors(400, 401, 404)},
    )
    def get(self, request, pk):
        requirement = get_object_or_404(selectors.requirement_queryset_for(user=request.user), pk=pk)
        run_list = selectors.match_run_queryset_for(user=request.user).filter(requirement=requirement)
        page = self.paginate_queryset(run_list.prefetch_related("results__vendor"))
        return self.get_paginated_response(MatchRunSerializer(page, many=True).data)

    @extend_schema(
        operation_id="requirements_match_runs_create",
        request=None,
        parameters=[LOCATION_HEADER],
        responses={
            202: OpenApiResponse(MatchRunSerializer, description="Queued: poll the run at its Location."),
            **_errors(401, 404),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The requirement cannot be matched: what to fix."),
        },
    )
    def post(self, request, pk):
        requirement = get_object_or_404(selectors.requirement_queryset_for(user=request.user), pk=pk)
        problems = runs.requirement_match_problems(requirement)
        if problems:
            raise ValidationError(problems)
        try:
            run = runs.match_run_create(requirement=requirement, requested_by=request.user)
        except Requirement.DoesNotExist:
            raise NotFound from None  # deleted while this request waited
        run.refresh_from_db()
        response = Response(
            MatchRunSerializer(selectors.match_run_with_results(run=run)).data, status=status.HTTP_202_ACCEPTED
        )
        response["Location"] = request.build_absolute_uri(reverse("api-match-run-detail", args=[run.pk]))
        return response


class MatchRunDetailApi(APIView):
    serializer_class = MatchRunSerializer

    @extend_schema(operation_id="match_runs_retrieve", responses={200: MatchRunSerializer, **_errors(401, 404)})
    def get(self, request, pk):
        run = get_object_or_404(selectors.match_run_queryset_for(user=request.user), pk=pk)
        return Response(MatchRunSerializer(selectors.match_run_with_results(run=run)).data)


class MatchRunWhyNotApi(APIView):
    """GET ?vendor=<id or slug>: the vendor's rank and components, or why it was excluded."""

    @extend_schema(
        operation_id="match_runs_why_not",
        parameters=[OpenApiParameter("vendor", str, required=True, description="Vendor id or slug.")],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`{vendor, status}` and by status: ranked (rank, score, explanation), below_shortlist "
                "(score, cutoff_score, explanation), excluded (reason code) or unknown (message: the run has not "
                "started).",
            ),
            **_errors(400, 401, 404),
        },
    )
    def get(self, request, pk):
        run = get_object_or_404(selectors.match_run_queryset_for(user=request.user), pk=pk)
        key = request.query_params.get("vendor", "").strip()
        if not key:
            raise ValidationError({"vendor": ["Give a vendor id or slug."]})
        lookup = {"pk": int(key)} if key.isdigit() else {"slug": key}
        vendor = selectors.why_not_vendors(run=run, user=request.user).filter(**lookup).first()
        if vendor is None:
            raise NotFound("No such vendor.")
        return Response(runs.match_run_why_not(run=run, vendor=vendor))
