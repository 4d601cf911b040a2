"""Run a command with the services the tests need: `python -m tests.harness [--no-browser] -- COMMAND...`

- Unless DATABASE_URL is set, starts a throwaway PostgreSQL cluster; unless
  CELERY_BROKER_URL (or REDIS_URL) is set, a throwaway Redis. Both live under
  .build/services/ on free ports and are stopped at the end, on failure, on
  Ctrl-C and on SIGTERM alike (and by the kernel if this process is killed).
- Every key the run writes to Redis starts with a prefix of its own
  (REDIS_KEY_PREFIX), and the test database has a name of its own, so on a
  server given by the caller the run touches only what it created; it deletes
  its keys at the end and never flushes a database.
- Checks every tool and service first (tests/harness/preflight.py) and stops
  with one line per problem before any test runs.

`make test` runs the whole suite through it; `make pytest ARGS=...` runs pytest alone.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time

from tests.harness import preflight
from tests.harness.services import PostgresCluster, RedisServer, ServiceError

PREFLIGHT_FAILED = 3
PR_SET_PDEATHSIG = 1


class Stopped(Exception):
    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise Stopped(signum)


def _die_with_parent() -> None:
    """In the command's process: SIGTERM when the harness dies, even by SIGKILL (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _delete_prefixed_keys(url: str, prefix: str) -> int:
    """Delete the keys this run wrote (its prefix) on a Redis it did not start."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    deleted = 0
    for key in client.scan_iter(match=prefix.replace("*", r"\*") + "*", count=1000):
        deleted += client.delete(key)
    return deleted


def _quarter_of_memory() -> str:
    """A quarter of the machine's memory, from 128 MB to 8 GB, as PostgreSQL's shared_buffers."""
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    megabytes = pages * page_size // 4 // 2**20
    return f"{max(128, min(megabytes, 8192))}MB"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness", description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium check (no browser tests)")
    parser.add_argument(
        "--database-memory",
        action="store_true",
        help="give the PostgreSQL it starts a quarter of this machine's memory for its buffers (at most 8 GB),"
        " as a deployment does, instead of PostgreSQL's default 128 MB: for the benchmarks",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("name the command to run after --")

    # SIGTERM (a CI time-out, `kill`) unwinds like Ctrl-C, through the finally blocks below.
    signal.signal(signal.SIGTERM, _raise_stopped)
    env = dict(os.environ)
    # Always this run's own (a prefix inherited from the shell could name someone else's keys).
    env["KPO_TEST_RUN_ID"] = secrets.token_hex(4)
    env["REDIS_KEY_PREFIX"] = f"kpo-test-{env['KPO_TEST_RUN_ID']}:"
    if not env.get("CELERY_BROKER_URL") and env.get("REDIS_URL"):
        env["CELERY_BROKER_URL"] = env["REDIS_URL"]
    started: list[PostgresCluster | RedisServer] = []
    own_redis = not env.get("CELERY_BROKER_URL")
    child: subprocess.Popen | None = None
    began = time.monotonic()
    try:
        problems = preflight.check_tools()
        try:
            # Listed before they start, so one that fails half-way is stopped and removed too.
            if not env.get("DATABASE_URL"):
                started.append(PostgresCluster(shared_buffers=_quarter_of_memory() if args.database_memory else None))
                env["DATABASE_URL"] = started[-1].start().url
            if own_redis:
                started.append(RedisServer())
                env["CELERY_BROKER_URL"] = started[-1].start().url
        except ServiceError as exc:
            problems.append(str(exc))
        if env.get("DATABASE_URL") and env.get("CELERY_BROKER_URL"):
            problems += preflight.check_postgresql(env["DATABASE_URL"])
            problems += preflight.check_redis(env["CELERY_BROKER_URL"])
        if not args.no_browser:
            problems += preflight.check_chromium()
        if problems:
            print("Preflight found problems; no test ran:", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return PREFLIGHT_FAILED
        print(
            f"== services ({time.monotonic() - began:.1f} s): PostgreSQL {_describe(env['DATABASE_URL'], started)}, "
            f"Redis {_describe(env['CELERY_BROKER_URL'], started)}, key prefix {env['REDIS_KEY_PREFIX']}",
            flush=True,
        )
        child = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)
        return child.wait()
    except (KeyboardInterrupt, Stopped) as exc:
        if child is not None and child.poll() is None:
            child.send_signal(exc.signum if isinstance(exc, Stopped) else signal.SIGINT)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        print(f"\n== interrupted ({exc.__class__.__name__}); stopping the test services", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for server in reversed(started):
            server.stop()
        if not own_redis and env.get("CELERY_BROKER_URL"):
            try:
                _delete_prefixed_keys(env["CELERY_BROKER_URL"], env["REDIS_KEY_PREFIX"])
            except Exception as exc:  # noqa: BLE001 - cleanup of a server we do not own must not mask the result
                print(f"== could not delete this run's Redis keys: {exc}", file=sys.stderr)


def _describe(url: str, started: list) -> str:
    owned = any(server.url == url for server in started)
    return f"{preflight.where(url)} ({'started for this run' if owned else 'given'})"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
