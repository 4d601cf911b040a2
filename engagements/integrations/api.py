"""Webhook endpoints of the caller's client organization and their delivery log
(docs/webhooks.md). Client managers manage their own organization's endpoints;
vendor members get 403; another organization's ids answer 404. Staff read all."""

from __future__ import annotations

from functools import partial

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from engagements.access.caller import caller as caller_of
from engagements.access.caller import client_membership, member_caller
from engagements.access.visibility import webhook_endpoints_editable_by, webhook_endpoints_visible_to
from engagements.integrations import serializers as s
from engagements.integrations import webhooks
from engagements.models import WebhookDelivery, WebhookEndpoint
from kpo.api.errors import Conflict, documented_errors
from kpo.api.pagination import BrowseCursorPagination

ERROR_DESCRIPTIONS = {
    400: 'Validation failed: {"field": ["message", ...]}.',
    401: "No or invalid credentials.",
    403: "Only procurement managers of a client organization.",
    404: "No such endpoint or delivery for the caller.",
    409: "The endpoint is disabled: enable it first.",
}
_with_errors = partial(documented_errors, ERROR_DESCRIPTIONS)


def _client_id(request, *, write: bool) -> int | None:
    """The caller's client organization id; None for staff reading everything.
    Anyone else (vendor members, users without an organization) gets 403."""
    found = client_membership(request)
    if found is not None:
        return found.client_id
    if request.user.is_staff and not write:
        return None
    raise PermissionDenied("Only procurement managers of a client organization manage webhooks.")


def _endpoints(request, *, write: bool = False) -> QuerySet[WebhookEndpoint]:
    _client_id(request, write=write)  # 403 for anyone else
    if write:
        # As the organization's manager (a staff account's own membership included).
        return webhook_endpoints_editable_by(member_caller(request))
    return webhook_endpoints_visible_to(caller_of(request))


class WebhookApiView(GenericAPIView):
    pagination_class = BrowseCursorPagination  # newest first

    def endpoint(self, request, pk: int, *, write: bool = False) -> WebhookEndpoint:
        return get_object_or_404(_endpoints(request, write=write), pk=pk)


class WebhookEndpointListApi(WebhookApiView):
    """GET the organization's endpoints; POST registers one and answers its
    secret, this once."""

    serializer_class = s.WebhookEndpointSerializer

    @extend_schema(
        operation_id="webhooks_list",
        responses=_with_errors({200: s.WebhookEndpointSerializer(many=True)}, 401, 403, 404),
    )
    def get(self, request):
        page = self.paginate_queryset(_endpoints(request))
        return self.get_paginated_response(s.WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=s.WebhookEndpointInputSerializer,
        responses=_with_errors({201: s.WebhookEndpointWithSecretSerializer}, 400, 401, 403),
    )
    def post(self, request):
        client_id = _client_id(request, write=True)
        serializer = s.WebhookEndpointInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhooks.webhook_endpoint_create(client_id=client_id, **serializer.validated_data)
        return Response(s.WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(WebhookApiView):
    """One webhook endpoint of the caller's organization: read, change (url, events, description, secret) or delete it."""

    serializer_class = s.WebhookEndpointSerializer

    @extend_schema(
        operation_id="webhooks_retrieve", responses=_with_errors({200: s.WebhookEndpointSerializer}, 401, 403, 404)
    )
    def get(self, request, pk):
        return Response(s.WebhookEndpointSerializer(self.endpoint(request, pk)).data)

    @extend_schema(
        operation_id="webhooks_partial_update",
        request=s.WebhookEndpointInputSerializer(partial=True),
        responses=_with_errors({200: s.WebhookEndpointSerializer}, 400, 401, 403, 404),
    )
    def patch(self, request, pk):
        endpoint = self.endpoint(request, pk, write=True)
        serializer = s.WebhookEndpointInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {key: value for key, value in serializer.validated_data.items() if key in serializer.initial_data}
        endpoint = webhooks.webhook_endpoint_update(endpoint=endpoint, data=data)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_destroy", request=None, responses=_with_errors({204: None}, 401, 403, 404))
    def delete(self, request, pk):
        webhooks.webhook_endpoint_delete(endpoint=self.endpoint(request, pk, write=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointEnableApi(WebhookApiView):
    """POST re-enables an endpoint disabled after repeated failure; its pending deliveries resume."""

    serializer_class = s.WebhookEndpointSerializer

    @extend_schema(
        operation_id="webhooks_enable",
        request=None,
        responses=_with_errors({200: s.WebhookEndpointSerializer}, 401, 403, 404),
    )
    def post(self, request, pk):
        endpoint = webhooks.webhook_endpoint_enable(endpoint=self.endpoint(request, pk, write=True))
        return Response(s.WebhookEndpointSerializer(endpoint).data)


class WebhookDeliveryListApi(WebhookApiView):
    """GET the endpoint's delivery log, newest first."""

    serializer_class = s.WebhookDeliverySerializer

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        responses=_with_errors({200: s.WebhookDeliverySerializer(many=True)}, 401, 403, 404),
    )
    def get(self, request, pk):
        endpoint = self.endpoint(request, pk)
        page = self.paginate_queryset(WebhookDelivery.objects.filter(endpoint=endpoint))
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryRedeliverApi(WebhookApiView):
    """POST sends a delivery again (same webhook-id, a fresh budget of attempts): 202."""

    serializer_class = s.WebhookDeliverySerializer

    @extend_schema(
        operation_id="webhooks_deliveries_redeliver",
        request=None,
        responses=_with_errors({202: s.WebhookDeliverySerializer}, 401, 403, 404, 409),
    )
    def post(self, request, pk, delivery_id):
        endpoint = self.endpoint(request, pk, write=True)
        delivery = get_object_or_404(WebhookDelivery.objects.filter(endpoint=endpoint), pk=delivery_id)
        try:
            delivery = webhooks.webhook_delivery_redeliver(delivery=delivery)
        except webhooks.WebhookError as exc:
            raise Conflict(str(exc)) from exc
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
