"""REST API v1 for requirements: list, create, read, change and delete, scoped to the
caller's organization, with delta sync and ETags."""

from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.models import Requirement
from engagements.organizations import selectors as organizations_selectors
from engagements.requirements import selectors as requirements_selectors
from engagements.requirements import services as requirements_services
from engagements.requirements.serializers import RequirementSerializer
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
from kpo.api.sync import SYNC_PARAMETERS, apply_sync_filters, is_sync_request, sync_tombstones

REQUIREMENT_RESOURCE = "requirement"


ERROR_DESCRIPTIONS = {
    400: 'Invalid input: {"field": ["message", ...]}; nothing changed.',
    401: "No valid credentials.",
    403: "Your role may not do this.",
    404: "Not found (or not your organization's).",
}
error_responses = partial(documented_errors, ERROR_DESCRIPTIONS, {})


def _requirement_tombstones(request):
    """Tombstones of requirements the caller could see: staff all, a client
    manager their organization's, anyone else none. None outside sync mode."""
    if not is_sync_request(request):
        return None
    if request.user.is_staff:
        return sync_tombstones(request, resource="requirement")
    membership = organizations_selectors.membership_for(user=request.user)
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
        responses={200: RequirementSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        queryset = apply_sync_filters(requirements_selectors.requirement_queryset_for(user=request.user), request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self, tombstones=_requirement_tombstones(request))
        return paginator.get_paginated_response(RequirementSerializer(page, many=True).data)

    @extend_schema(
        operation_id="requirements_create",
        request=RequirementSerializer,
        responses={201: RequirementSerializer, **error_responses(400, 401, 403)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request):
        membership = organizations_selectors.membership_for(user=request.user)
        if membership is None or not membership.is_client:
            raise PermissionDenied("Only procurement managers of a client organization create requirements.")
        serializer = RequirementSerializer(data=request.data, context={"client": membership.client})
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                requirement = requirements_services.requirement_create(
                    client=membership.client, created_by=request.user, data=serializer.validated_data
                )
                _set_external_id(requirement, serializer.validated_data)
        except IntegrityError as exc:  # a concurrent write took the external id first
            if "requirement_external_id_unique_per_client" in str(exc):
                raise _unique_external_id_error() from None
            raise
        requirement = requirements_selectors.requirement_queryset_for(user=request.user).get(pk=requirement.pk)
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
        return get_object_or_404(requirements_selectors.requirement_queryset_for(user=request.user), pk=pk)

    @extend_schema(
        operation_id="requirements_retrieve",
        parameters=[IF_NONE_MATCH_PARAMETER, ETAG_HEADER],
        responses={
            200: RequirementSerializer,
            304: OpenApiResponse(description="Not modified since the ETag."),
            **error_responses(401, 404),
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
                requirement = lock_for_write(requirements_selectors.requirement_queryset_for(user=request.user), pk)
                check_if_match(request, requirement, REQUIREMENT_RESOURCE)
                serializer = RequirementSerializer(
                    requirement, data=request.data, partial=partial, context={"client": requirement.client}
                )
                serializer.is_valid(raise_exception=True)
                requirements_services.requirement_update(requirement=requirement, data=serializer.validated_data)
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
        responses={200: RequirementSerializer, 412: PRECONDITION_FAILED_RESPONSE, **error_responses(400, 401, 404)},
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="requirements_partial_update",
        request=RequirementSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: RequirementSerializer, 412: PRECONDITION_FAILED_RESPONSE, **error_responses(400, 401, 404)},
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
            **error_responses(401, 404),
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
            requirement = lock_for_write(requirements_selectors.requirement_queryset_for(user=request.user), pk)
            check_if_match(request, requirement, REQUIREMENT_RESOURCE)
            try:
                requirements_services.requirement_delete(requirement=requirement)
            except requirements_services.RequirementError as exc:
                raise Conflict(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
