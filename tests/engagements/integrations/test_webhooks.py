"""Webhooks (engagements/integrations/webhooks.py, docs/webhooks.md) against a real HTTP
receiver on 127.0.0.1: the outbox row is written in the change's transaction,
deliveries are signed per Standard Webhooks (verified with the package and with
the documented plain-Python sample), retried with backoff, timed out, refused
for private addresses in production, disabled with a notice after repeated
failure, redelivered on request; the API is scoped to the client organization.

Most tests run the delivery function directly (no waiting for real backoff);
the end-to-end ones use the real Celery worker and Redis."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import deque
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from engagements.delivery import services as delivery_services
from engagements.integrations import webhooks
from engagements.matching import runs
from engagements.models import (
    Engagement,
    MatchRun,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.engagements.rfp.test_rfp_api import Bid, keys_of
from tests.factories import (
    ClientMembershipFactory,
    ClientOrganizationFactory,
    VendorFactory,
    VendorMembershipFactory,
)
from vendors.signals import send_vendor_changed

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
ALL_EVENTS = list(WebhookEvent.values)


# -- a real receiver ---------------------------------------------------------------------------


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


def doc_sample() -> dict:
    """The plain-Python verification sample of docs/webhooks.md, executed."""
    text = DOC.read_text()
    match = re.search(r"<!-- webhook-verify-sample -->\s*```python\n(.*?)```", text, re.S)
    assert match, "the verification sample is missing from docs/webhooks.md"
    namespace: dict = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


def make_due(delivery: WebhookDelivery) -> None:
    """Skip the backoff wait: the retry is due now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


# -- signing, outbox and payload (delivery run directly) -----------------------------------------


@pytest.mark.django_db
def test_a_delivery_is_signed_so_the_package_and_the_documented_sample_both_verify_it(owner, receiver):
    endpoint = register(owner, receiver)
    engagement = propose(owner)
    delivery = WebhookDelivery.objects.get()

    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "succeeded"

    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/kpo"
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == f"msg_{delivery.event_id.hex}"
    assert headers["webhook-signature"].startswith("v1,")
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert doc_sample()["verify_webhook"](endpoint["secret"], headers, body) == payload
    assert payload["type"] == "engagement.updated"
    assert payload["data"]["engagement"]["id"] == engagement.pk
    assert payload["data"]["engagement"]["status"] == "proposed"
    assert payload["data"]["engagement"]["agreed_rate"] == "31.00"
    assert payload["data"]["change"] == {"kind": "created", "from": None, "to": "proposed"}

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


@pytest.mark.django_db
def test_a_tampered_body_or_another_secret_fails_verification(owner, receiver):
    endpoint = register(owner, receiver)
    propose(owner)
    webhooks.webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    headers, body = receiver.requests[0]["headers"], receiver.requests[0]["body"]
    verify = doc_sample()["verify_webhook"]

    with pytest.raises(ValueError, match="no valid signature"):
        verify(endpoint["secret"], headers, body.replace(b"proposed", b"accepted"))
    with pytest.raises(ValueError, match="no valid signature"):
        verify(webhooks.webhook_secret_generate(), headers, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(body + b" ", headers)


@pytest.mark.django_db
def test_the_outbox_row_is_part_of_the_changes_transaction(owner, receiver):
    register(owner, receiver)
    engagement = propose(owner)
    vendor_user = VendorMembershipFactory(vendor=engagement.vendor).user
    before = WebhookDelivery.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        delivery_services.engagement_transition(engagement=engagement, action="accept", actor=vendor_user)
        assert WebhookDelivery.objects.count() == before + 1
        raise RuntimeError("the request failed after the change")

    assert WebhookDelivery.objects.count() == before
    engagement.refresh_from_db()
    assert engagement.status == "proposed"


@pytest.mark.django_db
def test_deliveries_are_sent_after_commit_and_only_to_subscribed_endpoints(
    owner, receiver, django_capture_on_commit_callbacks
):
    register(owner, receiver, events=["engagement.updated"])
    register(owner, receiver, events=["match_run.failed"])
    other = ClientMembershipFactory(client=ClientOrganizationFactory()).user
    register(other, receiver, events=["engagement.updated"])

    with django_capture_on_commit_callbacks() as callbacks:
        engagement = propose(owner)
    rows = list(WebhookDelivery.objects.select_related("endpoint"))
    assert [(row.event, row.endpoint.client_id) for row in rows] == [("engagement.updated", engagement.client_id)]
    assert len(callbacks) == 1  # the dispatch waits for the commit


@pytest.mark.django_db
def test_every_engagement_change_and_an_award_emit_engagement_updated(owner, receiver):
    register(owner, receiver, events=["engagement.updated"])
    engagement = propose(owner)
    vendor_user = VendorMembershipFactory(vendor=engagement.vendor).user
    delivery_services.engagement_transition(engagement=engagement, action="accept", actor=vendor_user)
    delivery_services.engagement_change_fte(
        engagement=engagement, fte=Decimal("3.5"), reason="More invoices", actor=owner
    )

    changes = [row.payload["data"]["change"] for row in WebhookDelivery.objects.order_by("id")]
    assert changes == [
        {"kind": "created", "from": None, "to": "proposed"},
        {"kind": "status", "from": "proposed", "to": "active"},
        {"kind": "fte", "from": "2.0", "to": "3.5"},
    ]


@pytest.mark.django_db
def test_a_submitted_proposal_and_its_award_reach_the_client_without_the_sealed_offer(owner, receiver):
    register(owner, receiver, events=["proposal.submitted", "engagement.updated"])
    bid = Bid(owner)
    bid.create()
    bid.submit(0, approach="Alpha approach", rate="40.00")

    delivery = WebhookDelivery.objects.get(event="proposal.submitted")
    proposal = bid.proposal(0)
    data = delivery.payload["data"]["proposal"]
    assert (data["id"], data["rfp"], data["vendor"], data["status"], data["revision"]) == (
        proposal.pk,
        bid.rfp_id,
        bid.vendors[0].pk,
        "submitted",
        1,
    )
    # Quoted, as decimals are rendered: a bare 40.00 also matches a timestamp's seconds.
    assert '"40.00"' not in json.dumps(delivery.payload) and "Alpha" not in json.dumps(delivery.payload)
    assert not {"hourly_rate", "approach", "answers"} & keys_of(delivery.payload)

    bid.open_bids()
    response = api(owner).post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": proposal.pk}, format="json")
    assert response.status_code in (200, 201), response.data
    award = WebhookDelivery.objects.get(event="engagement.updated")
    assert award.payload["data"]["change"] == {"kind": "created", "from": None, "to": "active"}


@pytest.mark.django_db
def test_a_match_run_reaching_its_final_status_emits_its_event(owner, receiver):
    register(owner, receiver, events=["match_run.succeeded", "match_run.failed"])
    requirement = requirement_for(owner)
    VendorFactory()
    good = runs.match_run_create(requirement=requirement)
    runs.match_run_execute(run_id=good.pk, task_id="test-task")
    bad = MatchRun.objects.create(requirement=requirement)
    runs.match_run_fail(run_id=bad.pk, error="ValueError: broken")
    runs.match_run_fail(run_id=bad.pk, error="already failed: no second event")

    rows = {row.payload["data"]["match_run"]["id"]: row for row in WebhookDelivery.objects.all()}
    assert rows[good.pk].event == "match_run.succeeded"
    assert rows[good.pk].payload["data"]["match_run"]["status"] == "succeeded"
    assert rows[bad.pk].event == "match_run.failed"
    assert rows[bad.pk].payload["data"]["match_run"]["error"] == "ValueError: broken"
    assert len(rows) == 2 and WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_vendor_updated_fans_out_to_every_subscribed_organization_in_chunks(
    owner, outsider, receiver, monkeypatch, django_assert_num_queries
):
    mine = register(owner, receiver, events=["vendor.updated"])
    theirs = register(outsider, receiver, events=["vendor.updated", "engagement.updated"])
    register(ClientMembershipFactory(client=ClientOrganizationFactory()).user, receiver, events=["match_run.failed"])
    vendors = [VendorFactory() for _ in range(5)]
    monkeypatch.setattr(webhooks, "VENDORS_PER_DELIVERY", 2)

    # The shortlists' stale mark, subscribed endpoints, the vendors, one bulk insert.
    with django_assert_num_queries(4):
        send_vendor_changed([vendor.pk for vendor in vendors])

    rows = list(WebhookDelivery.objects.order_by("id"))
    assert sorted({row.endpoint_id for row in rows}) == sorted([mine["id"], theirs["id"]])
    for endpoint_id in (mine["id"], theirs["id"]):
        sent = [v["id"] for row in rows if row.endpoint_id == endpoint_id for v in row.payload["data"]["vendors"]]
        assert sent == sorted(vendor.pk for vendor in vendors)
    assert len(rows) == 2 * 3
    assert rows[0].payload["data"]["vendors"][0].keys() == {"id", "slug", "name", "is_active", "verified", "updated_at"}


@pytest.mark.django_db
def test_without_subscribers_an_event_costs_one_query(owner, django_assert_num_queries):
    client_id = owner.membership.client_id
    with django_assert_num_queries(1):
        assert webhooks.webhook_emit(client_id=client_id, event="engagement.updated", data={"engagement": {}}) == []
    with django_assert_num_queries(1):
        assert webhooks.webhook_emit_vendors_updated(vendor_ids=[1, 2], changed_at=timezone.now()) == []


# -- retries, timeouts, refusals ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_growing_backoff_until_it_answers(owner, receiver):
    register(owner, receiver)
    propose(owner)
    delivery = WebhookDelivery.objects.get()
    receiver.statuses.extend([500, 503])

    started = timezone.now()
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error.startswith("HTTP 500") and "receiver-says" in delivery.last_error
    assert started <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) in ("not-due", "retry")

    make_due(delivery)
    second = timezone.now()
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 503)
    assert second <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=60)

    make_due(delivery)
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "succeeded",
        3,
        204,
        "",
    )
    ids = {request["headers"]["webhook-id"] for request in receiver.requests}
    assert len(receiver.requests) == 3 and ids == {f"msg_{delivery.event_id.hex}"}


def test_the_backoff_is_exponential_with_full_jitter_under_a_cap(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    settings.WEBHOOK_BACKOFF_CAP_SECONDS = 6 * 3600
    for attempt in range(1, 15):
        ceiling = min(6 * 3600, 30 * 2 ** (attempt - 1))
        samples = [webhooks.backoff_seconds(attempt) for _ in range(200)]
        assert all(0 <= sample <= ceiling for sample in samples)
        assert max(samples) > ceiling / 2  # spread over the whole range, not a fixed delay


def test_a_countdown_never_outlives_the_brokers_visibility_timeout(settings):
    settings.CELERY_VISIBILITY_TIMEOUT = 3600
    assert webhooks.countdown_limit() < 3600
    settings.CELERY_VISIBILITY_TIMEOUT = 700
    assert webhooks.countdown_limit() < 700


@pytest.mark.django_db
def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt_not_a_hang(owner, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    register(owner, receiver)
    propose(owner)
    delivery = WebhookDelivery.objects.get()
    receiver.hang = True

    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "retry"
    receiver.release.set()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == "timed out after 0.3 s"


@pytest.mark.django_db
def test_a_redirect_is_not_followed(owner, receiver):
    register(owner, receiver)
    propose(owner)
    delivery = WebhookDelivery.objects.get()
    receiver.statuses.append(302)

    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.last_status_code, delivery.last_error) == (302, "redirects are not followed (302)")
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_in_production_private_and_loopback_addresses_are_refused(owner, receiver, settings):
    stored = register(owner, receiver)
    propose(owner)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    for url in (receiver.url, "http://localhost/hook", "http://10.0.0.8/hook", "http://[::1]/hook"):
        response = api(owner).post("/api/v1/webhooks/", {"url": url, "events": ALL_EVENTS}, format="json")
        assert response.status_code == 400 and "url" in response.json(), url

    # An endpoint stored earlier (or a name that now resolves inside) is refused at connection time.
    delivery = WebhookDelivery.objects.get(endpoint_id=stored["id"])
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("refused: refused to connect to the private or reserved address 127.0.0.1")
    assert receiver.requests == []


@pytest.mark.django_db
def test_only_http_and_https_urls_are_accepted(owner):
    for url in (
        "ftp://erp.example.com/hook",
        "file:///etc/passwd",
        "https://user:pw@erp.example.com/hook",
        "http://erp.example.com:99999/hook",
    ):
        response = api(owner).post("/api/v1/webhooks/", {"url": url, "events": ALL_EVENTS}, format="json")
        assert response.status_code == 400 and "url" in response.json(), url
    assert not WebhookEndpoint.objects.exists()


# -- disabling and redelivery ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_endpoint_whose_deliveries_keep_failing_is_disabled_and_its_managers_are_told(
    owner, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_DISABLE_AFTER = 2
    colleague = ClientMembershipFactory(client=owner.membership.client).user
    endpoint = register(owner, receiver, events=["engagement.updated"])
    receiver.statuses.extend([500] * 10)
    engagement = propose(owner)
    delivery_services.engagement_change_fte(engagement=engagement, fte=Decimal("3"), reason="More work", actor=owner)
    first, second = WebhookDelivery.objects.order_by("id")

    for delivery in (first, second):
        with django_capture_on_commit_callbacks(execute=False):
            assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "retry"
        make_due(delivery)
        with django_capture_on_commit_callbacks(execute=True):
            assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)

    stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert not stored.is_active and stored.disabled_at is not None
    assert stored.consecutive_failures == 2
    assert "2 deliveries in a row failed every attempt" in stored.disabled_reason
    (notice,) = mail.outbox
    assert sorted(notice.to) == sorted([owner.email, colleague.email])
    assert receiver.url in notice.subject and f"/api/v1/webhooks/{stored.pk}/enable/" in notice.body

    # Disabled: no new deliveries, redelivery refused until enabled again.
    delivery_services.engagement_change_fte(engagement=engagement, fte=Decimal("4"), reason="Even more", actor=owner)
    assert WebhookDelivery.objects.count() == 2
    response = api(owner).post(f"/api/v1/webhooks/{stored.pk}/deliveries/{first.pk}/redeliver/")
    assert response.status_code == 409

    response = api(owner).post(f"/api/v1/webhooks/{stored.pk}/enable/")
    assert response.status_code == 200
    assert response.json()["is_active"] and response.json()["consecutive_failures"] == 0
    assert response.json()["disabled_at"] is None and response.json()["disabled_reason"] == ""


@pytest.mark.django_db
def test_a_success_resets_the_run_of_failures(owner, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint = register(owner, receiver, events=["engagement.updated"])
    receiver.statuses.append(500)
    engagement = propose(owner)
    delivery_services.engagement_change_fte(engagement=engagement, fte=Decimal("3"), reason="More work", actor=owner)
    first, second = WebhookDelivery.objects.order_by("id")

    assert webhooks.webhook_delivery_attempt(delivery_id=first.pk) == "failed"
    assert WebhookEndpoint.objects.get(pk=endpoint["id"]).consecutive_failures == 1
    assert webhooks.webhook_delivery_attempt(delivery_id=second.pk) == "succeeded"
    assert WebhookEndpoint.objects.get(pk=endpoint["id"]).consecutive_failures == 0


@pytest.mark.django_db
def test_redelivery_sends_a_failed_delivery_again_under_the_same_id(
    owner, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint = register(owner, receiver)
    propose(owner)
    delivery = WebhookDelivery.objects.get()
    receiver.statuses.append(500)
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"

    with django_capture_on_commit_callbacks() as callbacks:
        response = api(owner).post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["attempts"], body["last_error"], body["last_status_code"]) == ("pending", 0, "", None)
    assert len(callbacks) == 1  # re-enqueued once the reset commits

    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) == "succeeded"
    first, again = receiver.requests
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"] == body["event_id"]
    assert first["body"] == again["body"]


# -- the API -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_creating_an_endpoint_shows_its_generated_secret_once(owner, receiver):
    body = register(owner, receiver, events=["engagement.updated", "match_run.succeeded"])
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    assert body["events"] == ["engagement.updated", "match_run.succeeded"]
    assert body["is_active"] and body["consecutive_failures"] == 0

    detail = api(owner).get(f"/api/v1/webhooks/{body['id']}/").json()
    assert "secret" not in detail and detail["url"] == receiver.url
    listed = api(owner).get("/api/v1/webhooks/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]] and "secret" not in listed["results"][0]


@pytest.mark.django_db
def test_a_chosen_secret_is_kept_and_a_malformed_one_refused(owner, receiver):
    chosen = "whsec_" + base64.b64encode(b"k" * 24).decode()
    response = api(owner).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ALL_EVENTS, "secret": chosen}, format="json"
    )
    assert response.status_code == 201 and response.json()["secret"] == chosen
    for bad in ("plain-secret", "whsec_!!!", "whsec_" + base64.b64encode(b"short").decode()):
        response = api(owner).post(
            "/api/v1/webhooks/", {"url": receiver.url, "events": ALL_EVENTS, "secret": bad}, format="json"
        )
        assert response.status_code == 400 and "secret" in response.json(), bad
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"events": ["engagement.deleted"]}, "events"),
        ({"events": []}, "events"),
        ({"events": ["vendor.updated", "vendor.updated"]}, "events"),
        ({"events": "vendor.updated"}, "events"),
        ({"url": "not a url"}, "url"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(owner, receiver, payload, field):
    response = api(owner).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ALL_EVENTS, **payload}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_patch_changes_the_events_url_and_secret(owner, receiver):
    endpoint = register(owner, receiver, events=["vendor.updated"])
    new_secret = webhooks.webhook_secret_generate()
    response = api(owner).patch(
        f"/api/v1/webhooks/{endpoint['id']}/",
        {"events": ["match_run.failed"], "description": "ERP prod", "secret": new_secret},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.json()["events"] == ["match_run.failed"] and response.json()["description"] == "ERP prod"
    stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert (stored.secret, stored.url) == (new_secret, receiver.url)
    response = api(owner).patch(f"/api/v1/webhooks/{endpoint['id']}/", {"events": ["nope"]}, format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_delivery_log_lists_newest_first_with_status_and_payload(owner, receiver):
    endpoint = register(owner, receiver, events=["engagement.updated"])
    engagement = propose(owner)
    delivery_services.engagement_change_fte(engagement=engagement, fte=Decimal("3"), reason="More work", actor=owner)
    first, second = WebhookDelivery.objects.order_by("id")
    receiver.statuses.append(500)
    webhooks.webhook_delivery_attempt(delivery_id=first.pk)

    body = api(owner).get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    newest, oldest = body["results"]
    assert (oldest["status"], oldest["attempts"], oldest["last_status_code"]) == ("pending", 1, 500)
    assert oldest["last_error"].startswith("HTTP 500") and oldest["next_attempt_at"]
    assert newest["payload"]["data"]["change"]["kind"] == "fte" and newest["event"] == "engagement.updated"
    assert newest["event_id"] == f"msg_{second.event_id.hex}"


@pytest.mark.django_db
def test_another_organizations_endpoints_and_deliveries_are_not_found(owner, outsider, receiver):
    endpoint = register(owner, receiver)
    propose(owner)
    delivery = WebhookDelivery.objects.get()
    base = f"/api/v1/webhooks/{endpoint['id']}"
    client = api(outsider)

    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(f"{base}/").status_code == 404
    assert client.patch(f"{base}/", {"description": "mine now"}, format="json").status_code == 404
    assert client.get(f"{base}/deliveries/").status_code == 404
    assert client.post(f"{base}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert client.post(f"{base}/enable/").status_code == 404
    assert client.delete(f"{base}/").status_code == 404
    mine = register(outsider, receiver)
    assert client.post(f"/api/v1/webhooks/{mine['id']}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert WebhookEndpoint.objects.get(pk=endpoint["id"]).description == ""

    assert api(owner).delete(f"{base}/").status_code == 204
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_vendor_members_get_403_and_anonymous_callers_401(owner, vendor_member, receiver):
    endpoint = register(owner, receiver)
    vendor = api(vendor_member)
    assert vendor.get("/api/v1/webhooks/").status_code == 403
    assert (
        vendor.post("/api/v1/webhooks/", {"url": receiver.url, "events": ALL_EVENTS}, format="json").status_code == 403
    )
    assert vendor.get(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 403
    assert api().get("/api/v1/webhooks/").status_code == 401
    assert api().post("/api/v1/webhooks/", {}, format="json").status_code == 401


@pytest.mark.django_db
def test_the_lists_cost_a_constant_number_of_queries(owner, receiver, django_assert_num_queries):
    endpoints = [register(owner, receiver, events=["engagement.updated"]) for _ in range(4)]
    engagement = propose(owner)
    for fte in ("3", "4", "5"):
        delivery_services.engagement_change_fte(engagement=engagement, fte=Decimal(fte), reason="Scale", actor=owner)
    client = api(owner)

    # membership, page of endpoints
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/webhooks/").json()["results"]) == 4
    # membership, the endpoint, page of deliveries
    with django_assert_num_queries(3):
        assert len(client.get(f"/api/v1/webhooks/{endpoints[0]['id']}/deliveries/").json()["results"]) == 4


@pytest.mark.django_db
def test_the_lists_page_with_a_cursor(owner, receiver):
    for _ in range(3):
        register(owner, receiver)
    client = api(owner)
    first = client.get("/api/v1/webhooks/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3 and second["next"] is None


# -- end to end: the real worker and Redis ----------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_delivers_a_committed_change_and_nothing_of_a_rolled_back_one(celery_worker, receiver):
    owner = ClientMembershipFactory().user
    endpoint = register(owner, receiver, events=["engagement.updated"])
    engagement = propose(owner)  # committed: the worker is told after the commit
    vendor_user = VendorMembershipFactory(vendor=engagement.vendor).user

    with pytest.raises(RuntimeError), transaction.atomic():
        delivery_services.engagement_transition(engagement=engagement, action="decline", actor=vendor_user)
        raise RuntimeError("rolled back")

    (request,) = receiver.wait_for(1)
    payload = Webhook(endpoint["secret"]).verify(request["body"], request["headers"])
    assert payload["data"]["change"]["to"] == "proposed"
    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 30
    while delivery.status == "pending" and time.monotonic() < deadline:
        time.sleep(0.05)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sweeper_sends_a_due_delivery_whose_message_was_lost(celery_worker, receiver):
    owner = ClientMembershipFactory().user
    endpoint = register(owner, receiver, events=["match_run.failed"])
    lost = WebhookDelivery.objects.create(
        endpoint_id=endpoint["id"],
        event="match_run.failed",
        payload={"type": "match_run.failed", "timestamp": timezone.now().isoformat(), "data": {}},
        next_attempt_at=timezone.now() - timedelta(minutes=5),
    )

    assert webhooks.webhook_deliveries_sweep() == {"due": 1, "sent": 1}

    (request,) = receiver.wait_for(1)
    assert request["headers"]["webhook-id"] == f"msg_{lost.event_id.hex}"
    Webhook(endpoint["secret"]).verify(request["body"], request["headers"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_holding_one_delivery_send_it_once(receiver, settings):
    # The first send hangs until the second worker has given up: far longer than
    # that may take on a loaded machine, so the first never times out instead.
    settings.WEBHOOK_TIMEOUT_SECONDS = 60
    owner = ClientMembershipFactory().user
    endpoint = register(owner, receiver, events=["match_run.failed"])
    delivery = WebhookDelivery.objects.create(
        endpoint_id=endpoint["id"],
        event="match_run.failed",
        payload={"type": "match_run.failed", "timestamp": timezone.now().isoformat(), "data": {}},
        next_attempt_at=timezone.now(),
    )
    receiver.hang = True
    outcomes: list[str] = []

    def attempt():
        from django.db import connection

        try:
            outcomes.append(webhooks.webhook_delivery_attempt(delivery_id=delivery.pk))
        finally:
            connection.close()

    first = threading.Thread(target=attempt)
    first.start()
    assert receiver.arrived.wait(30)  # the first worker holds the claim and is mid-send
    second = threading.Thread(target=attempt)
    second.start()
    second.join(30)
    receiver.release.set()
    first.join(30)

    assert sorted(outcomes) == ["not-due", "succeeded"]
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


def test_every_event_choice_is_documented():
    text = DOC.read_text()
    assert all(f"`{event}`" in text for event in WebhookEvent.values)
