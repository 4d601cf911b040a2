"""The physical limit the directory is measured against: a first page (50 ids)
from ONE SQL query, timed in a loop at one connection straight through
psycopg2 (no ORM, no HTTP, no rendering).

- browse: active vendors by name, the directory's default order, hand-written;
- search: the directory selector's own query for a search's first page by
  relevance, ids only (compiled by the ORM once, then run as plain SQL), over
  the searches of the mix: what one query costs with the search expression and
  indexes the directory uses today, whatever they become.

Each reference keeps the plan PostgreSQL chose (EXPLAIN), so the report shows
whether it is an index scan or a scan and sort: a slow reference says the
schema lacks an index, not that the directory is fast.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

PAGE = 50  # the API page the mix asks for
BROWSE_SQL = "SELECT id FROM vendors_vendor WHERE is_active ORDER BY name, id LIMIT 50"
_PLAN_NODE = re.compile(r"^\s*(?:->\s*)?(.+?)(?:\s{2,}\(|\s\(cost=|$)")


@dataclass(frozen=True)
class SqlReference:
    label: str
    sql: str
    plan: list[str]
    latencies: list[float]


def time_query(*, label: str, statements: Sequence[tuple[str, tuple]], seconds: float, runs: int) -> SqlReference:
    """Run the statements in turn, `runs` times in all or for `seconds`; each
    latency covers execute and fetchall."""
    connection.ensure_connection()
    raw = connection.connection  # the psycopg2 connection itself
    assert raw is not None
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    with raw.cursor() as cursor:
        first_sql, first_params = statements[0]
        cursor.execute(f"EXPLAIN (COSTS OFF) {first_sql}", first_params)
        plan = [_plan_node(row[0]) for row in cursor.fetchall() if "->" in row[0] or not row[0].startswith(" ")]
        for sql, params in itertools.islice(itertools.cycle(statements), runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            latencies.append((time.perf_counter() - started) * 1000)
            if time.monotonic() >= deadline:
                break
    raw.rollback()  # leave no transaction open on Django's connection
    return SqlReference(label=label, sql=first_sql, plan=plan, latencies=latencies)


def _plan_node(line: str) -> str:
    match = _PLAN_NODE.match(line)
    return match.group(1).strip() if match else line.strip()


def search_statements(searches: Sequence[str], *, viewer) -> list[tuple[str, tuple]]:
    """The directory's first-page query (ids only) for each search, as SQL and parameters."""
    from vendors.selectors import DirectoryFilters, Sort, vendor_directory

    statements = []
    for search in searches:
        filters = DirectoryFilters(q=search, sort=Sort.RELEVANCE)
        page = vendor_directory(filters=filters, viewer=viewer, display=False).values_list("id", flat=True)[:PAGE]
        statements.append(page.query.sql_with_params())
    return statements


def sql_references(*, searches: Sequence[str], viewer, seconds: float, runs: int = 1_000_000) -> list[SqlReference]:
    """Both references, `seconds` each."""
    return [
        time_query(label="SQL: browse by name", statements=[(BROWSE_SQL, ())], seconds=seconds, runs=runs),
        time_query(
            label="SQL: search page",
            statements=search_statements(searches or ["analysis"], viewer=viewer),
            seconds=seconds,
            runs=runs,
        ),
    ]
