"""The webhook API: endpoints and their secrets, the delivery log, scoped to the client organization."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from engagements.delivery import services as delivery_services
from engagements.integrations import webhooks
from engagements.models import WebhookDelivery, WebhookEndpoint
from tests.engagements.integrations.helpers import ALL_EVENTS, api, propose, register

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
