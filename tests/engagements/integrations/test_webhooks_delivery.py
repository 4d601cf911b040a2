"""Webhook delivery: retries, timeouts, refusals, disabling, redelivery, and the real worker end to end.

Webhooks (engagements/integrations/webhooks.py, docs/webhooks.md) against a real HTTP
receiver on 127.0.0.1: the outbox row is written in the change's transaction,
deliveries are signed per Standard Webhooks (verified with the package and with
the documented plain-Python sample), retried with backoff, timed out, refused
for private addresses in production, disabled with a notice after repeated
failure, redelivered on request; the API is scoped to the client organization.

Most tests run the delivery function directly (no waiting for real backoff);
the end-to-end ones use the real Celery worker and Redis."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from engagements.delivery import services as delivery_services
from engagements.integrations import webhooks
from engagements.models import WebhookDelivery, WebhookEndpoint
from tests.engagements.integrations.helpers import ALL_EVENTS, api, propose, register
from tests.factories import ClientMembershipFactory, VendorMembershipFactory


def make_due(delivery: WebhookDelivery) -> None:
    """Skip the backoff wait: the retry is due now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


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
