from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements import selectors, services
from engagements.api.serializers import MatchRunSerializer, RequirementSerializer
from engagements.matching import runs
from vendors.models import Vendor


class RequirementListApi(APIView):
    serializer_class = RequirementSerializer

    @extend_schema(operation_id="requirements_list", responses=RequirementSerializer(many=True))
    def get(self, request):
        queryset = selectors.requirement_queryset_for(user=request.user).order_by("-created_at", "-id")
        return Response(RequirementSerializer(queryset, many=True).data)

    @extend_schema(
        operation_id="requirements_create", request=RequirementSerializer, responses={201: RequirementSerializer}
    )
    def post(self, request):
        membership = selectors.membership_for(user=request.user)
        if membership is None or not membership.is_client:
            raise PermissionDenied("Only procurement managers of a client organization create requirements.")
        serializer = RequirementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requirement = services.requirement_create(
            client=membership.client, created_by=request.user, data=serializer.validated_data
        )
        requirement = selectors.requirement_queryset_for(user=request.user).get(pk=requirement.pk)
        return Response(RequirementSerializer(requirement).data, status=status.HTTP_201_CREATED)


class RequirementDetailApi(APIView):
    serializer_class = RequirementSerializer

    def get_object(self, request, pk):
        return get_object_or_404(selectors.requirement_queryset_for(user=request.user), pk=pk)

    @extend_schema(operation_id="requirements_retrieve", responses=RequirementSerializer)
    def get(self, request, pk):
        return Response(RequirementSerializer(self.get_object(request, pk)).data)

    def _update(self, request, pk, partial):
        requirement = self.get_object(request, pk)
        serializer = RequirementSerializer(requirement, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.requirement_update(requirement=requirement, data=serializer.validated_data)
        requirement = self.get_object(request, pk)
        return Response(RequirementSerializer(requirement).data)

    @extend_schema(operation_id="requirements_update", request=RequirementSerializer, responses=RequirementSerializer)
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="requirements_partial_update", request=RequirementSerializer, responses=RequirementSerializer
    )
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)


class RequirementMatchRunsApi(APIView):
    """POST starts a run (202 + Location); GET lists the requirement's runs."""

    serializer_class = MatchRunSerializer

    @extend_schema(operation_id="requirements_match_runs_list", responses=MatchRunSerializer(many=True))
    def get(self, request, pk):
        requirement = get_object_or_404(selectors.requirement_queryset_for(user=request.user), pk=pk)
        run_list = selectors.match_run_queryset_for(user=request.user).filter(requirement=requirement)
        return Response(MatchRunSerializer(run_list.prefetch_related("results__vendor"), many=True).data)

    @extend_schema(operation_id="requirements_match_runs_create", request=None, responses={202: MatchRunSerializer})
    def post(self, request, pk):
        requirement = get_object_or_404(selectors.requirement_queryset_for(user=request.user), pk=pk)
        problems = runs.requirement_match_problems(requirement)
        if problems:
            raise ValidationError(problems)
        run = runs.match_run_create(requirement=requirement, requested_by=request.user)
        run.refresh_from_db()
        response = Response(
            MatchRunSerializer(selectors.match_run_with_results(run=run)).data, status=status.HTTP_202_ACCEPTED
        )
        response["Location"] = request.build_absolute_uri(reverse("api-match-run-detail", args=[run.pk]))
        return response


class MatchRunDetailApi(APIView):
    serializer_class = MatchRunSerializer

    @extend_schema(operation_id="match_runs_retrieve", responses=MatchRunSerializer)
    def get(self, request, pk):
        run = get_object_or_404(selectors.match_run_queryset_for(user=request.user), pk=pk)
        return Response(MatchRunSerializer(selectors.match_run_with_results(run=run)).data)


class MatchRunWhyNotApi(APIView):
    """GET ?vendor=<id or slug>: the vendor's rank and components, or why it was excluded."""

    @extend_schema(
        operation_id="match_runs_why_not",
        parameters=[OpenApiParameter("vendor", str, required=True, description="Vendor id or slug.")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, pk):
        run = get_object_or_404(selectors.match_run_queryset_for(user=request.user), pk=pk)
        key = request.query_params.get("vendor", "").strip()
        if not key:
            raise ValidationError({"vendor": ["Give a vendor id or slug."]})
        lookup = {"pk": int(key)} if key.isdigit() else {"slug": key}
        vendor = Vendor.objects.filter(**lookup).first()
        if vendor is None:
            raise NotFound("No such vendor.")
        return Response(runs.match_run_why_not(run=run, vendor=vendor))
