"""Paging the vendor list: the shared cursor pagination (kpo/api/pagination.py)
for delta sync and for the unique orderings, plus the directory's keyset cursor
(vendors/keyset.py) for its sorts (name, rating, reviews, rate, relevance).

DRF's cursor positions on the first ordering field only, so it cannot page
"by rating" when many vendors share a rating; the keyset cursor carries the last
row's whole sort key.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from kpo.api.pagination import SyncCursorPagination
from kpo.api.sync import is_sync_request
from vendors import keyset

# `ordering` values served by the shared cursor (one unique field each).
UNIQUE_ORDERINGS = {"id": "id", "-id": "-id", "change_seq": "change_seq", "-change_seq": "-change_seq"}


class VendorCursorPagination(SyncCursorPagination):
    """`sort` (from the filter set) picks the directory's order; without it the
    shared cursor pages by `-id` (or the unique `ordering` asked for)."""

    invalid_cursor = "Invalid cursor: follow the `next` or `previous` link as given."

    def paginate_queryset(
        self, queryset, request, view=None, tombstones=None, sort: str = "", ordering: str = "", ranked=None
    ):
        self.keyset = None
        if is_sync_request(request):
            return super().paginate_queryset(queryset, request, view, tombstones=tombstones)
        if not sort:
            self.ordering = UNIQUE_ORDERINGS.get(ordering, "-id")
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.sync = False
        self.page_size = self.get_page_size(request)
        self.keyset = keyset.keys_for(sort, queryset)
        raw = request.query_params.get(self.cursor_query_param)
        try:
            cursor = keyset.decode(raw, self.keyset) if raw else None
        except ValueError:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor]}) from None
        page = keyset.read_page(queryset, self.keyset, cursor, self.page_size, ranked=ranked)
        self.page, self.has_next, self.has_previous = page.rows, page.has_next, page.has_previous
        return self.page

    def get_next_link(self):
        if self.keyset is None:
            return super().get_next_link()
        if not self.has_next or not self.page:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, keyset.encode(self.page[-1], self.keyset))

    def get_previous_link(self):
        if self.keyset is None:
            return super().get_previous_link()
        if not self.has_previous or not self.page:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(
            url, self.cursor_query_param, keyset.encode(self.page[0], self.keyset, backwards=True)
        )

    def get_paginated_response(self, data):
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})
