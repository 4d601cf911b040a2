"""gunicorn's configuration for every server of the app: the Docker image and compose's
`web`, `make bench-api` (manage.py bench_api) and `make api-fuzz` (scripts/api_fuzz.sh).
gunicorn also reads it by itself when started from the project's folder.

The server faces clients directly (docker-compose publishes it, no buffering proxy),
so a slow or idle client must not hold the site:

- `gthread` workers: the main thread of each worker accepts and waits for requests;
  a connection takes a thread only once its request starts arriving, an idle
  kept-alive or silent connection takes none (gunicorn hands it back to the poller),
  and a worker's liveness no longer depends on any one request.
- `worker_connections = threads`: a worker takes no more connections than it has
  threads, so an accepted request never queues behind threads held by slow
  senders; the other workers (or the listen backlog) take it. A worker has no
  room for kept-alive connections then, so responses close the connection
  (`keepalive = 0`): cheap with no proxy in between, and no idle client holds a slot.
- At most WEB_CONCURRENCY × GUNICORN_THREADS slow senders can be served at once
  (a client trickling its headers or body holds a thread, as gunicorn has no read
  deadline): size them for the expected clients, or put a buffering proxy (nginx)
  in front for an open internet endpoint. Each thread may hold one PostgreSQL
  connection (DB_CONN_MAX_AGE): keep workers × threads under max_connections.
- `limit_request_*`: request lines, header counts and sizes are bounded (400/431
  from gunicorn itself above them).

Environment (each optional): GUNICORN_BIND (0.0.0.0:8000), WEB_CONCURRENCY (workers,
default CPUs + 1), GUNICORN_THREADS (8), GUNICORN_TIMEOUT (30 s),
GUNICORN_GRACEFUL_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS (1000, 0 = never
recycle), GUNICORN_LOG_LEVEL (info), GUNICORN_ACCESS_LOG (- for stdout, empty for none).
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {value!r}.") from None


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this container may use, not the host's
    except AttributeError:
        return os.cpu_count() or 1


wsgi_app = "kpo.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", _cpus() + 1)
threads = _int("GUNICORN_THREADS", 8)
worker_connections = threads
keepalive = 0
# gthread workers report alive from their main thread: this bounds a hung worker, not a request.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycle workers now and then (staggered), so a slow leak never grows for long.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Heartbeat files in memory: a container's /tmp may sit on a slow overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (per-process files, gunicorn's advice)
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
