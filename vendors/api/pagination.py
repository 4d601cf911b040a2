"""Paging the vendor list: the shared cursor pagination (kpo/api/pagination.py)
for delta sync and for the unique orderings, plus a keyset cursor for the
directory's sorts (name, rating, reviews, rate, relevance).

DRF's cursor positions on the first ordering field only, so it cannot page
"by rating" when many vendors share a rating. Here the cursor carries the last
row's whole sort key (each sort ends with the unique id), and the next page is
the rows strictly after that key: no row repeats or goes missing, whatever the
ties. Null keys (no rate for the seniority, no text rank) sort last, as on the
directory page. `previous` pages back the same way: its cursor holds the first
row's key, and the rows strictly before it are read in reverse order.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import and_, or_

from django.db.models import F, Q
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from kpo.api.pagination import SyncCursorPagination
from kpo.api.sync import is_sync_request
from vendors import selectors as vendors_selectors


@dataclass(frozen=True)
class SortKey:
    field: str  # a model field or an annotation of vendor_directory()
    descending: bool = False
    nullable: bool = False  # nulls sort last either way
    kind: str = "str"  # how the cursor stores it: str | int | float | decimal


ID = SortKey("id", kind="int")
NAME = SortKey("name")
# Same orders as the directory page (vendors.selectors._ordering).
SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    vendors_selectors.Sort.NAME: (NAME, ID),
    vendors_selectors.Sort.RATING: (
        SortKey("bayesian", descending=True, kind="float"),
        SortKey("review_count", descending=True, kind="int"),
        NAME,
        ID,
    ),
    vendors_selectors.Sort.REVIEWS: (
        SortKey("review_count", descending=True, kind="int"),
        SortKey("rating", descending=True, nullable=True, kind="decimal"),
        NAME,
        ID,
    ),
    vendors_selectors.Sort.RATE: (SortKey("rate_sort", nullable=True, kind="decimal"), NAME, ID),
    vendors_selectors.Sort.RELEVANCE: (SortKey("rank", descending=True, nullable=True, kind="float"), NAME, ID),
}
# `ordering` values served by the shared cursor (one unique field each).
UNIQUE_ORDERINGS = {"id": "id", "-id": "-id", "change_seq": "change_seq", "-change_seq": "-change_seq"}


def _order_expression(key: SortKey):
    expression = F(key.field)
    if key.descending:
        return expression.desc(nulls_last=True) if key.nullable else expression.desc()
    return expression.asc(nulls_last=True) if key.nullable else expression.asc()


def _reverse_order_expression(key: SortKey):
    """The opposite order, nulls first (they come last going forward)."""
    expression = F(key.field)
    if key.descending:
        return expression.asc(nulls_first=True) if key.nullable else expression.asc()
    return expression.desc(nulls_first=True) if key.nullable else expression.desc()


def _after(key: SortKey, value) -> Q | None:
    """Rows strictly after `value` on this key alone (None: no row can be)."""
    if value is None:
        return None  # nulls come last: nothing is after a null on this key
    after = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    return after | Q(**{f"{key.field}__isnull": True}) if key.nullable else after


def _before(key: SortKey, value) -> Q | None:
    """Rows strictly before `value` on this key alone (None: no row can be)."""
    if value is None:
        return Q(**{f"{key.field}__isnull": False}) if key.nullable else None  # every value precedes a null
    return Q(**{f"{key.field}__{'gt' if key.descending else 'lt'}": value})


def _equal(key: SortKey, value) -> Q:
    return Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})


def keyset_after(keys: tuple[SortKey, ...], values: list, *, beyond=_after) -> Q:
    """(k1 after v1) OR (k1 = v1 AND k2 after v2) OR ... : lexicographic order."""
    arms = []
    for index, key in enumerate(keys):
        after = beyond(key, values[index])
        if after is None:
            continue
        equal = [_equal(keys[j], values[j]) for j in range(index)]
        arms.append(reduce(and_, [*equal, after]))
    return reduce(or_, arms) if arms else Q(pk__in=[])


def keyset_before(keys: tuple[SortKey, ...], values: list) -> Q:
    """The rows strictly before the key, in the same lexicographic order."""
    return keyset_after(keys, values, beyond=_before)


def _dump(key: SortKey, value):
    if value is None:
        return None
    return str(value) if key.kind == "decimal" else value


# Sort values the database can compare: no NaN or infinity, no text with NUL, and
# decimals PostgreSQL's numeric accepts (converted rates carry ~30 decimal places).
MAX_DECIMAL_DIGITS = 1000
DECIMAL_EXPONENTS = range(-1000, 101)


def _load(key: SortKey, raw):
    if raw is None:
        return None
    if key.kind == "decimal" and isinstance(raw, str):
        value = Decimal(raw)
        parts = value.as_tuple()
        if value.is_finite() and len(parts.digits) <= MAX_DECIMAL_DIGITS and parts.exponent in DECIMAL_EXPONENTS:
            return value
    elif key.kind == "float" and isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isfinite(raw):
            return float(raw)
    elif key.kind == "int" and isinstance(raw, int) and not isinstance(raw, bool):
        if -(2**63) <= raw < 2**63:
            return raw
    elif key.kind == "str" and isinstance(raw, str) and "\x00" not in raw:
        return raw
    raise ValueError(raw)


class VendorCursorPagination(SyncCursorPagination):
    """`sort` (from the filter set) picks the directory's order; without it the
    shared cursor pages by `-id` (or the unique `ordering` asked for)."""

    invalid_cursor = "Invalid cursor: follow the `next` or `previous` link as given."

    def paginate_queryset(self, queryset, request, view=None, tombstones=None, sort: str = "", ordering: str = ""):
        self.keyset = None
        if is_sync_request(request):
            return super().paginate_queryset(queryset, request, view, tombstones=tombstones)
        if not sort:
            self.ordering = UNIQUE_ORDERINGS.get(ordering, "-id")
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.sync = False
        self.page_size = self.get_page_size(request)
        keys = SORT_KEYS[sort]
        if sort == vendors_selectors.Sort.RELEVANCE and "rank" not in queryset.query.annotations:
            keys = SORT_KEYS[vendors_selectors.Sort.NAME]
        self.keyset = keys
        raw = request.query_params.get(self.cursor_query_param)
        backwards, values = self._decode(raw, keys) if raw else (False, None)
        if backwards and values is not None and self._read_before(queryset, values):  # backwards: decoded values
            return self.page
        # Forward from the cursor, or the first page (also when all rows before a
        # `previous` cursor went meanwhile).
        values = None if backwards else values
        if values is not None:
            queryset = queryset.filter(keyset_after(keys, values))
        rows = list(queryset.order_by(*[_order_expression(key) for key in keys])[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        self.has_previous = values is not None  # the cursor's own row came before this page
        return self.page

    def _read_before(self, queryset, values: list) -> bool:
        """The page before the cursor: read backwards from it, then put in order.
        False when no row is before it any more."""
        keys = self.keyset
        assert keys is not None  # set by paginate_queryset first
        before = queryset.filter(keyset_before(keys, values))
        rows = list(before.order_by(*[_reverse_order_expression(key) for key in keys])[: self.page_size + 1])
        self.has_previous = len(rows) > self.page_size
        self.page = rows[: self.page_size][::-1]
        self.has_next = True  # the cursor's own row follows this page
        return bool(self.page)

    def _decode(self, raw: str, keys: tuple[SortKey, ...]) -> tuple[bool, list]:
        """(backwards, the key): a forward cursor is the key's list of values, a
        backward one `{"before": [...]}`."""
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
            backwards = isinstance(decoded, dict)
            values = decoded.get("before") if backwards and len(decoded) == 1 else decoded
            if not isinstance(values, list) or len(values) != len(keys):
                raise ValueError(values)
            return backwards, [_load(key, value) for key, value in zip(keys, values, strict=True)]
        except (ValueError, TypeError, InvalidOperation, UnicodeDecodeError, RecursionError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor]}) from None

    def _encode(self, row, *, backwards: bool = False) -> str:
        assert self.keyset is not None  # only the keyset links encode
        values = [_dump(key, getattr(row, key.field)) for key in self.keyset]
        cursor = {"before": values} if backwards else values
        return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()

    def get_next_link(self):
        if self.keyset is None:
            return super().get_next_link()
        if not self.has_next or not self.page:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(self.page[-1]))

    def get_previous_link(self):
        if self.keyset is None:
            return super().get_previous_link()
        if not self.has_previous or not self.page:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(self.page[0], backwards=True))

    def get_paginated_response(self, data):
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})
