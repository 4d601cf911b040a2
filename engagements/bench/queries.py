"""SQL queries per request, counted in-process: Django's test client runs the
same views, middleware and settings as the server, and an execute wrapper on
the connection records each statement a request sends and its time, to the
microsecond (DEBUG plays no part; CaptureQueriesContext rounds to the
millisecond, too coarse for statements of a fraction of one).

A sample of the mix: the first few visits of each (surface, kind), their next
pages followed as in the load runs. The process's own caches start empty, so a
kind's minimum and maximum show what a warm and a cold request cost. Beside the
count, each request's time in SQL and in all, so the report tells the database's
share from Python's (ORM, serializers, templates), and the statements that cost
the most over the whole sample.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client

from engagements.bench.load import Credentials, next_url
from engagements.bench.mix import API, NEXT_PAGE, Visit

HOST = "127.0.0.1"  # in ALLOWED_HOSTS wherever the server is
_PARAMETERS = re.compile(r"%s(?:, %s)+")
_COLUMNS = re.compile(r"^SELECT (DISTINCT )?[^()]*? FROM ")  # a plain column list, no subquery
_SPACE = re.compile(r"\s+")


class StatementTimer:
    """An execute wrapper (connection.execute_wrapper) keeping each statement and its time."""

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append((sql, (time.perf_counter() - started) * 1000))


@dataclass
class QueryCounts:
    counts: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    sql_ms: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    total_ms: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    statements: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # shape -> ms each
    failures: list[tuple[str, int]] = field(default_factory=list)  # (url, status)
    requests: int = 0
    stopped_by_time: bool = False

    def record(self, key: tuple[str, str], timings: list[tuple[str, float]], total_ms: float) -> None:
        self.counts[key].append(len(timings))
        self.sql_ms[key].append(sum(ms for _sql, ms in timings))
        self.total_ms[key].append(total_ms)
        for sql, ms in timings:
            self.statements[statement_shape(sql)].append(ms)


def statement_shape(sql: str) -> str:
    """The statement as the ORM writes it (parameters as %s), its column list and
    parameter lists shortened, so the same query groups whatever it asked."""
    shape = _SPACE.sub(" ", _PARAMETERS.sub("%s, …", sql)).strip()
    return _COLUMNS.sub(r"SELECT \1… FROM ", shape, count=1)


def sample_visits(visits: Sequence[Visit], *, per_kind: int) -> list[Visit]:
    """The first `per_kind` visits of each (surface, kind), in mix order."""
    taken: dict[tuple[str, str], int] = defaultdict(int)
    chosen = []
    for visit in visits:
        key = (visit.target, visit.kind)
        if taken[key] < per_kind:
            taken[key] += 1
            chosen.append(visit)
    return chosen


def count_queries(*, visits: Sequence[Visit], user, credentials: Credentials, seconds: float) -> QueryCounts:
    """Replay `visits` in-process, counting each request's queries, for at most `seconds`."""
    browser = Client(HTTP_HOST=HOST)
    browser.force_login(user)
    api = Client(HTTP_HOST=HOST)
    result = QueryCounts()
    deadline = time.monotonic() + seconds
    for visit in visits:
        client = api if visit.target == API else browser
        headers = credentials.headers(visit.target)
        headers.pop("Cookie", None)  # the test client keeps its own session
        url = visit.url
        for page in range(1, visit.pages + 1):
            if time.monotonic() >= deadline:
                result.stopped_by_time = True
                return result
            timer = StatementTimer()
            started = time.perf_counter()
            with connection.execute_wrapper(timer):
                response = client.get(url, headers=headers, secure=True)
            total_ms = (time.perf_counter() - started) * 1000
            result.requests += 1
            if response.status_code != 200:
                result.failures.append((url, response.status_code))
                break
            result.record((visit.target, visit.kind if page == 1 else NEXT_PAGE), timer.timings, total_ms)
            following = next_url(visit.target, url, response.content)
            if following is None:
                break
            url = following
    return result
