"""The throwaway servers and the runner `make test` relies on: private, stopped on every exit path,
and never touching a server they did not start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
import redis

from tests.harness.services import BUILD, ROOT, PostgresCluster, RedisServer

SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "KPO_TEST_RUN_ID")
# The child of the runner reports what it was given, then does what the test asks.
CHILD = """
import json, os, sys, time
import redis
names = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "KPO_TEST_RUN_ID")
report = {name: os.environ.get(name) for name in names}
open(sys.argv[1], "w").write(json.dumps(report))
action = sys.argv[2]
if action == "write-key":
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).set(os.environ["REDIS_KEY_PREFIX"] + "mine", "1")
elif action == "wait":
    time.sleep(120)
sys.exit(int(sys.argv[3]))
"""


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def runner(tmp_path: Path, action: str, exit_code: int = 0, **env: str) -> tuple[subprocess.Popen, Path]:
    report = tmp_path / "report.json"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    environment = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    environment.update(env)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.harness",
            "--no-browser",
            "--",
            sys.executable,
            str(script),
            str(report),
            action,
            str(exit_code),
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, report


def wait_for(path: Path, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return json.loads(path.read_text())
        time.sleep(0.1)
    raise AssertionError(f"{path} was not written within {timeout} s")


def test_a_throwaway_cluster_serves_on_a_private_port_and_leaves_nothing_behind():
    cluster = PostgresCluster().start()
    try:
        assert cluster.port != 5432
        connection = psycopg2.connect(cluster.url.replace("postgres://", "postgresql://"))
        with connection, connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            (data_directory,) = cursor.fetchone()
            cursor.execute("SHOW fsync")
            assert cursor.fetchone() == ("off",)
        connection.close()
        assert Path(data_directory) == cluster.data
    finally:
        cluster.stop()
    assert not cluster.running()
    assert not accepts(cluster.port)
    assert not cluster.base.exists()


def test_a_throwaway_redis_keeps_nothing_and_restarts_on_its_port():
    server = RedisServer().start()
    try:
        assert server.port != 6379
        assert BUILD in server.base.parents
        client = redis.Redis.from_url(server.url)
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        client.set("before", "1")
        first_pid = server.pid
        server.restart()
        assert server.pid != first_pid
        assert redis.Redis.from_url(server.url).get("before") is None
    finally:
        server.stop()
    assert not accepts(server.port)


def test_the_runner_starts_its_own_services_and_stops_them_when_the_command_fails(tmp_path):
    process, report = runner(tmp_path, "exit", exit_code=7)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 7, output
    given = json.loads(report.read_text())
    database_port, redis_port = port_of(given["DATABASE_URL"]), port_of(given["CELERY_BROKER_URL"])
    assert {database_port, redis_port}.isdisjoint({5432, 6379})
    assert given["REDIS_KEY_PREFIX"] == f"kpo-test-{given['KPO_TEST_RUN_ID']}:"
    assert not accepts(database_port) and not accepts(redis_port)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_runner_stops_its_services_when_it_is_stopped(tmp_path, stop):
    process, report = runner(tmp_path, "wait")
    given = wait_for(report)
    database_port, redis_port = port_of(given["DATABASE_URL"]), port_of(given["CELERY_BROKER_URL"])
    assert accepts(database_port) and accepts(redis_port)
    process.send_signal(stop)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert not accepts(database_port) and not accepts(redis_port)


def test_the_servers_stop_with_a_runner_that_is_killed_outright(tmp_path):
    process, report = runner(tmp_path, "wait")
    given = wait_for(report)
    database_port, redis_port = port_of(given["DATABASE_URL"]), port_of(given["CELERY_BROKER_URL"])
    process.kill()
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while (accepts(database_port) or accepts(redis_port)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not accepts(database_port) and not accepts(redis_port)


def test_on_servers_it_is_given_the_runner_touches_only_what_it_created(tmp_path):
    """Someone else's Redis keeps its keys; someone else's PostgreSQL keeps its databases."""
    theirs_redis = RedisServer().start()
    theirs_postgres = PostgresCluster(database="theirs").start()
    try:
        their_keys = redis.Redis.from_url(theirs_redis.url)
        their_keys.set("their-key", "kept")
        their_keys.rpush("default", "their-queued-message")

        process, report = runner(tmp_path, "write-key", DATABASE_URL=theirs_postgres.url, REDIS_URL=theirs_redis.url)
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        given = json.loads(report.read_text())
        assert given["DATABASE_URL"] == theirs_postgres.url
        assert given["CELERY_BROKER_URL"] == theirs_redis.url
        assert "given" in output

        assert sorted(key.decode() for key in their_keys.keys("*")) == ["default", "their-key"]
        assert their_keys.lrange("default", 0, -1) == [b"their-queued-message"]
        connection = psycopg2.connect(theirs_postgres.url.replace("postgres://", "postgresql://"))
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1")
            assert [name for (name,) in cursor.fetchall()] == ["postgres", "theirs"]
        connection.close()
    finally:
        theirs_redis.stop()
        theirs_postgres.stop()
