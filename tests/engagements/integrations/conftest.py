"""Fixtures of the webhook tests: a real receiver on 127.0.0.1, and settings that let it be reached."""

from __future__ import annotations

import pytest

from tests.engagements.integrations.helpers import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 8
    settings.WEBHOOK_DISABLE_AFTER = 20
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
