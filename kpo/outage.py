"""An outage of a backing service is answered 503 with Retry-After, never 500.

While PostgreSQL (or the Redis a request needs) cannot be reached, every request
that touches it fails the same way. A 500 says "a bug"; a 503 with Retry-After
says "try again shortly", which clients, load balancers and monitors tell apart.

- /api/ paths answer the API's one error shape: 503 {"detail": ...}.
- Pages answer a small 503 page (templates/503.html) that needs neither the
  database nor the session: no base template, no context processors.

Two ways an outage reaches here:
1. An API view raises: kpo.api.errors.api_exception_handler calls
   `outage_api_response`.
2. Anything else raises (a page view, a template, a middleware such as the
   session's or the Idempotency-Key's): Django answers its 500 through
   handler500 and sends `got_request_exception` while the exception is being
   handled; the receiver below marks the request, and OutageMiddleware (near
   the top of MIDDLEWARE) swaps that 500 for the 503. Django has logged the
   exception with its traceback by then.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

API_PREFIX = "/api/"
SERVICE_UNAVAILABLE_MESSAGE = "The service is temporarily unavailable. Try again later."
# Django's wrappers of the driver's errors (a refused or dropped connection, a
# server shutting down, a deadlock or a statement timeout: all worth a retry),
# and the Redis client's and the broker's connection failures.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerOperationalError,
)
_MARK = "kpo_outage"


def is_outage(exc: BaseException | None) -> bool:
    """Is `exc` (or an exception it was raised from) a backing service being unreachable?"""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _retry_after() -> str:
    return str(settings.OUTAGE_RETRY_AFTER_SECONDS)


def outage_api_response_headers() -> dict[str, str]:
    return {"Retry-After": _retry_after(), "Cache-Control": "no-store"}


def outage_response(request: HttpRequest) -> HttpResponse:
    """The 503 for `request`: JSON under /api/, the plain page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": SERVICE_UNAVAILABLE_MESSAGE}, status=503, headers=outage_api_response_headers())
    # The language from the cookie or Accept-Language only: the session is in the database.
    with translation.override(translation.get_language_from_request(request)):
        body = render_to_string("503.html")
    return HttpResponse(body, status=503, headers={"Retry-After": _retry_after(), "Cache-Control": "no-store"})


@receiver(got_request_exception, dispatch_uid="kpo.outage.remember")
def remember_outage(sender, request: HttpRequest | None = None, **kwargs) -> None:
    # Sent from inside Django's `except` block, so the exception is the one being handled.
    if request is not None and is_outage(sys.exc_info()[1]):
        setattr(request, _MARK, True)


class OutageMiddleware:
    """Turns the 500 of a request that failed on an outage into the 503 (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return outage_response(request)
        return response
