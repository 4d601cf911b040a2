"""REST API for client organizations and users (DESIGN.md, "REST API v1").

/clients/: staff create, update and list every organization; a client
member reads its own (the list holds just it); anyone else gets 403 on the
list and 404 on an organization. /users/: staff only (403 for anyone else):
create a user with its one membership, in one transaction, or nothing.
"""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from engagements.access.caller import membership as caller_membership
from engagements.models import ClientOrganization
from engagements.organizations import serializers as s
from engagements.organizations.services import client_create, client_update, user_create_with_membership
from kpo.api.errors import documented_errors
from kpo.api.pagination import BrowseCursorPagination

ERROR_DESCRIPTIONS = {
    400: 'Validation failed: {"field": ["message", ...]}, "non_field_errors" for the input as a whole.',
    401: "No or invalid credentials.",
    403: "Staff only (or, for reads, members of a client organization).",
    404: "No such organization for the caller.",
}

with_errors = partial(documented_errors, ERROR_DESCRIPTIONS)


class OrgApiView(GenericAPIView):
    def get_authenticate_header(self, request):
        # 401 without credentials, even while session authentication is the only
        # scheme configured (DRF answers 403 when the first scheme names no challenge).
        return super().get_authenticate_header(request) or 'Session realm="api"'


def _require_staff(request, message: str) -> None:
    if not request.user.is_staff:
        raise PermissionDenied(message)


def client_queryset_for(request) -> QuerySet[ClientOrganization]:
    """Organizations the caller may read: staff all, a client member its own."""
    if request.user.is_staff:
        return ClientOrganization.objects.all()
    membership = caller_membership(request)
    if membership is None or membership.client_id is None:  # not membership.is_client
        return ClientOrganization.objects.none()
    return ClientOrganization.objects.filter(pk=membership.client_id)


# -- views -------------------------------------------------------------------------------------


class ClientListApi(OrgApiView):
    """GET: every organization for staff; the caller's own for a client member.
    POST (staff): create an organization."""

    serializer_class = s.ClientOrganizationSerializer
    pagination_class = BrowseCursorPagination

    def get_queryset(self):
        return client_queryset_for(self.request)

    @extend_schema(
        operation_id="clients_list",
        responses=with_errors({200: s.ClientOrganizationSerializer(many=True)}, 400, 401, 403),
    )
    def get(self, request):
        if not request.user.is_staff and not getattr(caller_membership(request), "is_client", False):
            raise PermissionDenied("Only staff and members of a client organization read organizations.")
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.ClientOrganizationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="clients_create",
        request=s.ClientOrganizationSerializer,
        responses=with_errors({201: s.ClientOrganizationSerializer}, 400, 401, 403),
    )
    def post(self, request):
        _require_staff(request, "Only staff create client organizations.")
        serializer = s.ClientOrganizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = client_create(data=serializer.validated_data)
        return Response(s.ClientOrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)


class ClientDetailApi(OrgApiView):
    """GET: an organization the caller may read (404 otherwise). PATCH: staff."""

    serializer_class = s.ClientOrganizationSerializer

    @extend_schema(
        operation_id="clients_retrieve", responses=with_errors({200: s.ClientOrganizationSerializer}, 401, 404)
    )
    def get(self, request, pk):
        return Response(s.ClientOrganizationSerializer(get_object_or_404(client_queryset_for(request), pk=pk)).data)

    @extend_schema(
        operation_id="clients_partial_update",
        request=s.ClientOrganizationSerializer,
        responses=with_errors({200: s.ClientOrganizationSerializer}, 400, 401, 403, 404),
    )
    def patch(self, request, pk):
        organization = get_object_or_404(client_queryset_for(request), pk=pk)
        _require_staff(request, "Only staff change client organizations.")
        serializer = s.ClientOrganizationSerializer(organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organization = client_update(organization=organization, data=serializer.validated_data)
        return Response(s.ClientOrganizationSerializer(organization).data)


class UserListApi(OrgApiView):
    """Staff only. GET: users with their membership. POST: create a user with
    a membership {username, email, password, client | vendor, role}."""

    serializer_class = s.UserSerializer
    pagination_class = BrowseCursorPagination

    def get_queryset(self):
        return get_user_model().objects.select_related("membership")

    @extend_schema(
        operation_id="users_list",
        responses=with_errors({200: s.UserSerializer(many=True)}, 400, 401, 403),
    )
    def get(self, request):
        _require_staff(request, "Only staff manage users.")
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.UserSerializer(page, many=True).data)

    @extend_schema(
        operation_id="users_create",
        request=s.UserCreateSerializer,
        responses=with_errors({201: s.UserSerializer}, 400, 401, 403),
    )
    def post(self, request):
        _require_staff(request, "Only staff manage users.")
        serializer = s.UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create_with_membership(data=serializer.validated_data)
        user = self.get_queryset().get(pk=user.pk)
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)
