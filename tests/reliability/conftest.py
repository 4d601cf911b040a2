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
    """A worker, killed in parts (`kill_child`: its pool process) or whole (`kill_whole`: the
    main process and its pool at once, as an OOM kill or a lost node does; only for a worker
    started in a process group of its own)."""

    def __init__(self, name: str, env: dict[str, str], *, own_process_group: bool = False):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.own_process_group = own_process_group
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
            start_new_session=own_process_group,
        )

    def children(self) -> list[int]:
        result = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in result.stdout.split()]

    def kill_child(self) -> int:
        [child] = self.children()
        os.kill(child, signal.SIGKILL)
        return child

    def kill_whole(self) -> list[int]:
        """SIGKILL the main process and its pool together (nothing runs its shutdown); returns the pool's pids."""
        assert self.own_process_group, "start the worker with own_process_group=True"
        pool = self.children()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        return pool

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

    def start(
        name: str = "reliability",
        *,
        broker_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        own_process_group: bool = False,
    ) -> WorkerProcess:
        worker_env = {**env, **(extra_env or {}), **({"CELERY_BROKER_URL": broker_url} if broker_url else {})}
        worker = WorkerProcess(name, worker_env, own_process_group=own_process_group)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
    connection.close()


@pytest.fixture
def beat_process(tmp_path):
    """Start `celery beat` (its schedule file in the test's folder), which sends the periodic
    tasks, the match-run sweeper among them, to whichever worker consumes them."""
    started: list[subprocess.Popen] = []

    def start(name: str = "beat", *, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"{name}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kpo",
                "beat",
                "--schedule",
                str(tmp_path / "celerybeat-schedule"),
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "kpo.settings_test", **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
