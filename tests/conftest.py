"""Shared fixtures. Tests run against the real services: PostgreSQL, Redis and a
real Celery worker. A missing or unusable service fails the run at once, before any
test (tests/harness/preflight.py); nothing is skipped."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from tests import contract
from tests.factories import (
    ClientMembershipFactory,
    ClientOrganizationFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)
from tests.harness import preflight
from tests.harness.services import database_url

# No timed assertions: a property test never fails for being slow on a busy machine. In CI
# (CI=true) the examples are derived from each test itself, so a run is repeatable and a
# failure there reproduces anywhere; elsewhere every run explores new ones.
hypothesis_settings.register_profile("kpo", deadline=None, derandomize=os.environ.get("CI") == "true")
hypothesis_settings.load_profile("kpo")


def _require_services() -> list[str]:
    engine = settings.DATABASES["default"]["ENGINE"]
    problems = []
    if "postgresql" in engine:
        problems += preflight.check_postgresql(database_url(settings.DATABASES["default"]))
    elif os.environ.get("KPO_TEST_ALLOW_SQLITE") != "1":
        problems.append(
            "DATABASE_URL does not name a PostgreSQL server: run the tests with `make test` or "
            "`make pytest ARGS=...`, which start their own PostgreSQL and Redis, or set DATABASE_URL."
        )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append(
            "CELERY_BROKER_URL does not name a Redis server (tasks would run eagerly): run the tests with "
            "`make test` or `make pytest ARGS=...`, or set CELERY_BROKER_URL."
        )
    else:
        problems += preflight.check_redis(settings.CELERY_BROKER_URL)
    return problems


def pytest_sessionstart(session):
    problems = _require_services()
    if problems:
        pytest.exit("Required services are missing:\n  - " + "\n  - ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def api_answers_match_the_schema():
    """Fails a test that received an /api/v1/ answer the OpenAPI schema does not describe:
    an undeclared status or header, or a body off its schema (tests/contract.py)."""
    contract.take_violations()
    yield
    violations = contract.take_violations()
    if violations:
        pytest.fail(
            "API answers that depart from the OpenAPI schema:\n  " + "\n  ".join(map(str, violations)), pytrace=False
        )


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


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the migrated rows by serialized rollback: a flush
    without it re-creates the content types under new ids, and the next serialized test
    would then fail on duplicates (an error that shows only in the whole suite's order)."""
    mixed = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = marker.kwargs if marker is not None else {}
        transactional = "transactional_db" in getattr(item, "fixturenames", ()) or kwargs.get("transaction")
        serialized = "django_db_serialized_rollback" in getattr(item, "fixturenames", ()) or kwargs.get(
            "serialized_rollback"
        )
        if transactional and not serialized:
            mixed.append(item.nodeid)
    if mixed:
        raise pytest.UsageError(
            "Transactional tests without serialized rollback (add serialized_rollback=True or the "
            "django_db_serialized_rollback fixture):\n  " + "\n  ".join(mixed)
        )
