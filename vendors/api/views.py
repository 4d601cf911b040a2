"""Vendors, taxonomy and exchange rates through the API (DESIGN.md, "REST API v1").

Who may do what (DESIGN.md, security model):
- the vendor list: client organizations' members and staff; a vendor firm's
  member gets 403 (competitors' rates are commercially sensitive);
- one vendor: client members and staff, and the firm's own members; another
  firm's member gets 404 (never a hint that it exists);
- writing a vendor: its own members and staff; a client member, who may read
  it, gets 403; creating one: staff.
Views stay thin: the filter set validates the query string, the directory
selector reads, the serializer validates, one service writes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from kpo.api.errors import ErrorSerializer, documented_errors
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
from kpo.api.headers import location_header
from kpo.api.pagination import CodeCursorPagination, CurrencyCursorPagination
from kpo.api.sync import SYNC_PARAMETERS, apply_sync_filters, sync_tombstones
from vendors.api import services
from vendors.api.documents import vendor_document_json
from vendors.api.filters import VendorFilter
from vendors.api.pagination import VendorCursorPagination
from vendors.api.selectors import vendor_documents_for
from vendors.api.serializers import (
    CertificationSerializer,
    ExchangeRateSerializer,
    ExpertiseAreaSerializer,
    SkillSerializer,
    VendorSerializer,
)
from vendors.models import Certification, ExchangeRate, ExpertiseArea, Skill, Vendor

if TYPE_CHECKING:
    from vendors.api.selectors import DocumentVendor

RESOURCE = "vendor"  # in ETags and tombstones
# The columns a list page reads per vendor: the document's key and the keyset sorts' fields.
PAGE_FIELDS = ("id", "change_seq", "name", "rating", "review_count")
CONFLICT_MESSAGE = "The vendor changed at the same time; nothing was saved. Fetch it again and retry."


def _membership(user):
    return getattr(user, "membership", None)


def is_client_member(user) -> bool:
    membership = _membership(user)
    return membership is not None and membership.client_id is not None


def own_vendor_id(user) -> int | None:
    membership = _membership(user)
    return membership.vendor_id if membership is not None and membership.vendor_id else None


class StaffWritesOnly(BasePermission):
    """Any signed-in user reads; only staff write (403 otherwise)."""

    message = "Only KPO Match staff can change this."
    writes_only = True  # the schema declares its 403 on writes only (kpo/api/schema.py)

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or request.user.is_staff


ERROR_DESCRIPTIONS = {
    400: "Invalid input: field errors, nothing changed.",
    401: "No valid credentials.",
    403: "Your role may not do this.",
    404: "Not found (or not yours to see).",
}
_ERRORS = documented_errors(ERROR_DESCRIPTIONS, {}, 400, 401, 403)
_DETAIL_ERRORS = documented_errors(ERROR_DESCRIPTIONS, _ERRORS, 404)


# --- vendors --------------------------------------------------------------------------


class VendorListApi(generics.GenericAPIView):
    """GET: the vendor directory (client members and staff). POST: a new vendor (staff)."""

    serializer_class = VendorSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VendorFilter
    pagination_class = VendorCursorPagination
    queryset = Vendor.objects.none()  # the filter set reads through the directory selector

    @extend_schema(
        operation_id="vendors_list",
        parameters=SYNC_PARAMETERS,
        responses={200: VendorSerializer(many=True), **_ERRORS},
    )
    def get(self, request):
        if not request.user.is_staff and not is_client_member(request.user):
            raise PermissionDenied("The vendor directory is open to client organizations and staff.")
        filterset = DjangoFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        # Only what paging needs (the sort keys); documents come from the cache or one batch.
        vendors = apply_sync_filters(filterset.qs, request).prefetch_related(None).only(*PAGE_FIELDS)
        paginator = self.paginator
        page = paginator.paginate_queryset(
            vendors,
            request,
            view=self,
            # Vendors are one directory for every reader: every vendor tombstone.
            tombstones=sync_tombstones(request, resource="vendor"),
            sort=filterset.sort(),
            ordering=filterset.unique_ordering(),
            # external_id and updated_since narrow the list too (a sync `since` pages otherwise).
            ranked=None
            if request.query_params.get("external_id") or request.query_params.get("updated_since")
            else filterset.ranked_documents(),
        )
        # The same JSON as the serializer (vendors/api/documents.py), joined from cached bytes: the hot path.
        documents = vendor_document_json([(vendor.id, vendor.change_seq) for vendor in page])
        if not isinstance(request.accepted_renderer, JSONRenderer):
            # A person reading the browsable API (?format=api): the same page, decoded.
            return paginator.get_paginated_response(json.loads(b"[" + b",".join(documents) + b"]"))
        return paginator.get_encoded_paginated_response(documents)

    @extend_schema(
        operation_id="vendors_create",
        request=VendorSerializer,
        parameters=[ETAG_HEADER, location_header(201, "The new vendor.")],
        responses={201: VendorSerializer, **_ERRORS},
    )
    def post(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only KPO Match staff add vendors.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            vendor = services.vendor_api_create(attrs=serializer.validated_data, actor=request.user)
        except IntegrityError:
            raise ValidationError({"slug": ["A vendor with this slug already exists."]}) from None
        vendor = vendor_documents_for(user=request.user, vendor_id=vendor.pk).get()
        response = Response(self.get_serializer(vendor).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api-vendor-detail", args=[vendor.pk]))
        return with_etag(response, vendor, RESOURCE)


class VendorDetailApi(generics.GenericAPIView):
    """GET one vendor; PUT replaces its profile, PATCH changes the fields given
    (each list given replaces the vendor's rows)."""

    serializer_class = VendorSerializer
    queryset = Vendor.objects.none()

    def get_document(self, pk: int) -> DocumentVendor:
        vendor = vendor_documents_for(user=self.request.user, vendor_id=pk).first()
        if vendor is None:
            raise NotFound
        return vendor

    @extend_schema(
        operation_id="vendors_retrieve",
        parameters=[IF_NONE_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: VendorSerializer, 304: OpenApiResponse(description="Not modified."), **_DETAIL_ERRORS},
    )
    def get(self, request, pk: int):
        vendor = self.get_document(pk)
        return not_modified(request, vendor, RESOURCE) or with_etag(
            Response(self.get_serializer(vendor).data), vendor, RESOURCE
        )

    def _write(self, request, pk: int, *, partial: bool) -> Response:
        self.get_document(pk)  # 404 before 403: another firm's member learns nothing
        if not request.user.is_staff and own_vendor_id(request.user) != pk:
            raise PermissionDenied("Only the vendor's own members and KPO Match staff edit a vendor.")
        try:
            with transaction.atomic():
                # Locked until commit: the If-Match check, the validation and the
                # write see one version of the vendor; a concurrent edit (the web
                # page included) waits, then moves change_seq, so a stale tag fails.
                try:
                    locked = lock_for_write(Vendor.objects.all(), pk)
                except Vendor.DoesNotExist:
                    raise NotFound from None
                check_if_match(request, locked, RESOURCE)
                vendor = self.get_document(pk)
                serializer = self.get_serializer(vendor, data=request.data, partial=partial)
                serializer.is_valid(raise_exception=True)
                services.vendor_api_update(vendor=vendor, attrs=serializer.validated_data, actor=request.user)
        except IntegrityError:
            raise ValidationError({"non_field_errors": [CONFLICT_MESSAGE]}) from None
        vendor = self.get_document(pk)
        return with_etag(Response(self.get_serializer(vendor).data), vendor, RESOURCE)

    @extend_schema(
        operation_id="vendors_update",
        request=VendorSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: VendorSerializer, 412: PRECONDITION_FAILED_RESPONSE, **_DETAIL_ERRORS},
    )
    def put(self, request, pk: int):
        return self._write(request, pk, partial=False)

    @extend_schema(
        operation_id="vendors_partial_update",
        request=VendorSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: VendorSerializer, 412: PRECONDITION_FAILED_RESPONSE, **_DETAIL_ERRORS},
    )
    def patch(self, request, pk: int):
        return self._write(request, pk, partial=True)


# --- taxonomy -------------------------------------------------------------------------


class DomainListApi(generics.ListAPIView):
    """The KPO domains (read-only: they are fixed by the product)."""

    serializer_class = ExpertiseAreaSerializer
    queryset = ExpertiseArea.objects.order_by("code")
    permission_classes = [IsAuthenticated]
    pagination_class = CodeCursorPagination

    @extend_schema(operation_id="taxonomy_domains_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SkillListApi(generics.ListCreateAPIView):
    """The skill taxonomy, in code order: any signed-in user reads it; staff add skills."""

    serializer_class = SkillSerializer
    queryset = Skill.objects.select_related("domain").order_by("code")
    permission_classes = [IsAuthenticated, StaffWritesOnly]
    pagination_class = CodeCursorPagination

    @extend_schema(operation_id="taxonomy_skills_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="taxonomy_skills_create", responses={201: SkillSerializer, **_ERRORS})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class SkillDetailApi(generics.RetrieveUpdateAPIView):
    """One skill, by code: any signed-in user reads it; staff change it."""

    serializer_class = SkillSerializer
    queryset = Skill.objects.select_related("domain")
    permission_classes = [IsAuthenticated, StaffWritesOnly]
    lookup_field = "code"

    @extend_schema(operation_id="taxonomy_skills_retrieve")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="taxonomy_skills_update", responses={200: SkillSerializer, **_ERRORS})
    def put(self, request, *args, **kwargs):
        return super().put(request, *args, **kwargs)

    @extend_schema(operation_id="taxonomy_skills_partial_update", responses={200: SkillSerializer, **_ERRORS})
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)


class CertificationListApi(generics.ListCreateAPIView):
    """The certifications vendors may hold, in code order: any signed-in user reads them; staff add them."""

    serializer_class = CertificationSerializer
    queryset = Certification.objects.order_by("code")
    permission_classes = [IsAuthenticated, StaffWritesOnly]
    pagination_class = CodeCursorPagination

    @extend_schema(operation_id="taxonomy_certifications_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="taxonomy_certifications_create", responses={201: CertificationSerializer, **_ERRORS})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class CertificationDetailApi(generics.RetrieveUpdateAPIView):
    """One certification, by code: any signed-in user reads it; staff change it."""

    serializer_class = CertificationSerializer
    queryset = Certification.objects.all()
    permission_classes = [IsAuthenticated, StaffWritesOnly]
    lookup_field = "code"

    @extend_schema(operation_id="taxonomy_certifications_retrieve")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="taxonomy_certifications_update", responses={200: CertificationSerializer, **_ERRORS})
    def put(self, request, *args, **kwargs):
        return super().put(request, *args, **kwargs)

    @extend_schema(
        operation_id="taxonomy_certifications_partial_update", responses={200: CertificationSerializer, **_ERRORS}
    )
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)


# --- exchange rates -------------------------------------------------------------------


class ExchangeRateListApi(generics.GenericAPIView):
    """GET: every rate (any signed-in user). POST: a new currency (staff)."""

    serializer_class = ExchangeRateSerializer
    queryset = ExchangeRate.objects.order_by("currency")
    permission_classes = [IsAuthenticated, StaffWritesOnly]
    pagination_class = CurrencyCursorPagination

    @extend_schema(operation_id="exchange_rates_list", responses={200: ExchangeRateSerializer(many=True), **_ERRORS})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="exchange_rates_create",
        parameters=[location_header(201, "The new rate.")],
        responses={201: ExchangeRateSerializer, **_ERRORS},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            rate = services.exchange_rate_save(rate=None, attrs=serializer.validated_data, actor=request.user)
        except IntegrityError:
            raise ValidationError({"currency": ["This currency already has a rate."]}) from None
        response = Response(self.get_serializer(rate).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api-exchange-rate-detail", args=[rate.currency]))
        return response


class ExchangeRateDetailApi(generics.GenericAPIView):
    """One currency's exchange rate to the base currency: any signed-in user reads it; staff replace, change
    or delete it (never the base currency's: 409)."""

    serializer_class = ExchangeRateSerializer
    queryset = ExchangeRate.objects.all()
    permission_classes = [IsAuthenticated, StaffWritesOnly]
    lookup_field = "currency"

    @extend_schema(operation_id="exchange_rates_retrieve", responses={200: ExchangeRateSerializer, **_ERRORS})
    def get(self, request, currency: str):
        return Response(self.get_serializer(self.get_object()).data)

    def _write(self, request, *, partial: bool) -> Response:
        with transaction.atomic():
            rate = self.get_queryset().select_for_update().filter(currency=self.kwargs["currency"]).first()
            if rate is None:
                raise NotFound
            serializer = self.get_serializer(rate, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            rate = services.exchange_rate_save(rate=rate, attrs=serializer.validated_data, actor=request.user)
        return Response(self.get_serializer(rate).data)

    @extend_schema(operation_id="exchange_rates_update", responses={200: ExchangeRateSerializer, **_ERRORS})
    def put(self, request, currency: str):
        return self._write(request, partial=False)

    @extend_schema(operation_id="exchange_rates_partial_update", responses={200: ExchangeRateSerializer, **_ERRORS})
    def patch(self, request, currency: str):
        return self._write(request, partial=True)

    @extend_schema(
        operation_id="exchange_rates_destroy",
        responses={204: None, 409: ErrorSerializer, **_ERRORS},
    )
    def delete(self, request, currency: str):
        rate = self.get_object()
        if rate.currency == settings.BASE_CURRENCY:
            return Response(
                {"detail": f"{rate.currency} is the base currency: its rate cannot be deleted."},
                status=status.HTTP_409_CONFLICT,
            )
        services.exchange_rate_delete(rate=rate, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
