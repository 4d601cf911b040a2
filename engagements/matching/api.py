"""REST API v1 for match runs: start one on a requirement (202), read it, ask why a vendor
is not on it."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.matching import runs
from engagements.matching import selectors as matching_selectors
from engagements.matching.serializers import MatchRunSerializer, MatchWhyNotSerializer
from engagements.models import Requirement
from engagements.requirements import selectors as requirements_selectors
from engagements.requirements.api import error_responses
from kpo.api.pagination import BrowseCursorPagination
from kpo.bounds import whole_number

LOCATION_HEADER = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[202],
    description="The new run, to poll: /api/v1/match-runs/{id}/.",
)


class RequirementMatchRunsApi(GenericAPIView):
    """POST starts a run (202 + Location); GET lists the requirement's runs, newest first."""

    serializer_class = MatchRunSerializer
    pagination_class = BrowseCursorPagination

    @extend_schema(
        operation_id="requirements_match_runs_list",
        responses={200: MatchRunSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, pk):
        requirement = get_object_or_404(requirements_selectors.requirement_queryset_for(user=request.user), pk=pk)
        run_list = matching_selectors.match_run_queryset_for(user=request.user).filter(requirement=requirement)
        page = self.paginate_queryset(run_list.prefetch_related("results__vendor"))
        return self.get_paginated_response(MatchRunSerializer(page, many=True).data)

    @extend_schema(
        operation_id="requirements_match_runs_create",
        request=None,
        parameters=[LOCATION_HEADER],
        responses={
            202: OpenApiResponse(MatchRunSerializer, description="Queued: poll the run at its Location."),
            **error_responses(401, 404),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The requirement cannot be matched: what to fix."),
        },
    )
    def post(self, request, pk):
        requirement = get_object_or_404(requirements_selectors.requirement_queryset_for(user=request.user), pk=pk)
        problems = runs.requirement_match_problems(requirement)
        if problems:
            raise ValidationError(problems)
        try:
            run = runs.match_run_create(requirement=requirement, requested_by=request.user)
        except Requirement.DoesNotExist:
            raise NotFound from None  # deleted while this request waited
        run.refresh_from_db()
        response = Response(
            MatchRunSerializer(matching_selectors.match_run_with_results(run=run)).data, status=status.HTTP_202_ACCEPTED
        )
        response["Location"] = request.build_absolute_uri(reverse("api-match-run-detail", args=[run.pk]))
        return response


class MatchRunDetailApi(APIView):
    """A match run: its status and progress, the exclusion counts by reason, the parameters it used and,
    once it succeeded, its ranked results."""

    serializer_class = MatchRunSerializer

    @extend_schema(operation_id="match_runs_retrieve", responses={200: MatchRunSerializer, **error_responses(401, 404)})
    def get(self, request, pk):
        run = get_object_or_404(matching_selectors.match_run_queryset_for(user=request.user), pk=pk)
        return Response(MatchRunSerializer(matching_selectors.match_run_with_results(run=run)).data)


class MatchRunWhyNotApi(APIView):
    """GET ?vendor=<id or slug>: the vendor's rank and components, or why it was excluded."""

    @extend_schema(
        operation_id="match_runs_why_not",
        parameters=[OpenApiParameter("vendor", str, required=True, description="Vendor id or slug.")],
        responses={
            200: OpenApiResponse(
                MatchWhyNotSerializer,
                description="`{vendor, status}` and by status: ranked (rank, score, explanation), below_shortlist "
                "(score, cutoff_score, explanation), excluded (reason code) or unknown (message: the run has not "
                "started).",
            ),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        run = get_object_or_404(matching_selectors.match_run_queryset_for(user=request.user), pk=pk)
        key = request.query_params.get("vendor", "").strip()
        if not key:
            raise ValidationError({"vendor": ["Give a vendor id or slug."]})
        pk = whole_number(key)
        lookup = {"pk": pk} if pk is not None else {"slug": key}
        vendor = matching_selectors.why_not_vendors(run=run, user=request.user).filter(**lookup).first()
        if vendor is None:
            raise NotFound("No such vendor.")
        return Response(runs.match_run_why_not(run=run, vendor=vendor))
