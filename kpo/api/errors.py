"""One error shape for the whole API.

- Field errors keep DRF's shape: `{"field": ["message", ...]}`, nested the way
  the input is nested, `non_field_errors` for the object as a whole. A Django
  ValidationError raised by a service becomes the same 400.
- Every other error is `{"detail": "message"}`: 401, 403, 404 (always
  "Not found.": a different wording must never hint that an object of another
  organization exists), 405, 409, 413, 415, 429 (with Retry-After).
- A backing service being unreachable (the database, or the Redis a request
  needs) is logged and answered 503 {"detail": ...} with Retry-After
  (kpo/outage.py): an outage, not a bug, so clients retry.
- An unexpected exception is logged with its traceback and answered
  `{"detail": "Internal server error."}`: no stack trace, SQL or setting leaks.
  With DEBUG on it propagates to Django's debug page instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from kpo.outage import SERVICE_UNAVAILABLE_MESSAGE, is_outage, outage_api_response_headers

logger = logging.getLogger("kpo.api")

NOT_FOUND_MESSAGE = "Not found."
SERVER_ERROR_MESSAGE = "Internal server error."


class ErrorSerializer(serializers.Serializer):
    """Every error answer that is not a field error: one message in `detail`."""

    detail = serializers.CharField()


# The field-error shape, for the schema (kpo/api/schema.py registers both components): field name
# to a list of messages; a nested object reports its own fields the same way, a list of objects
# one entry per item, a list of values an object keyed by the item's index.
FIELD_ERRORS_SCHEMA: dict = {
    "type": "object",
    "description": "Field errors: each field of the request that was refused, with its messages; "
    "`non_field_errors` for the request as a whole.",
    "additionalProperties": {"$ref": "#/components/schemas/FieldErrorValue"},
    "example": {"name": ["This field is required."], "rates": [{}, {"currency": ["Unknown currency."]}]},
}
FIELD_ERRORS_VALUE_SCHEMA: dict = {
    "description": "A field's messages, or the field errors of a nested object or of each list item.",
    "anyOf": [
        {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/FieldErrors"}]},
        },
        {"$ref": "#/components/schemas/FieldErrors"},
    ],
}


def documented_errors(descriptions: Mapping[int, str], responses: Mapping, *codes: int) -> dict:
    """An operation's documented answers: `responses`, plus each of `codes` in the one error
    shape (400: the field-error object, typed by kpo/api/schema.py; any other: {"detail"}),
    described by `descriptions`.
    Each API module keeps its own wording and binds it once:
    `with_errors = partial(documented_errors, ERROR_DESCRIPTIONS)`."""
    documented = dict(responses)
    for code in codes:
        documented.setdefault(
            code,
            OpenApiResponse(OpenApiTypes.OBJECT, description=descriptions[code])
            if code == 400
            else OpenApiResponse(ErrorSerializer, description=descriptions[code]),
        )
    return documented


class Conflict(APIException):
    """409: the object's state does not allow the request (a service's own error, reworded for the API)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError in the API's field-error shape."""
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): list(messages)
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(field_errors(exc))
    response = drf_exception_handler(exc, context)
    if response is None and is_outage(exc):
        _log_unhandled("Service unavailable", exc, context)
        set_rollback()
        return Response(
            {"detail": SERVICE_UNAVAILABLE_MESSAGE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers=outage_api_response_headers(),
        )
    if response is None:
        if settings.DEBUG:
            return None
        _log_unhandled("Unhandled API error", exc, context)
        set_rollback()
        return Response({"detail": SERVER_ERROR_MESSAGE}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if response.status_code == status.HTTP_404_NOT_FOUND:
        response.data = {"detail": NOT_FOUND_MESSAGE}
    return response


def _log_unhandled(what: str, exc: Exception, context) -> None:
    view = context.get("view")
    request = context.get("request")
    logger.error(
        "%s in %s (%s %s)",
        what,
        type(view).__name__ if view is not None else "?",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
