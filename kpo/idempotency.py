"""Idempotency-Key for every POST of the API (IETF draft "The Idempotency-Key
HTTP Header Field", as Stripe and others implement it).

A client that may retry a POST (a timeout, a dropped connection) sends a key of
its choice. For 24 hours, per authenticated user:
- the same key with the same request (method, path, query and body) replays the
  first response, status and body, with `Idempotent-Replayed: true`;
- the same key with a different request answers 422;
- while the first request is still being processed, a second one waits for it
  (up to IDEMPOTENCY_WAIT_SECONDS) and then replays it, or answers 409 with
  Retry-After: two concurrent requests with one key create one object.

The first request claims the key by inserting its row (a unique constraint on
user + key decides the race) before the view runs. Responses of 5xx are not
kept (the key is released so a retry runs again), nor are streamed ones.

A middleware rather than a view mixin, so every POST under /api/ gets it,
whoever wrote the view; it resolves the user itself (session or API token),
since DRF authenticates only inside the view. The token check is the API's own
(kpo.api_auth) and is left on the request, so the view does not repeat it.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from kpo.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Retry-After")
POLL_INTERVAL = 0.1


def _error(status: int, detail: str, **headers) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _user_of(request):
    """The session user, or the owner of a valid API token; None otherwise (the
    view will then answer 401 itself). A token is checked by the API's own
    scheme, which leaves the result on the request for the view to reuse: one
    token lookup per request, and an expired token is refused, never deleted."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    from rest_framework.exceptions import AuthenticationFailed

    from kpo.api_auth import ApiTokenAuthentication

    try:
        authenticated = ApiTokenAuthentication().authenticate_header_of(request)
    except AuthenticationFailed:
        return None
    return authenticated[0] if authenticated else None


def _fingerprint(request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body or b""), status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _must_not_store(response: HttpResponse) -> bool:
    """`Cache-Control: no-store` marks an answer holding a secret shown once (a new
    API token's key): it is never written down, so the key is not replayed."""
    return "no-store" in response.get("Cache-Control", "").lower()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error(400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.")
        user = _user_of(request)
        if user is None:
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            return _error(413, "The request body is too large.")
        fingerprint = _fingerprint(request, body)
        record, owner = self._claim(user=user, key=key, request=request, fingerprint=fingerprint)
        if not owner:
            return self._answer_duplicate(record, fingerprint)
        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.streaming or _must_not_store(response):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            response_body=response.content,
            response_headers={name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        )
        return response

    def _claim(self, *, user, key: str, request, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
        """Insert the key's row (we own it) or return the existing one."""
        ttl = timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user, key=key, method=request.method, path=request.path, request_hash=fingerprint
                    )
                return record, True
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
                if existing is None:
                    continue  # released meanwhile: claim it again
                if existing.created_at < timezone.now() - ttl:
                    IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
                    continue
                return existing, False
        raise RuntimeError("Could not claim the idempotency key.")  # pragma: no cover - two lost races in a row

    def _answer_duplicate(self, record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if record.request_hash != fingerprint:
            return _error(422, "This Idempotency-Key was already used with a different request.")
        deadline = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
        while record.status_code is None:
            if time.monotonic() >= deadline:
                return _error(409, "A request with this Idempotency-Key is still being processed.", Retry_After="1")
            time.sleep(POLL_INTERVAL)
            fresh = IdempotencyRecord.objects.filter(pk=record.pk).first()
            if fresh is None:
                return _error(
                    409, "The first request with this Idempotency-Key failed; send it again.", Retry_After="1"
                )
            record = fresh
        return _replay(record)


def idempotency_purge(*, older_than_hours: int | None = None) -> int:
    """Delete records past their lifetime; returns how many."""
    hours = older_than_hours if older_than_hours is not None else settings.IDEMPOTENCY_TTL_HOURS
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(hours=hours)).delete()
    return deleted
