"""Benchmark the vendor directory's search as buyers use it (issue 13): a seeded
mix of searches, filters, orderings and next pages through the API
(GET /api/v1/vendors/) and the HTML directory's HTMX partial (GET /vendors/),
under gunicorn as deployed, against one-query references.

    make bench-directory                      # 100,000 vendors, throwaway PostgreSQL and Redis
    make bench-directory BENCH_VENDORS=20000  # smaller

Per connection count (default 1 and 16): a fresh gunicorn from gunicorn.conf.py
(its caches empty), the mix once right after it starts (cold) and once more
(warm), then the one-query reference view (vendors/api/bench_reference.py) at
the same concurrency. Then the SQL references through psycopg2 and the SQL
queries per request kind, counted in-process. Prints per run requests, req/s,
p50/p95/p99 and failures per surface and overall, latency per request kind,
ratios to the references, and the issue's targets with a verdict; writes the
same to artifacts/bench/directory.json.

Runs on a throwaway PostgreSQL and Redis (`make bench-directory` starts them
through tests/harness: fsync off, default memory settings) and refuses the
machine's shared servers on their default ports. The server differs from
docker-compose's `web` only where one machine on plain HTTP needs it: no TLS
redirect or secure cookies, static files not collected (STATICFILES_MANIFEST
off), the reference view mounted, and API throttles lifted (a per-user policy,
not a speed, as `make bench-api` does). The same manager signs in through the
login page for the HTML and holds an API token for the API.
"""

from __future__ import annotations

import ctypes
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from knox.models import get_token_model

from engagements.bench import mix as bench_mix
from engagements.bench import report
from engagements.bench.accounts import bench_manager
from engagements.bench.load import Credentials, PhaseResult, percentile, run_phase, sign_in
from engagements.bench.queries import QueryCounts, count_queries, sample_visits
from engagements.bench.references import SqlReference, sql_references
from engagements.bench.server import wait_ready
from engagements.models import Membership
from kpo.api.tokens import api_token_create
from vendors.models import Vendor
from vendors.selectors import Viewer

HOST = "127.0.0.1"
BENCH_USER = "bench-directory"
SHARED_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379, "rediss": 6379}
SERVER_START_SECONDS = 60
PR_SET_PDEATHSIG = 1
UNLIMITED = 10**9


class Command(BaseCommand):
    help = "Benchmark directory search (API and HTML, cold and warm, 1 and 16 connections) against references."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=13, help="seed of the request mix (default 13)")
        parser.add_argument("--requests", type=int, default=600, help="requests per run at most (default 600)")
        parser.add_argument("--duration", type=float, default=90, help="seconds per run at most (default 90)")
        parser.add_argument("--connections", default="1,16", help="connection counts, comma-separated (1,16)")
        parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (gunicorn.conf.py: CPUs+1)")
        parser.add_argument("--reference-seconds", type=float, default=10, help="reference view run (default 10)")
        parser.add_argument("--sql-seconds", type=float, default=5, help="each SQL reference loop (default 5)")
        parser.add_argument("--query-samples", type=int, default=2, help="visits per kind counted (default 2)")
        parser.add_argument("--query-seconds", type=float, default=90, help="query counting at most (default 90)")
        parser.add_argument("--seed-seconds", type=float, default=None, help="seeding time, to report it")
        parser.add_argument("--json", default="artifacts/bench/directory.json", help="JSON record ('' for none)")
        parser.add_argument(
            "--allow-shared-servers",
            action="store_true",
            help="run even when DATABASE_URL or CELERY_BROKER_URL use the default ports 5432 / 6379",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_servers(allow_shared=options["allow_shared_servers"])
        connection_counts = [int(part) for part in str(options["connections"]).split(",") if part.strip()]
        vendors = Vendor.objects.count()
        active = Vendor.objects.filter(is_active=True).count()
        if active < bench_mix.API_PAGE_SIZE:
            raise CommandError(f"Only {active} active vendors: seed first (manage.py seed_demo --vendors N).")
        user, password, token = self._manager()
        surfaces = [bench_mix.api_surface(), bench_mix.html_surface()]
        visits = bench_mix.build_mix(
            vocabulary=bench_mix.vocabulary_from_database(),
            surfaces=surfaces,
            seed=options["seed"],
            requests=options["requests"],
        )
        self._say(
            f"{vendors:,} vendors ({active:,} active) · mix seed {options['seed']}: {len(visits)} visits, "
            f"{sum(v.pages for v in visits)} pages planned, {len({(v.target, v.kind) for v in visits})} kinds · "
            f"runs of at most {options['requests']} requests or {options['duration']:g} s · {os.cpu_count()} CPUs"
        )

        phases: list[PhaseResult] = []
        for connections in connection_counts:
            phases += self._runs_on_fresh_server(
                visits=visits,
                connections=connections,
                username=user.username,
                password=password,
                token=token,
                options=options,
            )
        self._say("SQL references (psycopg2, 1 connection)...")
        references = sql_references(
            searches=bench_mix.search_terms(visits), viewer=_viewer(user), seconds=options["sql_seconds"]
        )
        self._say("SQL queries per request (in-process)...")
        logging.getLogger("axes").setLevel(logging.WARNING)  # its line per sign-in says nothing here
        queries = count_queries(
            visits=sample_visits(visits, per_kind=options["query_samples"]),
            user=user,
            credentials=Credentials(token=token),
            seconds=options["query_seconds"],
        )
        self._report(
            phases=phases, references=references, queries=queries, vendors=vendors, active=active, options=options
        )

    # --- set-up -------------------------------------------------------------------------

    def _check_servers(self, *, allow_shared: bool) -> None:
        """PostgreSQL, and never the machine's shared servers unless asked."""
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: run `make bench-directory` (it starts one).")
        if allow_shared:
            return
        for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
            if _on_default_port(os.environ.get(name, "")):
                raise CommandError(
                    f"{name} names a server on its default port, probably the machine's shared one: "
                    "run `make bench-directory` (throwaway servers) or pass --allow-shared-servers."
                )

    def _manager(self) -> tuple[Any, str, str]:
        """A client organization's procurement manager with a fresh password and API token."""
        user = bench_manager(BENCH_USER)
        password = secrets.token_urlsafe(24)
        user.set_password(password)
        user.save()
        get_token_model().objects.filter(user=user).delete()
        return user, password, api_token_create(user=user, name="bench-directory").key

    # --- the runs -----------------------------------------------------------------------

    def _runs_on_fresh_server(
        self,
        *,
        visits: list[bench_mix.Visit],
        connections: int,
        username: str,
        password: str,
        token: str,
        options: dict[str, Any],
    ) -> list[PhaseResult]:
        """Cold mix, warm mix, then the reference view, on a server started for them."""
        results = []
        with self._server(workers=options["workers"]) as port:
            credentials = Credentials(
                token=token, cookie=sign_in(host=HOST, port=port, username=username, password=password)
            )
            for name in ("cold", "warm"):
                results.append(
                    run_phase(
                        name=name,
                        host=HOST,
                        port=port,
                        visits=visits,
                        connections=connections,
                        requests=options["requests"],
                        seconds=options["duration"],
                        credentials=credentials,
                    )
                )
                self._progress(results[-1])
            reference = bench_mix.Visit(
                target=bench_mix.REFERENCE,
                kind="reference view",
                path="/api/bench/vendors-reference/",
                query=(("page_size", str(bench_mix.API_PAGE_SIZE)),),
            )
            results.append(
                run_phase(
                    name="reference view",
                    host=HOST,
                    port=port,
                    visits=[reference],
                    connections=connections,
                    requests=UNLIMITED,
                    seconds=options["reference_seconds"],
                    credentials=credentials,
                )
            )
            self._progress(results[-1])
        return results

    def _progress(self, phase: PhaseResult) -> None:
        summary = phase.summary()
        self._say(
            f"  {phase.name}, {phase.connections} conn: {summary.requests} requests in {phase.seconds:.1f} s, "
            f"{summary.per_second:.1f} req/s, p50 {summary.p50:.1f} ms, p95 {summary.p95:.1f} ms, "
            f"errors {summary.errors}, non-2xx {summary.non_2xx}"
        )

    @contextmanager
    def _server(self, *, workers: int | None) -> Iterator[int]:
        """gunicorn from gunicorn.conf.py on a free local port, stopped on the way out."""
        port = _free_port()
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STATICFILES_MANIFEST": "false",
            "BENCH_REFERENCE_VIEW": "true",
            "API_THROTTLE_USER": "100000000/min",
            "API_THROTTLE_ANON": "100000000/min",
            "GUNICORN_BIND": f"{HOST}:{port}",
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_ACCESS_LOG": "",
            # Static files are not collected (STATICFILES_MANIFEST=false): whitenoise says so once per worker.
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        }
        if workers is not None:
            env["WEB_CONCURRENCY"] = str(workers)
        command = [sys.executable, "-m", "gunicorn", "--config", str(settings.BASE_DIR / "gunicorn.conf.py")]
        server = subprocess.Popen(  # noqa: S603 (our own argv)
            command, env=env, cwd=settings.BASE_DIR, preexec_fn=_die_with_parent
        )
        try:
            wait_ready(f"http://{HOST}:{port}", server, seconds=SERVER_START_SECONDS)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()

    # --- the report ---------------------------------------------------------------------

    def _report(
        self,
        *,
        phases: list[PhaseResult],
        references: list[SqlReference],
        queries: QueryCounts,
        vendors: int,
        active: int,
        options: dict[str, Any],
    ) -> None:
        mixes = [phase for phase in phases if not phase.name.startswith("reference")]
        warm = {phase.connections: phase for phase in mixes if phase.name == "warm"}
        views = {phase.connections: phase for phase in phases if phase.name.startswith("reference")}
        fewest = min((phase.connections for phase in mixes), default=1)
        verdicts = report.verdicts(phases=mixes, vendors=vendors)
        failures = report.failure_rows(phases, queries)
        command = " ".join(["manage.py", *sys.argv[2:]]) if len(sys.argv) > 1 else "manage.py bench_directory"
        seeded = f", seeded in {options['seed_seconds']:.1f} s" if options["seed_seconds"] is not None else ""
        sections = [
            "",
            f"== Directory benchmark: {vendors:,} vendors ({active:,} active){seeded} · {_revision()}",
            f"   command: {os.environ.get('BENCH_DIRECTORY_COMMAND') or command}",
            "",
            "Runs (latency per request; req/s of a surface is its share of the run):",
            *report.run_rows(phases),
            "",
            f"Request kinds at {fewest} connection{'s' if fewest > 1 else ''} (cold and warm: service time, no"
            " queueing), slowest first; SQL queries per request counted in-process on"
            f" {queries.requests} requests{', cut by time' if queries.stopped_by_time else ''}:",
            *report.kind_rows([phase for phase in mixes if phase.connections == fewest], queries),
            "",
            "Costliest SQL statements of the in-process sample:",
            *report.statement_rows(queries),
            "",
            "One-query references:",
            *report.reference_rows(references),
            *report.ratio_rows(warm=warm, views=views, references=references),
            "",
            "Targets (issue 13):",
            *(verdict.line() for verdict in verdicts),
        ]
        if failures:
            sections += ["", "!! FAILED REQUESTS (errors and non-2xx make the figures incomparable):", *failures]
        self._say("\n".join(sections))
        if options["json"]:
            path = Path(options["json"])
            report.write_json(
                path,
                {
                    "command": os.environ.get("BENCH_DIRECTORY_COMMAND") or command,
                    "revision": _revision(),
                    "vendors": vendors,
                    "active_vendors": active,
                    "seed_seconds": options["seed_seconds"],
                    "cpus": os.cpu_count(),
                    "options": {
                        key: options[key] for key in ("seed", "requests", "duration", "connections", "workers")
                    },
                    "runs": [report.phase_record(phase) for phase in phases],
                    "sql_references": [
                        {
                            "label": r.label,
                            "sql": r.sql,
                            "plan": r.plan,
                            "runs": len(r.latencies),
                            "p50": percentile(r.latencies, 0.5),
                            "p95": percentile(r.latencies, 0.95),
                            "p99": percentile(r.latencies, 0.99),
                        }
                        for r in references
                    ],
                    "queries_per_request": {
                        f"{target} {kind}": {
                            "queries": counts,
                            "sql_ms": queries.sql_ms[(target, kind)],
                            "total_ms": queries.total_ms[(target, kind)],
                        }
                        for (target, kind), counts in sorted(queries.counts.items())
                    },
                    "targets": [asdict(verdict) for verdict in verdicts],
                },
            )
            self._say(f"JSON: {path}")
        if failures:
            raise CommandError("Some requests failed (errors or non-2xx): see above.")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _viewer(user: Any) -> Viewer:
    """The directory's viewer for the bench manager (the views build the same)."""
    return Viewer.for_client(Membership.objects.select_related("client").get(user=user).client)


def _on_default_port(url: str) -> bool:
    parts = urlsplit(url)
    default = SHARED_PORTS.get(parts.scheme)
    return default is not None and (parts.port or default) == default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In gunicorn's process: SIGTERM when this command dies, even by SIGKILL (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _revision() -> str:
    """The commit measured, and whether the work tree differs from it."""
    try:
        head = subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "revision unknown"
    return f"commit {head}{' + uncommitted changes' if dirty else ''}"
