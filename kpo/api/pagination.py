"""Cursor pagination for every list endpoint, with delta sync built in.

Browsing (no `since` / `updated_since`): DRF's cursor pagination on a unique,
stable ordering (`-id` by default: newest first). An opaque `cursor` in the
`next` / `previous` links; rows never repeat or go missing between pages,
however many share a timestamp, because the ordering field is unique. A view
that sets `ordering` (or uses an OrderingFilter) must order by ONE unique
field: DRF positions the cursor on the first field only.

Syncing (`since` and/or `updated_since`, see kpo/api/sync.py): keyset paging
on the unique `change_seq`, ascending, merged with the tombstones of the same
window so a page holds at most `page_size` items counting both:

    {"next": ".../?since=1234&page_size=200" | null, "previous": null,
     "results": [live rows...],
     "deleted": [{"resource", "id", "external_id", "reason", "change_seq", "deleted_at"}...],
     "last_change_seq": 1234}

The `next` link is the same query with `since` moved to the last item's
change number; on the last page (`next` null), `last_change_seq` is the safe
watermark: keep it and start the next sync from it. Only numbers at or below
the watermark are served, so a transaction still in flight with a lower
number can never be skipped (kpo/change_seq.py explains the watermark).

`page_size`: 1 to 200, default 50. Anything else answers 400
{"page_size": ["..."]}: a silent clamp would leave a client that asked for
500 believing it had everything.

Usage (a list APIView):

    paginator = SyncCursorPagination()
    page = paginator.paginate_queryset(apply_sync_filters(queryset, request), request, view=self,
                                       tombstones=sync_tombstones(request, resource="vendor"))
    return paginator.get_paginated_response(VendorSerializer(page, many=True).data)

Queries per page: the rows (plus the queryset's prefetches), in sync mode also
the tombstones and the watermark: constant.
"""

from __future__ import annotations

import heapq
from base64 import b64decode
from urllib.parse import parse_qs

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.http import HttpResponse
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from kpo.api.sync import SINCE_DESCRIPTION, SINCE_PARAM, is_sync_request, parse_since
from kpo.bounds import whole_number
from kpo.change_seq import change_seq_watermark

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def tombstone_data(tombstone) -> dict:
    return {
        "resource": tombstone.resource,
        "id": tombstone.object_id,
        "external_id": tombstone.external_id,
        "reason": tombstone.reason,
        "change_seq": tombstone.change_seq,
        "deleted_at": tombstone.created_at.isoformat().replace("+00:00", "Z"),
    }


CURSOR_DESCRIPTION = "The page to serve, as a `next` or `previous` link carries it: opaque, follow the link as given."
SINCE_SCHEMA_PARAMETER = {
    "name": SINCE_PARAM,
    "required": False,
    "in": "query",
    "description": SINCE_DESCRIPTION,
    "schema": {"type": "integer", "format": "int64", "minimum": 0},
}


def _described_cursor(parameter: dict, cursor_param: str) -> dict:
    if parameter.get("name") == cursor_param:
        return {**parameter, "description": CURSOR_DESCRIPTION}
    return parameter


def _with_link_schemas(response: dict, *, sync: bool) -> dict:
    """DRF's `next` / `previous` examples (one with a stray quote: not a URI), replaced by
    links as this API writes them, with what they carry."""
    carried = "`cursor` (browsing) or `since` (sync mode: no cursor)" if sync else "`cursor`"
    response["properties"]["next"] = {
        "type": "string",
        "nullable": True,
        "format": "uri",
        "description": f"The next page: this query with {carried} set for it; null on the last page.",
        "example": "https://kpo.example.com/api/v1/vendors/?cursor=cD00ODY%3D",
    }
    response["properties"]["previous"] = {
        "type": "string",
        "nullable": True,
        "format": "uri",
        "description": "The previous page (browsing only: null in sync mode and on the first page).",
        "example": "https://kpo.example.com/api/v1/vendors/?cursor=cj0xJnA9NDg3",
    }
    return response


class SyncCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = f"Results per page: 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
    ordering = "-id"

    sync = False
    invalid_cursor_message = "Invalid cursor: follow the `next` or `previous` link as given."

    def decode_cursor(self, request):
        """A cursor that is not one of ours is the client's mistake: 400 naming the
        parameter (DRF answers 404, and accepts any base64 text that happens to
        decode, positioning on whatever it holds)."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
            valid = False
        else:
            valid = cursor is None or self._is_ours(request.query_params[self.cursor_query_param], cursor)
        if not valid:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        return cursor

    def _is_ours(self, encoded: str, cursor) -> bool:
        try:
            tokens = parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode("ascii"), strict_parsing=True)
        except ValueError:
            return False
        if set(tokens) - {"o", "r", "p"} or any(len(values) != 1 for values in tokens.values()):
            return False
        if tokens.get("r", ["0"])[0] not in ("0", "1") or cursor.offset >= self.offset_cutoff:
            return False
        if cursor.position is None:
            return True
        if "\x00" in cursor.position:  # PostgreSQL refuses NUL in any text
            return False
        name = self.ordering[0].lstrip("-")
        try:
            self._model._meta.get_field(name).to_python(cursor.position)
        except (AttributeError, FieldDoesNotExist, DjangoValidationError):
            return False
        return True

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = whole_number(raw, high=self.max_page_size)
        if not size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None, tombstones=None):
        self.sync = is_sync_request(request)
        self._model = queryset.model  # for checking a cursor's position (decode_cursor)
        if not self.sync:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.page_size = self.get_page_size(request)
        since = parse_since(request) or 0
        watermark = change_seq_watermark(connections[queryset.db])
        limit = self.page_size + 1
        rows = list(queryset.filter(change_seq__lte=watermark).order_by("change_seq")[:limit])
        deleted = []
        if tombstones is not None:
            deleted = list(tombstones.filter(change_seq__lte=watermark).order_by("change_seq")[:limit])
        # Change numbers are unique across rows and tombstones (one counter): no ties.
        merged = list(heapq.merge(((row.change_seq, 0, row) for row in rows), ((t.change_seq, 1, t) for t in deleted)))
        self.has_next = len(merged) > self.page_size
        if self.has_next:
            merged = merged[: self.page_size]
            self.last_change_seq = merged[-1][0]
        else:
            # Everything up to the watermark has been served.
            self.last_change_seq = max(since, watermark)
        self.page = [item for _, kind, item in merged if kind == 0]
        self.page_tombstones = [item for _, kind, item in merged if kind == 1]
        return self.page

    def get_next_link(self):
        if not self.sync:
            return super().get_next_link()
        if not self.has_next:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return replace_query_param(url, SINCE_PARAM, self.last_change_seq)

    def get_previous_link(self):
        return super().get_previous_link() if not self.sync else None

    def get_paginated_response(self, data):
        if not self.sync:
            return super().get_paginated_response(data)
        return Response(
            {
                "next": self.get_next_link(),
                "previous": None,
                "results": data,
                "deleted": [tombstone_data(t) for t in self.page_tombstones],
                "last_change_seq": self.last_change_seq,
            }
        )

    def get_encoded_paginated_response(self, encoded_results: list[bytes]) -> HttpResponse:
        """The same page as get_paginated_response(), for results that are already
        JSON (cached documents, vendors/api/documents.py): the envelope is rendered
        with no results and the encoded ones are spliced in, not rendered again.
        `"results":[]` can only be the key: quotes inside JSON strings are escaped."""
        envelope = JSONRenderer().render(self.get_paginated_response([]).data)
        results = b'"results":[' + b",".join(encoded_results) + b"]"
        return HttpResponse(envelope.replace(b'"results":[]', results, 1), content_type="application/json")

    def get_schema_operation_parameters(self, view):
        """`cursor` and `page_size`, and `since`: a sync page's `next` link carries `since` (no
        cursor), a browsing page's carries `cursor`; both are declared, so a client that follows
        the links (or copies their parameters) pages to the end either way."""
        parameters = [
            _described_cursor(p, self.cursor_query_param) for p in super().get_schema_operation_parameters(view)
        ]
        return [*parameters, SINCE_SCHEMA_PARAMETER]

    def get_paginated_response_schema(self, schema):
        response = _with_link_schemas(super().get_paginated_response_schema(schema), sync=True)
        response["properties"]["deleted"] = {
            "type": "array",
            "description": "Sync mode only: tombstones of rows deleted (or deactivated) in this page's window.",
            "items": {
                "type": "object",
                "required": ["resource", "id", "external_id", "reason", "change_seq", "deleted_at"],
                "properties": {
                    "resource": {"type": "string", "enum": ["vendor", "requirement", "engagement"]},
                    "id": {"type": "integer"},
                    "external_id": {"type": "string"},
                    "reason": {"type": "string", "enum": ["deleted", "deactivated"]},
                    "change_seq": {"type": "integer", "format": "int64"},
                    "deleted_at": {"type": "string", "format": "date-time"},
                },
            },
        }
        response["properties"]["last_change_seq"] = {
            "type": "integer",
            "format": "int64",
            "description": "Sync mode only: pass it as `since` in the next sync once `next` is null.",
        }
        return response


class BrowseCursorPagination(SyncCursorPagination):
    """The shared cursor pagination (page_size 1-200, a 400 for a bad cursor)
    without its sync mode, for lists whose rows carry no change number:
    `since` and `updated_since` are not parameters there and are ignored.
    `ordering` must be ONE unique field (default `-id`: newest first)."""

    def paginate_queryset(self, queryset, request, view=None, tombstones=None):
        self.sync = False
        self._model = queryset.model
        return super(SyncCursorPagination, self).paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super(SyncCursorPagination, self).get_schema_operation_parameters(view)
        return [_described_cursor(p, self.cursor_query_param) for p in parameters]

    def get_paginated_response_schema(self, schema):
        return _with_link_schemas(super(SyncCursorPagination, self).get_paginated_response_schema(schema), sync=False)


class CodeCursorPagination(BrowseCursorPagination):
    """Taxonomy lists, in code order (codes are unique)."""

    ordering = "code"


class CurrencyCursorPagination(BrowseCursorPagination):
    """Exchange rates, in currency order (one rate per currency)."""

    ordering = "currency"
