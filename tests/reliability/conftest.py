"""A real Celery worker in its own process (prefork pool), so it can be killed
and can watch its broker restart. These tests run after the rest of the suite
(`make test` runs the `reliability` marker last). A test that stops or restarts a
server starts its own for that (`private_broker`): never the run's, never the machine's."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.harness.services import RedisServer, database_url

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "artifacts" / "logs"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.reliability)


class WorkerProcess:
    def __init__(self, name: str, env: dict[str, str]):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{name}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kpo",
                "worker",
                "-Q",
                "default,matching",
                "-P",
                "prefork",
                "-c",
                "1",
                "--loglevel",
                "INFO",
                "-n",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def children(self) -> list[int]:
        result = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in result.stdout.split()]

    def kill_child(self) -> int:
        [child] = self.children()
        os.kill(child, signal.SIGKILL)
        return child

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited: {self.log_path.read_text()[-3000:]}")
            if "ready." in self.log_path.read_text():
                return
            time.sleep(0.2)
        raise AssertionError(f"worker not ready: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for child in self.children():
            os.kill(child, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def worker_process(transactional_db, django_db_serialized_rollback, request):
    """Start a worker process on the test database; the test's data must be committed."""
    from kpo.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "matching"):
            with contextlib.suppress(Exception):  # the queue may not exist yet
                conn.default_channel.queue_purge(queue)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kpo.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
        # Many small ranges: a run lasts long enough to be killed in the middle.
        "MATCH_STREAM_SIZE": "40",
    }
    started: list[WorkerProcess] = []

    def start(name: str = "reliability", *, broker_url: str | None = None) -> WorkerProcess:
        worker = WorkerProcess(name, {**env, "CELERY_BROKER_URL": broker_url} if broker_url else env)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
    connection.close()


@pytest.fixture
def private_broker():
    """A Redis of this test's own, which it may stop and restart; this process sends through it too.

    (Celery reads CELERY_BROKER_URL from the environment before its configuration, so the
    write URL is the one to point elsewhere; the pools are dropped so the next send reconnects.)"""
    from kpo.celery import app

    server = RedisServer().start()

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_write_url = server.url
    reset_pools()
    try:
        yield server
    finally:
        app.conf.broker_write_url = None
        reset_pools()
        server.stop()
