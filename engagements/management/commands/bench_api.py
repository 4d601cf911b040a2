"""Load-test GET /api/v1/vendors/ under gunicorn against a reference view that
serves the same page from one hand-written SQL query with json.dumps.

    make bench-api       # throwaway services, seeds BENCH_VENDORS (100,000), starts gunicorn,
                         # runs wrk on both URLs, prints the figures

Prints requests per second for both, their ratio (API / reference) and the
p50/p99 latency of each at the chosen number of connections; then the API
again on a second server with the document cache off
(VENDOR_DOCUMENT_CACHE_ENTRIES=0), so the figures show what a page costs
when every document is built from the database. Targets on two
cores: ratio >= 0.5 and API p99 <= 100 ms at 16 connections.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from knox.models import get_token_model

from engagements.bench.accounts import bench_manager
from engagements.bench.server import wait_ready
from vendors.models import Vendor

API = "API /api/v1/vendors/"
API_UNCACHED = "API, document cache off"
REFERENCE = "reference (1 SQL query + json.dumps)"
BENCH_USER = "bench-manager"
LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if not match:
        raise CommandError(f"wrk printed no {percentile}% latency:\n{text}")
    return float(match.group(1)) * LATENCY_UNITS[match.group(2)]


def parse_wrk(text: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        raise CommandError(f"wrk printed no throughput:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50_ms=_latency(text, "50"),
        p99_ms=_latency(text, "99"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors.group(0) if errors else "",
    )


class Command(BaseCommand):
    help = "Benchmark GET /api/v1/vendors/ (gunicorn + wrk) against a one-query reference view."

    def add_arguments(self, parser):
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads")
        parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
        parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL")
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2, help="gunicorn workers")
        parser.add_argument("--page-size", type=int, default=50)

    def handle(self, *args, **options):
        if connection_vendor() != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (set DATABASE_URL; `make bench-api` does).")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: apt-get install wrk (`make bench-api` does).")
        active = Vendor.objects.filter(is_active=True).count()
        if active < options["page_size"]:
            raise CommandError("Too few vendors: run `make bench-api`, which seeds BENCH_VENDORS first.")
        token = self._token()
        query = f"?page_size={options['page_size']}"
        api_path, reference_path = f"/api/v1/vendors/{query}", f"/api/bench/vendors-reference/{query}"
        results: dict[str, WrkResult] = {}
        # 1. The API as deployed (document cache on), then the reference, on one server.
        with self._server(options, cache_entries=None) as base:
            self._check_same_page([base + api_path, base + reference_path], token)
            results[API] = self._measure(base + api_path, token, options)
            results[REFERENCE] = self._measure(base + reference_path, token, options)
        # 2. The API with the document cache off: every page built from the database.
        with self._server(options, cache_entries=0) as base:
            results[API_UNCACHED] = self._measure(base + api_path, token, options)

        self.stdout.write(
            f"{active:,} active vendors · page_size {options['page_size']} · gunicorn {options['workers']} gthread "
            f"workers · wrk {options['threads']} threads, {options['connections']} connections, "
            f"{options['duration']} s per URL · {os.cpu_count()} CPUs"
        )
        for label, result in results.items():
            self.stdout.write(
                f"  {label:<44} {result.requests_per_second:8.1f} req/s   p50 {result.p50_ms:7.1f} ms   "
                f"p99 {result.p99_ms:7.1f} ms   non-2xx {result.non_2xx} {result.errors}"
            )
        reference = results[REFERENCE].requests_per_second
        api, uncached = results[API], results[API_UNCACHED]
        self.stdout.write(
            f"  ratio API / reference: {api.requests_per_second / reference:.2f} (target >= 0.5); "
            f"API p99 {api.p99_ms:.1f} ms (target <= 100)"
        )
        self.stdout.write(
            f"  with the document cache off: ratio {uncached.requests_per_second / reference:.2f}, "
            f"p99 {uncached.p99_ms:.1f} ms"
        )
        if any(result.non_2xx for result in results.values()):
            raise CommandError("Some responses were not 2xx: the figures are not comparable.")

    @contextmanager
    def _server(self, options: dict, *, cache_entries: int | None):
        port = _free_port()
        server = self._start_gunicorn(port=port, workers=options["workers"], cache_entries=cache_entries)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    def _measure(self, url: str, token: str, options: dict) -> WrkResult:
        self._wrk(url, token, options, seconds=options["warmup"])
        return self._wrk(url, token, options, seconds=options["duration"])

    def _token(self) -> str:
        user = bench_manager(BENCH_USER)
        user.set_unusable_password()  # the benchmark signs in with its token only
        user.save()
        model = get_token_model()
        model.objects.filter(user=user).delete()
        _instance, token = model.objects.create(user=user, expiry=None)
        return token

    def _start_gunicorn(self, *, port: int, workers: int, cache_entries: int | None) -> subprocess.Popen:
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STATICFILES_MANIFEST": "false",
            "DB_CONN_MAX_AGE": "600",
            "BENCH_REFERENCE_VIEW": "true",
            "API_THROTTLE_USER": "100000000/min",
            "API_THROTTLE_ANON": "100000000/min",
            "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        }
        if cache_entries is not None:
            env["VENDOR_DOCUMENT_CACHE_ENTRIES"] = str(cache_entries)
        # The production configuration (gunicorn.conf.py), on a local port with quiet logs.
        env |= {
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_ACCESS_LOG": "",
        }
        command = [sys.executable, "-m", "gunicorn", "--config", str(settings.BASE_DIR / "gunicorn.conf.py")]
        return subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603 (our own argv)

    def _check_same_page(self, urls: list[str], token: str) -> None:
        import json

        pages = []
        for url in urls:
            request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})  # noqa: S310
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
                pages.append([row["id"] for row in json.load(response)["results"]])
        if pages[0] != pages[1]:
            raise CommandError("The API and the reference serve different vendors: not the same page.")

    def _wrk(self, url: str, token: str, options: dict, *, seconds: int) -> WrkResult:
        wrk = shutil.which("wrk")
        assert wrk is not None  # handle() stops first without wrk
        command = [
            wrk,
            f"-t{options['threads']}",
            f"-c{options['connections']}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: Token {token}",
            url,
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        return parse_wrk(completed.stdout)


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor
