"""API tokens: create, list and revoke a user's tokens (shared by the API and
the web page). A token's public `id` is the start of its digest: it names
the token without revealing any part of the key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import get_token_model

from kpo.models import ApiToken, User

TOKEN_ID_LENGTH = 16
# What lists show of a key: the fixed "kpo_" marker and a few characters, enough
# to tell tokens apart and to recognize a leaked one.
DISPLAY_PREFIX_LENGTH = 12
EXPIRY_MAX_DAYS = 365  # settings.API_TOKEN_DEFAULT_EXPIRY_DAYS is checked against the same bound
# api_token_create's `expires_in_days` when the creator did not choose: API_TOKEN_DEFAULT_EXPIRY_DAYS.
DEFAULT_EXPIRY: Literal["default"] = "default"
DEFAULT_TOKEN_NAME = "API token"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    key: str  # the only time the key exists outside the caller's hands


def api_token_id(token: ApiToken) -> str:
    return token.digest[:TOKEN_ID_LENGTH]


def api_token_display_prefix(token: ApiToken) -> str:
    return token.token_key[:DISPLAY_PREFIX_LENGTH]


def api_token_is_expired(token: ApiToken, *, now: datetime | None = None) -> bool:
    return token.expiry is not None and token.expiry <= (now or timezone.now())


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "", expires_in_days: int | None | Literal["default"] = DEFAULT_EXPIRY
) -> CreatedToken:
    """A new token for `user`. `expires_in_days`: days until it stops working; None for a token
    that never expires, which its creator must ask for explicitly (lists say so); by default
    settings.API_TOKEN_DEFAULT_EXPIRY_DAYS (90)."""
    if expires_in_days == DEFAULT_EXPIRY:
        expires_in_days = settings.API_TOKEN_DEFAULT_EXPIRY_DAYS
    if expires_in_days is not None and not 1 <= expires_in_days <= EXPIRY_MAX_DAYS:
        raise ValueError(f"expires_in_days must be between 1 and {EXPIRY_MAX_DAYS}.")
    expiry = timedelta(days=expires_in_days) if expires_in_days is not None else None
    token, key = get_token_model().objects.create(
        user=user, expiry=expiry, name=(name or "").strip() or DEFAULT_TOKEN_NAME
    )
    return CreatedToken(token=token, key=key)


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (expired ones included, marked by the caller)."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-digest")


def api_token_get(*, user: User, token_id: str) -> ApiToken | None:
    if len(token_id) != TOKEN_ID_LENGTH or any(c not in "0123456789abcdef" for c in token_id):
        return None
    # Scoped to the user first; two of one user's digests sharing 64 leading bits do not happen.
    return api_token_list(user=user).filter(digest__startswith=token_id).first()


def api_token_revoke(*, token: ApiToken) -> None:
    token.delete()


def api_token_purge_expired(*, after_days: int | None = None, now: datetime | None = None) -> int:
    """Delete tokens that expired more than `after_days` (API_TOKEN_PURGE_AFTER_DAYS)
    days ago; returns how many. Until then an expired token stays listed, marked
    expired, so its owner learns why a system stopped working."""
    days = after_days if after_days is not None else settings.API_TOKEN_PURGE_AFTER_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    _total, deleted = ApiToken.objects.filter(expiry__lt=cutoff).delete()
    return deleted.get(ApiToken._meta.label, 0)
