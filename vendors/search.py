"""The directory's text search, by database.

PostgreSQL reads each vendor's stored search document (migration 0010, kept by a trigger):
name (A), description (B), skill names (C) and the other words buyers search its domains and
skills by, Italian names among them (D), all folded (lower case, accents off). A query
matches a vendor when
- its words match the document, read as English or as Italian (websearch syntax: quoted
  phrases, `or`, `-word`), through the GIN index; or
- it is part of the vendor's name ("lume" finds "Lumen"), through the trigram index.

Rank: ts_rank over the document (A 1.0, B 0.4, C 0.2, D 0.1), plus NAME_MATCH for a name that
contains the query as typed: a name match comes before a description match, which comes
before a skill match, which comes before a match of the other words.

SQLite (the demo) matches a case-insensitive substring of the name, the description, a
skill's name or the other words of its skills and domains ("legale"), unranked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, TextField, Value, When

from vendors.models import Vendor, VendorSearchDocument, VendorSkill

# A name containing the query ranks above any word match: ts_rank stays below 1.
NAME_MATCH = 1.0


def vendor_search(vendors: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    """`vendors` that match `q`; on PostgreSQL annotated with `rank` (higher first)."""
    if connection.vendor == "postgresql":
        return _search_postgresql(vendors, q)
    return _search_plain(vendors, q)


def folded(text: str) -> Func:
    """`text` as the stored document folds it: lower case, accents off (SQL kpo_search_fold)."""
    return Func(Value(text), function="kpo_search_fold", output_field=TextField())


def _search_postgresql(vendors: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    words, in_name, rank = _query(q, prefix="search_document__")
    return vendors.filter(Q(search_document__document=words) | in_name).annotate(rank=rank)


@dataclass(frozen=True)
class RankedDocuments:
    """A search's documents, for keyset.read_page() to rank and page it from this table alone.

    `all`: the documents of the active vendors that match, annotated with the same `rank` as
    vendor_search(). `named`: those whose name contains the query (the trigram index finds
    them). Each of these ranks above every other match: NAME_MATCH lifts it to 1 or more, and
    ts_rank stays below 1 (for each query word it weighs the word's first place in the
    document, which holds its highest weight, the name's A before the description's B
    before C and D, and adds less than the rest of that weight for every later place)."""

    all: QuerySet[VendorSearchDocument]
    named: QuerySet[VendorSearchDocument]


def ranked_documents(q: str) -> RankedDocuments | None:
    """The documents of the active vendors that match `q` (None on SQLite: no documents there)."""
    if connection.vendor != "postgresql":
        return None
    words, in_name, rank = _query(q)
    matching = VendorSearchDocument.objects.filter(is_active=True)
    return RankedDocuments(
        all=matching.filter(Q(document=words) | in_name).annotate(rank=rank),
        named=matching.filter(in_name).annotate(rank=rank),
    )


def _query(q: str, *, prefix: str = ""):
    """(words matched, name matched, rank) for the document's fields, reached through `prefix`."""
    words = SearchQuery(folded(q), config="english", search_type="websearch") | SearchQuery(
        folded(q), config="italian", search_type="websearch"
    )
    # `contains` escapes % and _ itself, and the planner folds the constant pattern, so the
    # trigram index serves it.
    in_name = Q(**{f"{prefix}name__contains": folded(q)})
    name_bonus = Case(When(in_name, then=Value(NAME_MATCH)), default=Value(0.0), output_field=FloatField())
    return words, in_name, SearchRank(F(f"{prefix}document"), words) + name_bonus


# Vendors per statement when a bulk writer writes documents (an id array of this size).
WRITE_BATCH = 10000


def write_documents(vendor_ids: list[int]) -> None:
    """Write the search documents of `vendor_ids` from their rows as they are now
    (PostgreSQL; nothing on SQLite, which has none). For a bulk writer that created these
    vendors before their skills and domains, with the parts' touches deferred
    (kpo.change_seq.document_touch_deferred): the trigger wrote each document at the
    vendor's INSERT, without them. The same SQL function as the trigger's (migration 0016)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for start in range(0, len(vendor_ids), WRITE_BATCH):
            cursor.execute(
                "SELECT vendors_search_documents_write(%s::bigint[])", [vendor_ids[start : start + WRITE_BATCH]]
            )


def _search_plain(vendors: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    by_skill = VendorSkill.objects.filter(Q(skill__name__icontains=q) | Q(skill__search_terms__icontains=q)).values(
        "vendor_id"
    )
    by_domain = Vendor.domains.through.objects.filter(expertisearea__search_terms__icontains=q).values("vendor_id")
    return vendors.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(pk__in=by_skill) | Q(pk__in=by_domain))
