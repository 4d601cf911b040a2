"""Replaying a request mix over HTTP, and the figures of a run.

Each connection is a thread with its own http.client connection (standard
library: no dependency, and its cost is small next to a request's). A thread
takes the next visit of the mix, fetches its first page, then follows the
page's own next link as deep as the visit asks. A run stops at a request
count or a deadline, whichever comes first, and cycles the mix if it runs out.
Every request's latency is the time from sending it to having read the whole
body. A request that gets no answer is an error; any status but 2xx is a
non-2xx; the run records both with the first few addresses.
"""

from __future__ import annotations

import html
import http.client
import itertools
import json
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

from engagements.bench.mix import API, NEXT_PAGE, REFERENCE, Visit

LOGIN_PATH = "/accounts/login/"
TIMEOUT_SECONDS = 120.0
_NEXT_LINK = re.compile(rb"<a\b[^>]*\brel=\"next\"[^>]*>", re.IGNORECASE)
_HREF = re.compile(rb"\bhref=\"([^\"]*)\"")
_CSRF_INPUT = re.compile(r"name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"")


@dataclass(frozen=True)
class Credentials:
    """The same procurement manager on both surfaces: an API token, a browser session."""

    token: str
    cookie: str = ""

    def headers(self, target: str) -> dict[str, str]:
        if target in (API, REFERENCE):
            return {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        # What htmx sends when the directory's form or a page link fetches the results.
        return {"Cookie": self.cookie, "HX-Request": "true", "HX-Target": "results", "Accept": "text/html"}


@dataclass(frozen=True)
class Sample:
    """One request: which surface, which kind (NEXT_PAGE after the first page), how it went."""

    target: str
    kind: str
    page: int
    status: int  # 0: no answer
    ms: float
    url: str
    error: str = ""
    searched: bool = False  # the visit has a text search (first page or a next one)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Summary:
    requests: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: int
    non_2xx: int

    @property
    def clean(self) -> bool:
        return self.requests > 0 and self.errors == 0 and self.non_2xx == 0


@dataclass
class PhaseResult:
    name: str
    connections: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    stopped_by: str = ""  # "requests" or "time"

    def summary(self, targets: Iterable[str] | None = None) -> Summary:
        """Figures over the samples of `targets` (all by default); req/s is their
        share of the phase's wall-clock time."""
        wanted = set(targets) if targets is not None else None
        return summarize([s for s in self.samples if wanted is None or s.target in wanted], self.seconds)

    def failures(self) -> list[Sample]:
        return [sample for sample in self.samples if not sample.ok]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(samples: Sequence[Sample], seconds: float) -> Summary:
    latencies = [sample.ms for sample in samples]
    return Summary(
        requests=len(samples),
        per_second=len(samples) / seconds if seconds > 0 else 0.0,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        max=max(latencies, default=0.0),
        errors=sum(1 for sample in samples if sample.status == 0),
        non_2xx=sum(1 for sample in samples if sample.status and not sample.ok),
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


# --- next pages -----------------------------------------------------------------------


def next_url(target: str, current: str, body: bytes) -> str | None:
    """The next page's address as the page gives it: the API's JSON `next`, the
    partial's rel="next" link (whatever its query: page number or cursor)."""
    if target == API:
        link = json.loads(body).get("next")
        if not link:
            return None
        parts = urlsplit(link)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    tag = _NEXT_LINK.search(body)
    href = _HREF.search(tag.group(0)) if tag else None
    if href is None:
        return None
    return urljoin(current, html.unescape(href.group(1).decode()))


# --- one connection -------------------------------------------------------------------


class Connection:
    """One client connection (reopened whenever the server closes it: gunicorn's
    keepalive = 0 closes after every response, as deployed)."""

    def __init__(self, host: str, port: int, credentials: Credentials):
        self.http = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
        self.credentials = credentials

    def fetch(self, visit: Visit, page: int, url: str) -> tuple[Sample, bytes]:
        """One page of `visit`: its sample and body (empty without an answer)."""
        kind = visit.kind if page == 1 else NEXT_PAGE
        started = time.perf_counter()
        try:
            self.http.request("GET", url, headers=self.credentials.headers(visit.target))
            response = self.http.getresponse()
            body = response.read()
            status, error = response.status, ""
        except (OSError, http.client.HTTPException) as exc:
            self.http.close()
            body, status, error = b"", 0, f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        return Sample(visit.target, kind, page, status, ms, url, error, searched=bool(visit.search)), body

    def close(self) -> None:
        self.http.close()


class _Budget:
    """Requests left and the deadline, shared by the threads of a run."""

    def __init__(self, requests: int, seconds: float):
        self.left = requests
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.stopped_by = ""

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                self.stopped_by = self.stopped_by or "requests"
                return False
            if time.monotonic() >= self.deadline:
                self.stopped_by = self.stopped_by or "time"
                return False
            self.left -= 1
            return True


def run_phase(
    *,
    name: str,
    host: str,
    port: int,
    visits: Sequence[Visit],
    connections: int,
    requests: int,
    seconds: float,
    credentials: Credentials,
) -> PhaseResult:
    """Replay `visits` (again from the start when they run out) at `connections`
    concurrent connections until `requests` requests are made or `seconds` have
    passed (in-flight requests finish)."""
    if not visits:
        raise ValueError("No visits to replay.")
    budget = _Budget(requests, seconds)
    lock = threading.Lock()
    source = itertools.cycle(visits)
    result = PhaseResult(name=name, connections=connections, seconds=0.0)

    def next_visit() -> Visit:
        with lock:
            return next(source)

    def worker() -> None:
        connection = Connection(host, port, credentials)
        try:
            while _replay(next_visit(), connection, budget, result.samples.append):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, name=f"bench-{i}", daemon=True) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.stopped_by = budget.stopped_by
    return result


def _replay(visit: Visit, connection: Connection, budget: _Budget, record: Callable[[Sample], None]) -> bool:
    """One visit, page after page; False once the budget is spent."""
    url = visit.url
    for page in range(1, visit.pages + 1):
        if not budget.take():
            return False
        sample, body = connection.fetch(visit, page, url)
        record(sample)
        if page == visit.pages or sample.status != 200:
            return True
        following = next_url(visit.target, url, body)
        if following is None:
            return True
        url = following
    return True


# --- signing in -----------------------------------------------------------------------


def sign_in(*, host: str, port: int, username: str, password: str) -> str:
    """Sign in through the login page as a browser does; the session's Cookie header."""
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", LOGIN_PATH)
        response = connection.getresponse()
        page = response.read().decode()
        cookies = _cookies(response)
        token = _CSRF_INPUT.search(page)
        if response.status != 200 or token is None or "csrftoken" not in cookies:
            raise RuntimeError(f"The login page answered {response.status} without a CSRF token.")
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)})
        connection.request(
            "POST",
            LOGIN_PATH,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
            },
        )
        response = connection.getresponse()
        response.read()
        cookies |= _cookies(response)
    finally:
        connection.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"Signing in failed: {response.status} and no session cookie.")
    return "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}
