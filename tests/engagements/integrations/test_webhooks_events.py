"""Webhook events: the signed delivery, the outbox row in the change's transaction, each event's payload."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from engagements.delivery import services as delivery_services
from engagements.integrations import webhooks
from engagements.matching import runs
from engagements.models import MatchRun, WebhookDelivery, WebhookEvent
from tests.engagements.helpers import requirement_for
from tests.engagements.integrations.helpers import api, propose, register
from tests.engagements.rfp.helpers import Bid, keys_of
from tests.factories import ClientMembershipFactory, ClientOrganizationFactory, VendorFactory, VendorMembershipFactory
from vendors.signals import send_vendor_changed

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def doc_sample() -> dict:
    """The plain-Python verification sample of docs/webhooks.md, executed."""
    text = DOC.read_text()
    match = re.search(r"<!-- webhook-verify-sample -->\s*```python\n(.*?)```", text, re.S)
    assert match, "the verification sample is missing from docs/webhooks.md"
    namespace: dict = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


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


def test_every_event_choice_is_documented():
    text = DOC.read_text()
    assert all(f"`{event}`" in text for event in WebhookEvent.values)
