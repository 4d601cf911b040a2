"""The checks before any test: one line per problem, saying what is wrong and how to fix it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import preflight
from tests.harness.services import ROOT, PostgresCluster, RedisServer, free_port


@pytest.fixture(scope="module")
def cluster():
    with PostgresCluster() as server:
        yield server


def test_a_closed_port_is_reported_as_unreachable():
    port = free_port()
    [postgres] = preflight.check_postgresql(f"postgres://postgres@127.0.0.1:{port}/kpo")
    [broker] = preflight.check_redis(f"redis://127.0.0.1:{port}/0")
    assert postgres.startswith(f"PostgreSQL is not reachable at 127.0.0.1:{port}")
    assert broker.startswith(f"Redis is not reachable at 127.0.0.1:{port}")


def test_a_refused_postgres_login_is_reported_as_a_refused_login_not_as_unreachable(cluster):
    [problem] = preflight.check_postgresql(f"postgres://nobody_here@127.0.0.1:{cluster.port}/kpo")
    assert problem.startswith(f"PostgreSQL at 127.0.0.1:{cluster.port} refused the login of user 'nobody_here'")
    assert "not reachable" not in problem


def test_a_postgres_user_who_may_not_create_databases_is_told_so(cluster):
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1", port=cluster.port)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE reader LOGIN")
    connection.close()
    [problem] = preflight.check_postgresql(f"postgres://reader@127.0.0.1:{cluster.port}/kpo")
    assert "may not create databases" in problem and 'ALTER ROLE "reader" CREATEDB' in problem
    assert preflight.check_postgresql(cluster.url) == []


@pytest.mark.parametrize("password", ["", "wrong"])
def test_a_refused_redis_login_is_reported_as_a_refused_login(password):
    server = RedisServer(extra_args=["--requirepass", "s3cret"]).start()
    try:
        [problem] = preflight.check_redis(f"redis://:{password}@127.0.0.1:{server.port}/0")
        assert problem.startswith(f"Redis at 127.0.0.1:{server.port} refused the login")
        assert preflight.check_redis(f"redis://:s3cret@127.0.0.1:{server.port}/0") == []
    finally:
        server.stop()


def test_a_url_of_another_kind_is_refused_with_the_fix():
    [postgres] = preflight.check_postgresql("sqlite:///db.sqlite3")
    [broker] = preflight.check_redis("memory://")
    assert "must name a PostgreSQL server" in postgres and "unset it" in postgres
    assert "must name a Redis server" in broker


def test_every_missing_tool_gets_a_line_with_its_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    problems = preflight.check_tools()
    assert len(problems) == len(preflight.TOOLS)
    assert "curl is missing: sudo apt-get install -y curl  (or: make bootstrap)" in problems
    assert "msgfmt is missing: sudo apt-get install -y gettext  (or: make bootstrap)" in problems


def test_a_missing_chromium_is_reported_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(preflight, "CHROMIUM", tmp_path / "chromium")
    [problem] = preflight.check_chromium()
    assert (
        problem
        == f"Chromium is missing at {tmp_path / 'chromium'}: sudo apt-get install -y chromium  (or set CHROMIUM_PATH)"
    )


def test_the_installed_chromium_starts():
    assert preflight.check_chromium() == []


def test_the_runner_reports_every_problem_before_running_anything(tmp_path):
    port = free_port()
    marker = tmp_path / "ran"
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/kpo",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CHROMIUM_PATH": str(tmp_path / "no-chromium"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.harness", "--", "touch", str(marker)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert not marker.exists()
    lines = [line.strip() for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert [line.split(" ")[1] for line in lines] == ["PostgreSQL", "Redis", "Chromium"]


def bootstrap_as_an_ordinary_user(tmp_path: Path, *tools: str) -> subprocess.CompletedProcess:
    """scripts/bootstrap.sh with only `tools` on PATH, as a user who is not root (an `id` that
    says 1000) and has no sudo: whatever it finds missing, it can only say what to run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_dir / "id").chmod(0o755)
    return subprocess.run(
        [str(bin_dir / "bash"), str(ROOT / "scripts" / "bootstrap.sh"), "test"],
        env={"PATH": str(bin_dir), "PYTHON": sys.executable, "CHROMIUM_PATH": str(preflight.CHROMIUM)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bootstrap_installs_nothing_when_nothing_is_missing(tmp_path):
    tools = ["bash", "ls", "apt-get", "psql", "redis-server", "curl", "msgfmt", "pgrep", "setpriv", "npm"]
    result = bootstrap_as_an_ordinary_user(tmp_path, *tools)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_bootstrap_without_root_or_sudo_stops_at_once_with_the_exact_command(tmp_path):
    result = bootstrap_as_an_ordinary_user(tmp_path, "bash", "ls", "apt-get", "psql", "pgrep", "setpriv")
    assert result.returncode == 1
    assert "missing redis-server curl gettext nodejs npm. Run as root, then again:" in result.stderr
    assert (
        "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends "
        "redis-server curl gettext nodejs npm'" in result.stderr
    )
