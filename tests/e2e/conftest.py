"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against
pytest-django's live server.

The live server runs in another thread with its own database connection, so the
data it serves must be committed: these tests use `transactional_db` (through
`live_server`). The taxonomy comes from a data migration, and a transactional
test ends by flushing every table, so `demo_data` also asks for a serialized
rollback: the migrated rows are restored before each test.

Playwright's sync API keeps an asyncio event loop running in the test thread
from `start()` to `stop()`. Two consequences shape `browser`:
- Django refuses synchronous database calls while a loop runs unless
  DJANGO_ALLOW_ASYNC_UNSAFE is set. It is set only while the browser is up
  (not at import time: conftests are imported for every run, and the variable
  would leak into the rest of the suite, e.g. `manage.py check --deploy`
  subprocesses, which warn about it).
- The loop must not outlive these tests, or every later test in the run would
  execute inside it; so the browser is shared by the e2e package (one launch
  for all its tests) rather than by the whole session.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.harness.preflight import CHROMIUM, CHROMIUM_ARGS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DEMO_TODAY = date(2026, 11, 27)
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One headless Chromium for the e2e tests: the system browser, never a downloaded one.

    Depends on `django_db_setup` so the test database is created before the event
    loop starts and dropped after it stops."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required for the e2e tests but {CHROMIUM} does not exist (make bootstrap).")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps its database connections in an asgiref Local, which hands out
    # other connection objects while an event loop runs in the thread: once
    # Playwright starts, the tests would no longer see the connections the test
    # database was set up on (nor the serialized data a serialized rollback
    # restores, nor the connections closed before the test database is dropped).
    # Same thread, so the same connection objects are safe to share.
    sync_connections = {alias: connections[alias] for alias in connections}
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        playwright = sync_playwright().start()
        for alias, connection in sync_connections.items():
            connections[alias] = connection
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
        finally:
            playwright.stop()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies, 1280x800) and page for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")` saves a full-page PNG to artifacts/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo_data(transactional_db, django_db_serialized_rollback, live_server):
    """The deterministic demo data set (30 vendors), committed so the live server sees it."""
    from engagements.demo import seed_demo

    return seed_demo(seed=42, vendors=30, today=DEMO_TODAY)
