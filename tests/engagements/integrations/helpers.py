"""Shared by the webhook tests (test_webhooks_*): a real HTTP receiver, registering an endpoint, a change to send."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from engagements.delivery import services as delivery_services
from engagements.models import Engagement, WebhookEvent
from tests.engagements.helpers import requirement_for, succeeded_run

ALL_EVENTS = list(WebhookEvent.values)


class Receiver:
    """An HTTP server in a thread on a random port. It answers the queued
    statuses in order (then 204), records every request, and in `hang` mode
    holds the request until released (or 10 s), to exercise timeouts."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: deque[int] = deque()
        self.hang = False
        self.release = threading.Event()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                receiver.arrived.set()
                if receiver.hang:
                    receiver.release.wait(10)
                code = receiver.statuses.popleft() if receiver.statuses else 204
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://example.com/elsewhere")
                self.send_header("Content-Length", "13")
                self.end_headers()
                self.wfile.write(b"receiver-says")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kpo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, count: int, *, timeout: float = 30.0) -> list[dict]:
        """Poll until `count` requests arrived (a deadline for the wait, not a timed assertion)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.requests) < count:
            time.sleep(0.05)
        assert len(self.requests) >= count, f"{len(self.requests)} of {count} requests arrived"
        return self.requests


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def register(owner, receiver, events=None) -> dict:
    response = api(owner).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": events or ALL_EVENTS}, format="json"
    )
    assert response.status_code == 201, response.data
    return response.json()


def propose(owner) -> Engagement:
    result = succeeded_run(requirement_for(owner), count=1).results.select_related("run__requirement").get()
    return delivery_services.engagement_propose(
        result=result,
        proposed_by=owner,
        agreed_rate=Decimal("31.00"),
        currency="EUR",
        fte=Decimal("2.0"),
        start_date=date(2026, 12, 1),
    )
