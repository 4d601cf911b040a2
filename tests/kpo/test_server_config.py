"""The production server configuration (gunicorn.conf.py) keeps the site answering
while slow clients hold connections open: a real gunicorn on a free port, on this
test run's database."""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from knox.models import get_token_model

from tests.factories import ClientMembershipFactory
from tests.harness.services import database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"
SLOW_CLIENTS = 10
DEADLINE = 30  # seconds: "it answered", not a speed target


def load_config(**env: str) -> dict:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(CONFIG))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_workers_are_threaded_and_never_queue_a_request_behind_busy_threads():
    config = load_config()
    assert config["worker_class"] == "gthread"
    assert config["worker_connections"] == config["threads"] >= 4
    assert config["workers"] >= 2
    assert config["timeout"] > 0 and config["graceful_timeout"] > 0
    assert config["limit_request_line"] <= 8190 and config["limit_request_fields"] <= 100
    assert config["wsgi_app"] == "kpo.wsgi:application"


def test_the_environment_sizes_the_server():
    config = load_config(WEB_CONCURRENCY="5", GUNICORN_THREADS="12", GUNICORN_BIND="127.0.0.1:9000")
    assert (config["workers"], config["threads"], config["worker_connections"]) == (5, 12, 12)
    assert config["bind"] == ["127.0.0.1:9000"]
    with pytest.raises(SystemExit, match="GUNICORN_THREADS must be an integer"):
        load_config(GUNICORN_THREADS="many")


def test_every_gunicorn_the_project_starts_uses_the_config():
    starters = {
        "Dockerfile": ROOT / "Dockerfile",
        "compose": ROOT / "docker-compose.yml",
        "API benchmark": ROOT / "engagements/management/commands/bench_api.py",
        "API fuzzing": ROOT / "scripts/api_fuzz.sh",
    }
    for name, path in starters.items():
        text = path.read_text()
        assert "--config" in text and "gunicorn.conf.py" in text, name
    for path in [*starters.values(), ROOT / "Makefile", *(ROOT / "scripts").glob("*")]:
        # The file names the application; a command line naming it bypasses the file.
        assert "kpo.wsgi:application" not in path.read_text(), path


# --------------------------------------------------------------------------- slow clients, real server


def get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
    with urllib.request.urlopen(request, timeout=DEADLINE) as response:  # noqa: S310
        return response.status


@pytest.fixture
def api_token(transactional_db, django_db_serialized_rollback) -> str:
    user = ClientMembershipFactory().user
    _instance, key = get_token_model().objects.create(user=user, expiry=None)
    return key


@pytest.fixture
def server(transactional_db, django_db_serialized_rollback, tmp_path):
    # Serialized rollback, as every transactional test here: a flush without it re-creates the
    # content types under new ids, and the next serialized test would duplicate them.
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kpo.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),  # this test's database
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",  # with the default threads: 16 at once, for 10 slow clients
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    env.pop("GUNICORN_THREADS", None)
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if get(f"{base}/healthz") == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def open_slow_clients(port: int) -> list[socket.socket]:
    """Half the clients stop in the middle of their headers (slowloris); the other half send
    the token endpoint's headers and a tenth of the body they announce."""
    clients = []
    for n in range(SLOW_CLIENTS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        if n % 2:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        else:
            sock.sendall(
                b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + b'{"username": "x"' + b" " * 84
            )
        clients.append(sock)
    return clients


def test_normal_requests_are_answered_while_slow_clients_hold_connections(server, api_token):
    base = f"http://127.0.0.1:{server}"
    slow = open_slow_clients(server)
    try:
        for sock in slow:  # one more byte each, as a trickling client would send
            sock.sendall(b" ")
        time.sleep(1)  # every slow client has reached a thread
        for _ in range(3):
            assert get(f"{base}/healthz") == 200
            assert get(f"{base}/api/v1/auth/tokens/", Authorization=f"Token {api_token}") == 200
        # The slow clients were held open all along, not dropped: one finishes and is answered.
        slowloris = slow[1]
        slowloris.sendall(b"1\r\nConnection: close\r\n\r\n")
        assert slowloris.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        for sock in slow:
            sock.close()
