"""Token endpoints (DESIGN.md, "REST API v1").

POST   /api/v1/auth/token/        username + password -> a new token (201; the key shown once)
DELETE /api/v1/auth/token/        revokes the token the request carries (204)
GET    /api/v1/auth/tokens/       the caller's tokens, never their keys
DELETE /api/v1/auth/tokens/{id}/  revokes one of the caller's tokens (404 for any other)

Wrong credentials answer 400 with a non-field error, not 401: the request to
this endpoint carries no credentials to challenge, its body is what is wrong.
Sign-in failures count towards the same django-axes lock-out as the web sign-in
(by username and address, with a cool-off); the endpoint is also throttled per
address (`token_create` rate).
"""

from __future__ import annotations

from functools import partial

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from kpo.api import tokens
from kpo.api.errors import documented_errors
from kpo.api.headers import no_store_header
from kpo.api.pagination import BrowseCursorPagination
from kpo.api.throttling import TokenCreateRateThrottle
from kpo.api.token_serializers import TokenCreatedSerializer, TokenCreateSerializer, TokenSerializer
from kpo.api_auth import ApiTokenAuthentication

WRONG_CREDENTIALS = "Unable to sign in with the given username and password."
LOCKED_OUT = "Too many failed sign-in attempts for this username from this address."

ERROR_DESCRIPTIONS = {
    400: "Field errors: {field: [message, ...]}.",
    401: "No valid credentials.",
    404: "No such token of yours.",
    429: "Too many attempts: wait for Retry-After seconds.",
}
_with_errors = partial(documented_errors, ERROR_DESCRIPTIONS)


class AuthTokenApi(APIView):
    # Only a token identifies "the token in use"; a browser session revokes
    # tokens by id (AuthTokenDetailApi) or on the tokens page.
    authentication_classes = [ApiTokenAuthentication]
    serializer_class = TokenCreateSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [TokenCreateRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        operation_id="auth_token_create",
        auth=[],
        request=TokenCreateSerializer,
        parameters=[no_store_header(201)],
        responses=_with_errors({201: TokenCreatedSerializer}, 400, 429),
        description="Sign in with a username and password to create a named API token. "
        "The key is in this response only. Failed attempts lock the username from the caller's "
        "address out for a cool-off (429 with Retry-After).",
    )
    def post(self, request):
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # django-axes watches Django's authenticate() and needs the HttpRequest.
        http_request = request._request
        user = authenticate(http_request, username=data["username"], password=data["password"])
        if getattr(http_request, "axes_locked_out", False):
            # Answered here as JSON; AxesMiddleware would render its HTML page.
            http_request.axes_locked_out = False
            cool_off = get_cool_off(http_request)
            raise Throttled(wait=cool_off.total_seconds() if cool_off else None, detail=LOCKED_OUT)
        if user is None or not user.is_active:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [WRONG_CREDENTIALS]})
        created = tokens.api_token_create(
            user=user, name=data.get("name", ""), expires_in_days=data.get("expires_in_days", tokens.DEFAULT_EXPIRY)
        )
        # A successful sign-in: axes clears the failure count, last_login is recorded.
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        response = Response(TokenCreatedSerializer(created).data, status=status.HTTP_201_CREATED)
        # The key is shown this once: no cache, proxy or Idempotency-Key record keeps it.
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        operation_id="auth_token_revoke_current",
        request=None,
        responses=_with_errors({204: None}, 401),
        description="Revoke the token this request is authenticated with.",
    )
    def delete(self, request):
        tokens.api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenPagination(BrowseCursorPagination):
    ordering = "-created"  # newest first; the cursor handles equal times


class AuthTokenListApi(GenericAPIView):
    serializer_class = TokenSerializer
    pagination_class = TokenPagination

    @extend_schema(
        operation_id="auth_tokens_list",
        responses=_with_errors({200: TokenSerializer(many=True)}, 401),
        description="The caller's API tokens, newest first, expired ones included. Never the keys.",
    )
    def get(self, request):
        page = self.paginate_queryset(tokens.api_token_list(user=request.user))
        return self.get_paginated_response(TokenSerializer(page, many=True).data)


class AuthTokenDetailApi(APIView):
    serializer_class = TokenSerializer

    @extend_schema(
        operation_id="auth_tokens_revoke",
        request=None,
        responses=_with_errors({204: None}, 401, 404),
        description="Revoke one of the caller's tokens by its id.",
    )
    def delete(self, request, token_id: str):
        token = tokens.api_token_get(user=request.user, token_id=token_id)
        if token is None:
            raise NotFound()
        tokens.api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
