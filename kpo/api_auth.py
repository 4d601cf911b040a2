"""API token authentication: `Authorization: Token <key>` (django-rest-knox).

Keys are stored as SHA-512 digests (knox), so the database never holds one.
On top of knox this scheme:
- refuses an expired token with "Token has expired." and keeps the row, so
  its owner still sees it (marked expired) on the tokens page and may revoke
  it; knox would delete it and, on every request, sweep all the owner's other
  tokens too (one more query per request);
- records when each token was last used, writing at most once a minute per
  token (one conditional UPDATE), not once per request.
"""

from __future__ import annotations

import binascii
from datetime import timedelta
from hmac import compare_digest

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions

LAST_USED_RESOLUTION = timedelta(minutes=1)


# Where a request keeps the token check already made for it (by the Idempotency
# middleware, before DRF authenticates in the view): (Authorization header, (user, token)).
CHECKED = "_kpo_api_token_checked"


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        checked = getattr(getattr(request, "_request", request), CHECKED, None)
        if checked is not None and checked[0] == request.META.get("HTTP_AUTHORIZATION"):
            return checked[1]
        return super().authenticate(request)

    def authenticate_header_of(self, request) -> tuple | None:
        """For middleware (a Django HttpRequest): the (user, token) of the request's
        `Authorization: Token` header, None without one; remembered on the request."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != "token":
            return None
        authenticated = self.authenticate_credentials(parts[1].encode())
        setattr(request, CHECKED, (header, authenticated))
        return authenticated

    def authenticate_credentials(self, token: bytes):
        invalid = exceptions.AuthenticationFailed("Invalid token.")
        try:
            key = token.decode("utf-8")
            digest = hash_token(key)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise invalid from None
        model = get_token_model()
        # The caller's membership and organization come along: every API view asks for them.
        candidates = model.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related(
            "user__membership__client", "user__membership__vendor"
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            now = timezone.now()
            if auth_token.expiry is not None and auth_token.expiry <= now:
                raise exceptions.AuthenticationFailed("Token has expired.")
            user, auth_token = self.validate_user(auth_token)
            self._touch(model, auth_token, now)
            return user, auth_token
        raise invalid

    @staticmethod
    def _touch(model, auth_token, now) -> None:
        stale_before = now - LAST_USED_RESOLUTION
        if auth_token.last_used_at is not None and auth_token.last_used_at > stale_before:
            return
        # Conditional, so concurrent requests with one token write once between them.
        model.objects.filter(pk=auth_token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before)
        ).update(last_used_at=now)
        auth_token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI document: `Authorization: Token <key>`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106 - the scheme name
