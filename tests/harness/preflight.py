"""Checks that run before any test: every missing tool or unusable service, one line each, with the fix.

`make test` runs them first (through tests/harness/__main__.py), and pytest runs
the service checks again at session start, so a hand-run `pytest` with a wrong
DATABASE_URL stops at once too. A refused login is reported as a refused login,
not as an unreachable server.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Programs the suite calls, and the Debian package that provides each (scripts/bootstrap.sh installs them).
TOOLS = {
    "curl": "curl",  # the integration guide's examples (tests/kpo/test_integration_guide.py)
    "psql": "postgresql-client",  # scripts/api_fuzz.sh makes its database
    "msgfmt": "gettext",  # checks the Italian catalogue (tests/kpo/test_i18n.py)
    "pgrep": "procps",  # finds a worker's pool process to kill (tests/reliability)
    "setpriv": "util-linux",  # starts the throwaway servers (tests/harness/services.py)
    "redis-server": "redis-server",  # fault tests start their own Redis
}
LOGIN_REFUSED = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    "does not exist",  # role or database
    "no pg_hba.conf entry",
    "permission denied",
)


def where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}".rstrip(":")


def check_tools() -> list[str]:
    problems = [
        f"{tool} is missing: sudo apt-get install -y {package}  (or: make bootstrap)"
        for tool, package in TOOLS.items()
        if shutil.which(tool) is None
    ]
    return problems


def check_postgresql(url: str) -> list[str]:
    """Can we log in, and create the test database? Each failure says which, and what to do."""
    import psycopg2

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        return [
            f"DATABASE_URL must name a PostgreSQL server (postgres://...), not {parts.scheme}://: unset it to let make test start its own"
        ]
    user = unquote(parts.username or "")
    try:
        connection = psycopg2.connect(
            dbname="postgres",
            user=user,
            password=unquote(parts.password or ""),
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            connect_timeout=3,
        )
    except psycopg2.OperationalError as exc:
        message = " ".join(str(exc).split())
        if any(marker in message for marker in LOGIN_REFUSED):
            return [
                f"PostgreSQL at {where(url)} refused the login of user '{user}': {message} "
                "Fix the user or password in DATABASE_URL, or unset DATABASE_URL to let make test start its own."
            ]
        return [
            f"PostgreSQL is not reachable at {where(url)}: {message} "
            "Start it, or unset DATABASE_URL to let make test start its own."
        ]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user")
            (may_create,) = cursor.fetchone()
    finally:
        connection.close()
    if not may_create:
        return [
            f"PostgreSQL user '{user}' at {where(url)} may not create databases (the tests make their own): "
            f'ALTER ROLE "{user}" CREATEDB, or unset DATABASE_URL to let make test start its own.'
        ]
    return []


def check_redis(url: str) -> list[str]:
    import redis

    if urlsplit(url).scheme not in {"redis", "rediss"}:
        return [f"CELERY_BROKER_URL must name a Redis server (redis://...), not {url.split(':')[0]}://"]
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.exceptions.AuthenticationError as exc:
        return [
            f"Redis at {where(url)} refused the login: {exc}. Fix the password in the URL, or unset "
            "CELERY_BROKER_URL and REDIS_URL to let make test start its own."
        ]
    except redis.exceptions.ResponseError as exc:
        if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
            return [f"Redis at {where(url)} refused the login: {exc}. Put the password in the URL."]
        return [f"Redis at {where(url)} answered an error: {exc}"]
    except redis.exceptions.RedisError as exc:
        return [
            f"Redis is not reachable at {where(url)}: {exc}. Start it, or unset CELERY_BROKER_URL and "
            "REDIS_URL to let make test start its own."
        ]
    return []


def check_chromium() -> list[str]:
    """Launch the browser the e2e tests use, once: a missing library shows now, not minutes in."""
    if not CHROMIUM.exists():
        return [f"Chromium is missing at {CHROMIUM}: sudo apt-get install -y chromium  (or set CHROMIUM_PATH)"]
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000).close()
    except Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return [f"Chromium at {CHROMIUM} does not start: {first}"]
    return []


def check_all(*, database_url: str, broker_url: str, browser: bool = True) -> list[str]:
    problems = check_tools()
    problems += check_postgresql(database_url)
    problems += check_redis(broker_url)
    if browser:
        problems += check_chromium()
    return problems
