"""Delta sync for list endpoints (vendors, requirements, engagements).

An ERP keeps a copy of our rows in step by asking for what changed since the
last change number it saw. Every row of a synced model carries `change_seq`,
numbered by the database on every insert and update from one counter shared by
all synced tables, bulk `update()` included (kpo/change_seq.py). Deleted rows
(and deactivated vendors) come back as tombstones numbered from the same
counter.

Query parameters (all optional; `since` or `updated_since` switches the list
into sync mode):

- `since=<change number>`: rows with change_seq > since, in increasing order.
- `updated_since=<ISO 8601 with offset>`: rows with updated_at >= it (coarse:
  `QuerySet.update()` does not touch updated_at; prefer `since`).
- `external_id=<text>`: rows (and tombstones) with exactly that external id.

Usage in a list view (the paginator reads `since` and writes the next link):

    from kpo.api.pagination import SyncCursorPagination
    from kpo.api.sync import SYNC_PARAMETERS, apply_sync_filters, sync_tombstones

    @extend_schema(operation_id="engagements_list", parameters=SYNC_PARAMETERS,
                   responses=EngagementSerializer(many=True))
    def get(self, request):
        queryset = apply_sync_filters(selectors.engagement_queryset_for(user=request.user), request)
        paginator = SyncCursorPagination()
        page = paginator.paginate_queryset(
            queryset, request, view=self,
            tombstones=sync_tombstones(request, resource="engagement", client_id=membership.client_id),
        )
        return paginator.get_paginated_response(EngagementSerializer(page, many=True).data)

With `@extend_schema(responses=Serializer(many=True))` and
`pagination_class = SyncCursorPagination` on the view, drf-spectacular wraps
the list in the paginated shape ({next, previous, results, deleted?,
last_change_seq?}).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from kpo.bounds import whole_number
from kpo.models import Tombstone

SINCE_PARAM = "since"
UPDATED_SINCE_PARAM = "updated_since"
EXTERNAL_ID_PARAM = "external_id"

SINCE_DESCRIPTION = (
    "Delta sync: only rows whose change_seq is greater, in increasing change_seq order, with "
    "tombstones of deleted rows in `deleted`. Start at 0; then follow `next` until it is null and "
    "keep `last_change_seq` for the next sync."
)
# `since` is the pagination's own parameter (kpo/api/pagination.py, SyncCursorPagination): the
# `next` link of a sync page carries it, so it is declared with `cursor` and `page_size`.
SYNC_PARAMETERS = [
    OpenApiParameter(
        UPDATED_SINCE_PARAM,
        str,
        description=(
            "Only rows updated at or after this instant (ISO 8601 with a UTC offset, e.g. "
            "2026-01-31T08:00:00Z). Pages like `since`. Bulk changes may keep their old updated_at: "
            "`since` is the reliable way to sync."
        ),
    ),
    OpenApiParameter(EXTERNAL_ID_PARAM, str, description="Only the rows with this external id (exact)."),
]


def is_sync_request(request) -> bool:
    params = request.query_params
    return SINCE_PARAM in params or UPDATED_SINCE_PARAM in params


def parse_since(request) -> int | None:
    raw = request.query_params.get(SINCE_PARAM)
    if raw is None:
        return None
    since = whole_number(raw)
    if since is None:
        raise ValidationError({SINCE_PARAM: ["Give a change number: a whole number, 0 or more."]})
    return since


def _parse_datetime(value: str) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:  # well formed but impossible, e.g. month 13
        return None


def parse_updated_since(request) -> datetime | None:
    raw = request.query_params.get(UPDATED_SINCE_PARAM)
    if raw is None:
        return None
    value = raw.strip()
    parsed = _parse_datetime(value)
    if parsed is None and " " in value:
        # An unencoded "+" in a query string arrives as a space: "...T08:00:00 02:00".
        head, _, tail = value.rpartition(" ")
        parsed = _parse_datetime(f"{head}+{tail}")
    if parsed is None:
        raise ValidationError(
            {UPDATED_SINCE_PARAM: ["Give an ISO 8601 date and time with a UTC offset, e.g. 2026-01-31T08:00:00Z."]}
        )
    if parsed.tzinfo is None:
        raise ValidationError({UPDATED_SINCE_PARAM: ["Add a UTC offset (Z or +hh:mm) to the date and time."]})
    return parsed


EXTERNAL_ID_MAX_LENGTH = 100  # as the models' external_id columns


def parse_external_id(request) -> str | None:
    raw = request.query_params.get(EXTERNAL_ID_PARAM)
    if raw is not None and ("\x00" in raw or len(raw) > EXTERNAL_ID_MAX_LENGTH):
        raise ValidationError(
            {EXTERNAL_ID_PARAM: [f"Give at most {EXTERNAL_ID_MAX_LENGTH} characters, without null characters."]}
        )
    return raw


def apply_sync_filters(queryset: QuerySet, request) -> QuerySet:
    """Filter a list by `since`, `updated_since` and `external_id` (400 on a bad
    value). In sync mode the rows come in increasing change_seq order; the
    paginator adds the upper bound (the safe watermark) and the page limit."""
    since = parse_since(request)
    updated_since = parse_updated_since(request)
    external_id = parse_external_id(request)
    if external_id is not None:
        queryset = queryset.filter(external_id=external_id)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if since is not None:
        queryset = queryset.filter(change_seq__gt=since)
    if since is not None or updated_since is not None:
        queryset = queryset.order_by("change_seq")
    return queryset


def sync_tombstones(
    request, *, resource: str, client_id: int | None = None, vendor_id: int | None = None, scope: Q | None = None
) -> QuerySet | None:
    """The tombstones a syncing caller may see, filtered like the live rows;
    None outside sync mode. Scope them like the live rows: `client_id` for a
    client's requirements/engagements, `vendor_id` for a vendor party, `scope`
    for anything else (e.g. Q(client_id=..) | Q(vendor_id=..)); no scope at all
    means every tombstone of the resource (vendors, staff)."""
    if not is_sync_request(request):
        return None
    since = parse_since(request)
    updated_since = parse_updated_since(request)
    external_id = parse_external_id(request)
    tombstones = Tombstone.objects.filter(resource=resource)
    if client_id is not None:
        tombstones = tombstones.filter(client_id=client_id)
    if vendor_id is not None:
        tombstones = tombstones.filter(vendor_id=vendor_id)
    if scope is not None:
        tombstones = tombstones.filter(scope)
    if external_id is not None:
        tombstones = tombstones.filter(external_id=external_id)
    if updated_since is not None:
        tombstones = tombstones.filter(created_at__gte=updated_since)
    if since is not None:
        tombstones = tombstones.filter(change_seq__gt=since)
    return tombstones.order_by("change_seq")
