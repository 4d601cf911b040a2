"""Idempotency-Key on API POSTs: a retried request replays the first response,
a reused key with another body is refused, concurrent duplicates create one
object, and keys are per user and expire."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import Requirement
from kpo.api.tokens import api_token_create
from kpo.idempotency import idempotency_purge
from kpo.models import ApiToken, IdempotencyRecord
from tests.engagements.requirements.test_requirement_api import valid_payload
from tests.factories import ClientMembershipFactory

URL = "/api/v1/requirements/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def post(client, body: dict, key: str | None = "order-42"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_response(owner):
    client = api(owner)
    first = post(client, valid_payload(title="Close support"))
    second = post(client, valid_payload(title="Close support"))
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Requirement.objects.filter(title="Close support").count() == 1


@pytest.mark.django_db
def test_a_validation_error_is_replayed_too(owner):
    client = api(owner)
    first = post(client, valid_payload(budget_hourly_rate="-1"), key="bad-1")
    second = post(client, valid_payload(budget_hourly_rate="-1"), key="bad-1")
    assert first.status_code == second.status_code == 400
    assert second.json() == first.json()


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_and_changes_nothing(owner):
    client = api(owner)
    assert post(client, valid_payload(title="First")).status_code == 201
    other = post(client, valid_payload(title="Second"))
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert not Requirement.objects.filter(title="Second").exists()


@pytest.mark.django_db
def test_keys_belong_to_one_user(owner):
    colleague = ClientMembershipFactory(client=owner.membership.client).user
    assert post(api(owner), valid_payload(title="Mine")).status_code == 201
    theirs = post(api(colleague), valid_payload(title="Mine"))
    assert theirs.status_code == 201
    assert not theirs.has_header("Idempotent-Replayed")
    assert Requirement.objects.filter(title="Mine").count() == 2


@pytest.mark.django_db
def test_without_a_key_every_post_runs(owner):
    client = api(owner)
    post(client, valid_payload(title="Twice"), key=None)
    post(client, valid_payload(title="Twice"), key=None)
    assert Requirement.objects.filter(title="Twice").count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_an_expired_key_runs_again_and_purge_forgets_old_keys(owner, settings):
    client = api(owner)
    post(client, valid_payload(title="Daily"))
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))
    again = post(client, valid_payload(title="Daily"))
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Requirement.objects.filter(title="Daily").count() == 2
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))
    assert idempotency_purge() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_malformed_key_is_refused(owner, key):
    response = post(api(owner), valid_payload(title="Nope"), key=key)
    assert response.status_code == 400
    assert not Requirement.objects.filter(title="Nope").exists()


@pytest.mark.django_db
def test_gets_and_anonymous_posts_are_left_alone(owner, client):
    anonymous = post(APIClient(), valid_payload(title="Anon"))
    assert anonymous.status_code in (401, 403)
    assert not IdempotencyRecord.objects.exists()
    response = api(owner).get(URL, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_keyed_post_with_a_token_looks_the_token_up_once(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner).key}")
    with CaptureQueriesContext(connection) as queries:
        first = post(client, valid_payload(title="Once"))
    assert first.status_code == 201
    assert sum('FROM "kpo_apitoken"' in q["sql"] for q in queries.captured_queries) == 1
    assert post(client, valid_payload(title="Once"))["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_keyed_post_with_an_expired_token_is_401_and_the_token_stays_listed(owner):
    created = api_token_create(user=owner, expires_in_days=1)
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {created.key}")
    response = post(client, valid_payload(title="Late"))
    assert response.status_code == 401
    assert ApiToken.objects.filter(pk=created.token.pk).exists()
    assert not Requirement.objects.exists() and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_with_one_key_create_one_object():
    owner = ClientMembershipFactory().user
    body = valid_payload(title="Raced")
    barrier = threading.Barrier(4)
    responses = []

    def send():
        try:
            client = api(owner)
            barrier.wait()
            responses.append(post(client, body, key="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.content for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == 3
    assert Requirement.objects.filter(title="Raced").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_new_api_token_is_never_kept_for_a_replay(owner, signed_in):
    """A token's key is stored hashed only: an Idempotency-Key (even on a request
    that carries credentials, which this endpoint does not need) keeps no copy."""
    client = APIClient()
    if signed_in:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner).key}")
    body = {"username": owner.username, "password": "correct horse battery staple", "name": "nightly"}
    first = client.post("/api/v1/auth/token/", body, format="json", HTTP_IDEMPOTENCY_KEY="token-1")
    second = client.post("/api/v1/auth/token/", body, format="json", HTTP_IDEMPOTENCY_KEY="token-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first["Cache-Control"] == "no-store"
    assert first.json()["token"] != second.json()["token"]
    assert not second.has_header("Idempotent-Replayed")
    assert not IdempotencyRecord.objects.exists()
    assert ApiToken.objects.filter(user=owner, name="nightly").count() == 2
