"""Shared fixtures. Tests run against the real services: PostgreSQL, Redis and a
real Celery worker. A missing service fails the run at once (it is never skipped)."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from tests.factories import (
    ClientMembershipFactory,
    ClientOrganizationFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)

# No timed assertions: a property test never fails for being slow on a busy machine.
hypothesis_settings.register_profile("kpo", deadline=None)
hypothesis_settings.load_profile("kpo")


def _require_services() -> list[str]:
    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine and os.environ.get("KPO_TEST_ALLOW_SQLITE") != "1":
        problems.append(f"DATABASE_URL must point to PostgreSQL for the test suite (engine is {engine}).")
    elif "postgresql" in engine:
        import psycopg2

        db = settings.DATABASES["default"]
        try:
            psycopg2.connect(
                dbname="postgres",
                user=db["USER"],
                password=db["PASSWORD"],
                host=db["HOST"],
                port=db["PORT"] or 5432,
                connect_timeout=3,
            ).close()
        except psycopg2.OperationalError as exc:
            problems.append(f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']}: {exc}".strip())
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("CELERY_BROKER_URL must point to Redis for the test suite (tasks would run eagerly).")
    else:
        import redis

        url = settings.CELERY_BROKER_URL
        try:
            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        except redis.exceptions.RedisError as exc:
            problems.append(f"Redis is not reachable at {urlparse(url).netloc}: {exc}")
    return problems


def pytest_sessionstart(session):
    problems = _require_services()
    if problems:
        pytest.exit("Required services are missing:\n  - " + "\n  - ".join(problems), returncode=3)


@pytest.fixture
def owner():
    """A procurement manager of the client organization that owns the objects under test."""
    return ClientMembershipFactory().user


@pytest.fixture
def outsider():
    """A procurement manager of another client organization."""
    return ClientMembershipFactory(client=ClientOrganizationFactory()).user


@pytest.fixture
def vendor_member():
    return VendorMembershipFactory(vendor=VendorFactory()).user


@pytest.fixture
def staff_user():
    return UserFactory(is_staff=True, is_superuser=True, username="staff-user")


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback):
    """A real Celery worker (in a thread) consuming from the real Redis broker.

    Needs committed data, hence `transactional_db`: the worker reads and writes
    through its own database connection. Serialized rollback restores the
    migrated rows (taxonomy, content types) after the flush, as every
    transactional test here does: mixing flushes with and without it duplicates
    content types."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from kpo.celery import app

    def close_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    queues = ["default", "matching"]
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue) if _queue_exists(conn, queue) else None
    try:
        with start_worker(app, perform_ping_check=False, queues=queues, shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connections)


def _queue_exists(conn, queue: str) -> bool:
    try:
        conn.default_channel.queue_declare(queue=queue, passive=True)
    except Exception:  # noqa: BLE001 - kombu raises transport-specific errors for a missing queue
        return False
    return True
