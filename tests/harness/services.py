"""Throwaway PostgreSQL and Redis servers that a test run owns.

The pattern of pytest-postgresql and testing.postgresql: a private data
directory under the build folder, a free port on the loopback address, no
persistence, and a process that is ours to stop. `make test` starts one of
each for the whole run (tests/harness/__main__.py); the fault tests start their
own to kill or restart (tests/reliability). Nothing here ever touches a
PostgreSQL or Redis that it did not start.

PostgreSQL refuses to run as root, so as root the cluster runs as the
`postgres` system user (created by Debian's postgresql package). Every server
is started through `setpriv --pdeathsig`, so it stops with the process that
started it even when that process is killed outright.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".build" / "services"
POSTGRES_USER = "postgres"  # the cluster's superuser, and the system user it runs as under root
STARTUP_TIMEOUT = 60.0
OWNER = "owner.pid"  # the pid of the process that started the server, in its data folder


class ServiceError(RuntimeError):
    """A throwaway server could not be started; the message says why and how to fix it."""


def _remove_orphans() -> None:
    """Data folders of earlier runs whose owner died (killed outright, so nothing cleaned up).
    Their servers stopped with it (pdeathsig); only the files are left."""
    for folder in BUILD.glob("*-*"):
        try:
            owner = int((folder / OWNER).read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice; a server started right after takes it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> Path | None:
    """Where initdb and postgres live: Debian keeps them off PATH, one folder per major version."""
    versions = sorted(
        (path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def database_url(settings_dict: dict) -> str:
    """A postgres:// URL for a Django DATABASES entry (credentials quoted), for subprocesses."""
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database (or Redis db number)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    """setpriv arguments that drop root for PostgreSQL, and the user they drop to."""
    if os.geteuid() != 0:
        return [], None
    try:
        account = pwd.getpwnam(POSTGRES_USER)
    except KeyError as exc:
        raise ServiceError(
            f"running as root, PostgreSQL needs the '{POSTGRES_USER}' system user to run as "
            "(apt-get install postgresql creates it)"
        ) from exc
    return [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups"], account


def _writable_by(account: pwd.struct_passwd, path: Path) -> bool:
    """Can that user reach and write `path`? (A checkout under /root is not reachable by others.)"""
    result = subprocess.run(
        ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups", "test", "-w", str(path)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def _wait(check, *, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"{what} exited at start-up (code {process.returncode}): {_tail(log)}")
        if check():
            return
        time.sleep(0.1)
    raise ServiceError(f"{what} did not accept connections within {STARTUP_TIMEOUT:.0f} s: {_tail(log)}")


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


class _Server:
    """A server process started by us, in its own session (Ctrl-C reaches us, and we stop it)."""

    name = "server"
    stop_signal = signal.SIGTERM

    def __init__(self, *, base: Path | None = None):
        BUILD.mkdir(parents=True, exist_ok=True)
        _remove_orphans()
        self.base = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=base or BUILD))
        (self.base / OWNER).write_text(str(os.getpid()))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = self.base / f"{self.name}.log"
        self._cleanup_dirs = [self.base]

    def _spawn(self, command: list[str], *, drop: list[str] | None = None) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["setpriv", "--pdeathsig", self.stop_signal.name.removeprefix("SIG"), *(drop or []), "--", *command],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, *, remove: bool = True) -> None:
        """Stop the process (fast shutdown, then a kill after 30 s) and remove its data."""
        if self.running():
            assert self.process is not None
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if remove:
            for path in self._cleanup_dirs:
                shutil.rmtree(path, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self):  # pragma: no cover - overridden
        raise NotImplementedError


class PostgresCluster(_Server):
    """A private PostgreSQL cluster: initdb into the build folder, trust on 127.0.0.1:<port> and its
    own socket only, fsync off (the data is thrown away)."""

    name = "postgres"
    stop_signal = signal.SIGINT  # PostgreSQL's fast shutdown

    def __init__(self, *, base: Path | None = None, database: str = "kpo", shared_buffers: str | None = None):
        super().__init__(base=base)
        self.database = database
        self.data = self.base / "data"
        self.shared_buffers = shared_buffers  # None: PostgreSQL's default (128 MB)

    @property
    def url(self) -> str:
        return f"postgres://{POSTGRES_USER}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> PostgresCluster:
        bindir = postgres_bindir()
        if bindir is None:
            raise ServiceError("PostgreSQL's server programs are not installed (apt-get install postgresql)")
        drop, account = _run_as()
        if account is not None:
            os.chown(self.base, account.pw_uid, account.pw_gid)
            if not _writable_by(account, self.base):
                # The checkout is out of the postgres user's reach (under /root, say): use /tmp.
                shutil.rmtree(self.base, ignore_errors=True)
                self.base = Path(tempfile.mkdtemp(prefix="kpo-postgres-"))
                self.data, self.log, self._cleanup_dirs = self.base / "data", self.base / "postgres.log", [self.base]
                os.chown(self.base, account.pw_uid, account.pw_gid)
        initdb = subprocess.run(
            [
                "setpriv",
                *drop,
                "--",
                str(bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                POSTGRES_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                # initdb adds the pg_catalog. prefix itself: given it, parallel workers fail
                # on "pg_catalog.pg_catalog.english" (a large seed's parallel aggregate did).
                "--text-search-config=english",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if initdb.returncode != 0:
            raise ServiceError(f"initdb failed: {(initdb.stderr or initdb.stdout).strip()[-800:]}")
        self._spawn(
            [
                str(bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.base),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
                *(["-c", f"shared_buffers={self.shared_buffers}"] if self.shared_buffers else []),
            ],
            drop=drop,
        )
        _wait(self._accepts, process=self.process, log=self.log, what="PostgreSQL")
        self._create_database()
        return self

    def _connect(self, dbname: str = "postgres"):
        import psycopg2

        return psycopg2.connect(dbname=dbname, user=POSTGRES_USER, host="127.0.0.1", port=self.port, connect_timeout=2)

    def _accepts(self) -> bool:
        import psycopg2

        try:
            self._connect().close()
        except psycopg2.OperationalError:
            return False
        return True

    def _create_database(self) -> None:
        connection = self._connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            connection.close()


class RedisServer(_Server):
    """A private Redis: 127.0.0.1:<port>, no snapshots, no append-only file."""

    name = "redis"

    def __init__(self, *, base: Path | None = None, extra_args: list[str] | None = None):
        super().__init__(base=base)
        self.extra_args = extra_args or []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("redis-server is not installed (apt-get install redis-server)")
        self._spawn(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.base),
                "--daemonize",
                "no",
                "--logfile",
                "",
                *self.extra_args,
            ]
        )
        _wait(self._accepts, process=self.process, log=self.log, what="Redis")
        return self

    def _accepts(self) -> bool:
        import redis

        try:
            redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1).ping()
        except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError):
            return True  # it answers (asking for a password, say): it is up
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            return False
        return True

    def restart(self) -> None:
        """Stop and start again on the same port: the outage a fault test wants (the data is gone)."""
        self.stop(remove=False)
        self.start()
