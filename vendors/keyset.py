"""Keyset paging of the directory's sorts (name, rating, reviews, rate, relevance),
shared by the HTML directory and the API's vendor list (vendors/api/pagination.py).

A page is the rows strictly after the last row's whole sort key (each sort ends
with the unique id), so no row repeats or goes missing, whatever the ties, and a
page deep in the list costs what the first one does: the sort's index is entered
at the key instead of counting rows from the start (OFFSET). Null keys (no rate
for the seniority, no text rank) sort last. The page before reads the rows
strictly before the first row's key, in reverse order, then puts them in order.

A cursor is the key's values as URL-safe base64 JSON: a list going forward,
`{"before": [...]}` going back. The API's published cursors have this shape;
keep it.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce

from vendors.search import NAME_MATCH, RankedDocuments
from vendors.selectors import Sort


@dataclass(frozen=True)
class SortKey:
    field: str  # a model field or an annotation of vendors.selectors.vendor_directory()
    descending: bool = False
    nullable: bool = False  # nulls sort last either way
    kind: str = "str"  # how the cursor stores it: str | int | float | decimal


ID = SortKey("id", kind="int")
NAME = SortKey("name")
# Same orders as vendors.selectors._ordering.
SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    Sort.NAME: (NAME, ID),
    Sort.RATING: (
        SortKey("bayesian", descending=True, kind="float"),
        SortKey("review_count", descending=True, kind="int"),
        NAME,
        ID,
    ),
    Sort.REVIEWS: (
        SortKey("review_count", descending=True, kind="int"),
        SortKey("rating", descending=True, nullable=True, kind="decimal"),
        NAME,
        ID,
    ),
    Sort.RATE: (SortKey("rate_sort", nullable=True, kind="decimal"), NAME, ID),
    Sort.RELEVANCE: (SortKey("rank", descending=True, nullable=True, kind="float"), NAME, ID),
}


def keys_for(sort: str, queryset: QuerySet) -> tuple[SortKey, ...]:
    """The key of `sort` as vendor_directory() sorted `queryset` (relevance without a
    search is by name)."""
    if sort == Sort.RELEVANCE and "rank" not in queryset.query.annotations:
        return SORT_KEYS[Sort.NAME]
    return SORT_KEYS[sort]


def _order_expression(key: SortKey, *, fenced: bool = False):
    expression = _fenced(key) if fenced else F(key.field)
    if key.descending:
        return expression.desc(nulls_last=True) if key.nullable else expression.desc()
    return expression.asc(nulls_last=True) if key.nullable else expression.asc()


def _reverse_order_expression(key: SortKey, *, fenced: bool = False):
    """The opposite order, nulls first (they come last going forward)."""
    expression = _fenced(key) if fenced else F(key.field)
    if key.descending:
        return expression.asc(nulls_first=True) if key.nullable else expression.asc()
    return expression.desc(nulls_first=True) if key.nullable else expression.desc()


def _fenced(key: SortKey):
    """The key's value as an expression no index is sorted by (`name || ''`, `rating + 0`):
    the same order, but the planner cannot walk the sort's index, so it finds the matches
    first and sorts them."""
    if key.kind == "str":
        return ExpressionWrapper(Func(F(key.field), template="(%(expressions)s || '')"), output_field=TextField())
    return ExpressionWrapper(F(key.field) + 0, output_field=key_output(key))


def key_output(key: SortKey):
    return {"int": BigIntegerField(), "float": FloatField(), "decimal": DecimalField()}[key.kind]


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
    """(k1 after v1) OR (k1 = v1 AND k2 after v2) OR ... : lexicographic order.

    Relevance (a text rank worked out per row, no index to enter) as one row comparison:
    (-rank, name, id) > (-v1, v2, v3). The OR form repeats the rank in each arm, and
    PostgreSQL computes it again for each: a second page cost twice the first."""
    if keys and keys[0].field == "rank" and values[0] is not None and all(not key.descending for key in keys[1:]):
        return Q(
            _RowComparison(
                [_ascending(key) for key in keys],
                [_ascending_value(keys[0], values[0]), *values[1:]],
                ">" if beyond is _after else "<",
            )
        )
    arms = []
    for index, key in enumerate(keys):
        after = beyond(key, values[index])
        if after is None:
            continue
        equal = [_equal(keys[j], values[j]) for j in range(index)]
        arms.append(reduce(and_, [*equal, after]))
    return reduce(or_, arms) if arms else Q(pk__in=[])


def _ascending(key: SortKey):
    """The key as an ascending expression with nulls last: a descending float negated, a
    null as +infinity."""
    if not key.descending:
        return F(key.field)
    return Coalesce(-F(key.field), Value(math.inf), output_field=FloatField())


def _ascending_value(key: SortKey, value):
    return -value if key.descending else value


class _RowComparison(Func):
    """(a, b, c) > (x, y, z): a row comparison, the same in PostgreSQL and SQLite."""

    output_field = BooleanField()

    def __init__(self, left: list, right: list, operator: str):
        super().__init__(*left, *[value if hasattr(value, "resolve_expression") else Value(value) for value in right])
        self.width = len(left)
        self.operator = operator

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"(({left}) {self.operator} ({right}))", params


def keyset_before(keys: tuple[SortKey, ...], values: list) -> Q:
    """The rows strictly before the key, in the same lexicographic order."""
    return keyset_after(keys, values, beyond=_before)


# --- cursors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    values: list
    backwards: bool = False


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


def decode(raw: str, keys: tuple[SortKey, ...]) -> Cursor:
    """The cursor `raw` for `keys`; ValueError when it is not one (made up, cut short,
    or made for another sort)."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
        backwards = isinstance(decoded, dict)
        values = decoded.get("before") if backwards and len(decoded) == 1 else decoded
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError(values)
        return Cursor([_load(key, value) for key, value in zip(keys, values, strict=True)], backwards=backwards)
    except (ValueError, TypeError, InvalidOperation, UnicodeDecodeError, RecursionError):
        raise ValueError("not a cursor of this sort") from None


def encode(row: Any, keys: tuple[SortKey, ...], *, backwards: bool = False) -> str:
    values = [_dump(key, getattr(row, key.field)) for key in keys]
    cursor = {"before": values} if backwards else values
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()


# --- pages -----------------------------------------------------------------------------


@dataclass
class Page:
    rows: list
    has_next: bool
    has_previous: bool


# A search that matches at most this many vendors is sorted after matching (see read_page).
FEW_MATCHES = 2000


# A search sorted by relevance, keyed on the search documents (vendors.search.ranked_documents):
# the same order as SORT_KEYS[Sort.RELEVANCE], since `sort_name` is the vendor's name.
RANKED_DOCUMENT_KEYS = (SORT_KEYS[Sort.RELEVANCE][0], SortKey("sort_name"), SortKey("vendor_id", kind="int"))


def read_page(
    queryset: QuerySet,
    keys: tuple[SortKey, ...],
    cursor: Cursor | None,
    size: int,
    *,
    few: bool | None = None,
    ranked: RankedDocuments | None = None,
) -> Page:
    """The page of `size` rows at `cursor` (None: the first page). A backward cursor
    with no row before it any more gives the first page.

    A search (a `rank` annotation) sorted by something other than relevance: the planner
    may walk the sort's index and test each vendor against the search, expecting matches
    to be spread evenly. Names that contain the query bunch together in name order ("Vertex
    ..."): 86,000 vendors walked for 21 rows, 250 ms. When the search matches few vendors
    (counted up to FEW_MATCHES, a few milliseconds) the page is sorted after matching
    instead (5 ms for 1,600 matches); more matches are dense enough for the walk. `few`:
    whether the caller already counted at most FEW_MATCHES matches.

    `ranked`: for a search sorted by relevance, its documents (vendors.search.ranked_documents)
    when the search is all that narrows `queryset`; the page is then ranked from them alone
    (see _read_ranked)."""
    if ranked is not None and keys == SORT_KEYS[Sort.RELEVANCE]:
        page = _read_ranked(queryset, ranked, cursor, size)
        if page is not None:
            return page
    fenced = may_fence(queryset, keys) and (few if few is not None else _few(queryset))
    if keys == SORT_KEYS[Sort.NAME] and not fenced and _narrowed(queryset):
        page = _walk_names(queryset, keys, cursor, size)
        if page is not None:
            return page
        fenced = True
    if cursor is not None and cursor.backwards:
        before = queryset.filter(keyset_before(keys, cursor.values))
        rows = list(before.order_by(*[_reverse_order_expression(key, fenced=fenced) for key in keys])[: size + 1])
        if rows:
            # The cursor's own row follows this page.
            return Page(rows=rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
        cursor = None
    if cursor is not None:
        queryset = queryset.filter(keyset_after(keys, cursor.values))
    rows = list(queryset.order_by(*[_order_expression(key, fenced=fenced) for key in keys])[: size + 1])
    # Forward from a cursor: the cursor's own row came before this page.
    return Page(rows=rows[:size], has_next=len(rows) > size, has_previous=cursor is not None)


# How far along the name order a narrowed list sorted by name may walk for its page (_walk_names).
NAME_WALK = 4000


def _narrowed(queryset: QuerySet) -> bool:
    """Whether a search or a filter narrows the list beyond the active vendors."""
    return queryset.query.where != queryset.model._default_manager.filter(is_active=True).query.where


def _walk_names(queryset: QuerySet, keys: tuple[SortKey, ...], cursor: Cursor | None, size: int) -> Page | None:
    """The page of a search or filters sorted by name, read by walking the name index at most
    NAME_WALK active vendors from the cursor; None when the walk finds too few matches (the
    caller then finds the matches first and sorts them).

    The planner walks the name index unbounded when it expects the matches to be spread
    evenly, and they are not: names bunch together ("vertex" matched 25,000 of 1,000,000
    vendors, all named "Vertex ...": 900,000 vendors tested before the first, 4.6 s), and
    filters correlate (verified, rated 3 or more, a centre in Ireland and a rate cap: 372,000
    vendors walked for 21 rows, 550 ms). The rows within the walk's reach come first in the
    list, so when they fill the page the page is exact."""
    backwards = cursor is not None and cursor.backwards
    active = queryset.model._default_manager.filter(is_active=True)
    if cursor is not None:
        active = active.filter((keyset_before if backwards else keyset_after)(keys, cursor.values))
    order = _reverse_order_expression if backwards else _order_expression
    reach = active.order_by(*[order(key) for key in keys]).values_list(*[key.field for key in keys])[
        NAME_WALK - 1 : NAME_WALK
    ]
    bound = next(iter(reach), None)
    walked = queryset
    if cursor is not None:
        walked = walked.filter((keyset_before if backwards else keyset_after)(keys, cursor.values))
    if bound is not None:
        # Up to the walk's last row, inclusive: strictly before the row after it.
        walked = walked.exclude((keyset_before if backwards else keyset_after)(keys, list(bound)))
    rows = list(walked.order_by(*[order(key) for key in keys])[: size + 1])
    if len(rows) <= size and bound is not None:
        return None  # the walk's reach ends before the page does
    if backwards:
        if not rows:
            return read_page(queryset, keys, None, size)  # nothing before it any more: the first page
        return Page(rows=rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
    return Page(rows=rows[:size], has_next=len(rows) > size, has_previous=cursor is not None)


def may_fence(queryset: QuerySet, keys: tuple[SortKey, ...]) -> bool:
    """Whether read_page() decides by the number of matches how to sort: a search sorted by
    something other than relevance."""
    return "rank" in queryset.query.annotations and keys[0].field != "rank"


def _few(queryset: QuerySet) -> bool:
    return queryset.order_by().values("pk")[: FEW_MATCHES + 1].count() <= FEW_MATCHES


def _read_ranked(queryset: QuerySet, ranked: RankedDocuments, cursor: Cursor | None, size: int) -> Page | None:
    """The page of a search sorted by relevance, ranked from its documents alone: the ids of
    the `size` + 1 best documents at the cursor (one table, GIN index), then those vendors
    from `queryset`. Ranking every match joined to its vendor (for the name and whether it
    is active) read the whole vendor table for a broad word.

    The documents whose name contains the query rank above all others (RankedDocuments):
    while they fill the page it is ranked from them alone, found by the trigram index. "data"
    matched 557,000 of 1,000,000 vendors (936 ms to rank), 31,000 of them by name.

    The documents hold the active vendors matching the search, `queryset` those and maybe
    fewer (another filter). When every document's vendor is in `queryset`, they are its
    first rows at the cursor too: any row of `queryset` is a document, ranked after these.
    Otherwise None: the caller reads `queryset` itself."""
    backwards = cursor is not None and cursor.backwards
    at_names = cursor is None or (cursor.values[0] is not None and cursor.values[0] >= NAME_MATCH)
    ids = None
    if at_names:
        # Backwards from a named row, every row before it is named too (it ranks higher).
        named = _ranked_ids(ranked.named, cursor, size)
        if backwards or len(named) > size:
            ids = named
    if ids is None:
        ids = _ranked_ids(ranked.all, cursor, size)
    if backwards and not ids:
        return _read_ranked(queryset, ranked, None, size)  # nothing before it any more: the first page
    found = {row.pk: row for row in queryset.filter(pk__in=ids)}
    if len(found) < len(ids):
        return None
    rows = [found[vendor_id] for vendor_id in ids]
    if backwards:
        # The cursor's own row follows this page.
        return Page(rows=rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
    return Page(rows=rows[:size], has_next=len(rows) > size, has_previous=cursor is not None)


def _ranked_ids(documents: QuerySet, cursor: Cursor | None, size: int) -> list[int]:
    """The vendor ids of the `size` + 1 documents at the cursor, in (rank, name, id) order
    (reversed for a backward cursor)."""
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        beyond = keyset_before if backwards else keyset_after
        documents = documents.filter(beyond(RANKED_DOCUMENT_KEYS, cursor.values))
    order = _reverse_order_expression if backwards else _order_expression
    return list(
        documents.order_by(*[order(key) for key in RANKED_DOCUMENT_KEYS]).values_list("vendor_id", flat=True)[
            : size + 1
        ]
    )
