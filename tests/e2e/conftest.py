"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against
pytest-django's live server.

The live server runs in another thread with its own database connection, so the
data it serves must be committed: these tests use `transactional_db` (through
`live_server`). The taxonomy comes from a data migration, and a transactional
test ends by flushing every table, so `demo_data` also asks for a serialized
rollback: the migrated rows are restored before each test.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread; without this,
# Django refuses the (synchronous) database calls the fixtures and tests make.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DEMO_TODAY = date(2026, 11, 27)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session: the system browser, never a downloaded one."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required for the e2e tests but {CHROMIUM} does not exist (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


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
