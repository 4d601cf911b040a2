"""ETag and If-Match: lost-update protection for detail endpoints.

A detail response carries a strong ETag built from the object's change
number, `"<resource>-<id>-<change_seq>"`. The change number moves on every
write, bulk ones included (kpo/change_seq.py), so the tag changes whenever
the object does.

PUT/PATCH with `If-Match: <etag>` answers 412 {"detail": ...} when the object
changed since that tag; `If-Match: *` matches any existing object; a list of
tags matches if any does. Without If-Match the write goes ahead (so the web
app and older clients keep working): clients that must not overwrite a
concurrent change send it. The comparison runs inside the write's transaction
on the row locked with SELECT ... FOR UPDATE, so of two writers sending the
same tag one wins and the other gets 412.

Usage in a detail view:

    from kpo.api.etag import IF_MATCH_PARAMETER, ETAG_HEADER, PRECONDITION_FAILED_RESPONSE, ...

    def get(self, request, pk):
        vendor = self.get_object(request, pk)
        return with_etag(Response(VendorSerializer(vendor).data), vendor, "vendor")

    @extend_schema(parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
                   responses={200: VendorSerializer, 412: PRECONDITION_FAILED_RESPONSE}, ...)
    def patch(self, request, pk):
        self.get_object(request, pk)                      # 404 outside the caller's scope
        with transaction.atomic():
            vendor = lock_for_write(Vendor.objects.all(), pk)
            check_if_match(request, vendor, "vendor")     # 412 when changed since
            ...validate, call the service...
        vendor = self.get_object(request, pk)             # fresh change_seq
        return with_etag(Response(...), vendor, "vendor")

GET also honours `If-None-Match` through `not_modified()` (304 without a body).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

M = TypeVar("M", bound=Model)


class Versioned(Protocol):
    """A row with a change number (kpo/change_seq.py): a vendor, requirement or engagement."""

    @property
    def pk(self) -> Any: ...

    @property
    def change_seq(self) -> int: ...


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since the ETag in If-Match: fetch it again, then retry your change."
    default_code = "precondition_failed"


IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The ETag from your last read of this object: the write answers 412 if the object changed since. "
        "`*` matches any version. Without it the write goes ahead."
    ),
)
IF_NONE_MATCH_PARAMETER = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag you hold: 304 without a body when the object has not changed.",
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201, 304],
    description='Strong entity tag of this version, e.g. "requirement-42-1093". Send it back in If-Match.',
)
PRECONDITION_FAILED_RESPONSE = OpenApiResponse(
    response=inline_serializer("PreconditionFailedError", {"detail": serializers.CharField()}),
    description="The object changed since the ETag sent in If-Match.",
)


def etag_for(obj: Versioned, resource: str) -> str:
    return f'"{resource}-{obj.pk}-{obj.change_seq}"'


def with_etag(response: Response, obj: Versioned, resource: str) -> Response:
    response["ETag"] = etag_for(obj, resource)
    return response


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_if_match(request, obj: Versioned, resource: str) -> None:
    """Raise PreconditionFailed (412) unless If-Match is absent, `*`, or lists
    the object's current ETag. Strong comparison: a weak tag (W/"...") never
    matches. Call it on a row locked for the write (lock_for_write)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = _tags(header)
    if "*" in tags or etag_for(obj, resource) in tags:
        return
    raise PreconditionFailed()


def not_modified(request, obj: Versioned, resource: str) -> Response | None:
    """A 304 response when If-None-Match lists the current ETag, else None."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return None
    current = etag_for(obj, resource)
    tags = [tag.removeprefix("W/") for tag in _tags(header)]
    if "*" in tags or current in tags:
        return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), obj, resource)
    return None


def lock_for_write(queryset: QuerySet[M], pk: Any) -> M:
    """The row locked until the end of the surrounding transaction.
    `of=("self",)`: scoped querysets may join nullable relations, which
    PostgreSQL cannot lock. 404 when the row went meanwhile (a concurrent
    DELETE committed while this request waited for its lock)."""
    try:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    except ObjectDoesNotExist:  # what get() raises is queryset.model.DoesNotExist, a subclass
        raise Http404 from None
