"""Limits and clear errors on the API: throttling with 429 and Retry-After,
a body size limit answered with 413, JSON errors for malformed JSON, wrong
types and unknown fields (nothing written), and no leak from a server error."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from engagements.models import Requirement
from kpo.api import tokens
from kpo.api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db
REQUIREMENTS_URL = "/api/v1/requirements/"


def valid_payload(**overrides) -> dict:
    payload = {
        "title": "Month-end close support",
        "domain": "finance",
        "skills": [{"skill": "financial-reporting", "min_proficiency": 4}],
        "budget_hourly_rate": "55.00",
        "currency": "EUR",
        "estimated_hours": 800,
        "fte_needed": "2.0",
    }
    payload.update(overrides)
    return payload


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def rates(settings):
    """Sets throttle rates for one test (read live by the throttles) and clears
    the counters it touches: they live in Redis, beyond the test's rollback."""
    touched = []

    def set_rates(**scoped):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scoped},
        }

    def forget(key: str) -> None:
        cache.delete(key)
        touched.append(key)

    set_rates.forget = forget
    forget("throttle_anon_127.0.0.1")
    yield set_rates
    for key in touched:
        cache.delete(key)


def token_throttle_key(token) -> str:
    return TokenRateThrottle.cache_format % {"scope": "user", "ident": f"token-{token.digest[:32]}"}


# -- throttling ------------------------------------------------------------------------------


def test_a_token_over_its_rate_gets_429_with_retry_after_and_other_tokens_do_not(owner, rates):
    rates(user="3/min")
    busy = tokens.api_token_create(user=owner, name="busy")
    calm = tokens.api_token_create(user=owner, name="calm")
    rates.forget(token_throttle_key(busy.token))
    rates.forget(token_throttle_key(calm.token))
    client = with_token(busy.key)
    for _ in range(3):
        assert client.get(REQUIREMENTS_URL).status_code == 200
    throttled = client.get(REQUIREMENTS_URL)
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"].startswith("Request was throttled.")
    assert with_token(calm.key).get(REQUIREMENTS_URL).status_code == 200


def test_a_browser_session_is_throttled_per_user(owner, rates):
    rates(user="2/min")
    rates.forget(TokenRateThrottle.cache_format % {"scope": "user", "ident": f"user-{owner.pk}"})
    client = APIClient()
    client.force_login(owner)
    assert [client.get(REQUIREMENTS_URL).status_code for _ in range(3)] == [200, 200, 429]


def test_anonymous_callers_are_throttled_per_address_on_public_endpoints(rates):
    rates(anon="1/min")
    client = APIClient()
    assert client.get("/api/schema/").status_code == 200
    throttled = client.get("/api/schema/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    # Another address has its own budget.
    rates.forget("throttle_anon_198.51.100.7")
    assert client.get("/api/schema/", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_forged_forwarded_for_header_does_not_dodge_the_anonymous_throttle(rates):
    rates(anon="1/min")
    client = APIClient()
    assert client.get("/api/schema/", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 200
    assert client.get("/api/schema/", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 429


def test_a_throttle_set_to_off_lets_every_request_through(owner, rates):
    rates(user=None)
    client = signed_in(owner)
    assert all(client.get(REQUIREMENTS_URL).status_code == 200 for _ in range(5))


# -- body size -------------------------------------------------------------------------------


def test_an_oversized_body_is_refused_with_a_json_413_and_changes_nothing(owner, settings):
    settings.API_MAX_BODY_BYTES = 2048
    body = json.dumps(valid_payload(description="x" * 4096))
    response = signed_in(owner).post(REQUIREMENTS_URL, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"Request body too large: {len(body)} bytes, at most 2048 bytes accepted."}
    assert not Requirement.objects.exists()
    # Under the limit, the same request goes through.
    settings.API_MAX_BODY_BYTES = 1024 * 1024
    assert signed_in(owner).post(REQUIREMENTS_URL, body, content_type="application/json").status_code == 201


def test_the_default_limit_is_one_mebibyte(owner):
    body = json.dumps(valid_payload(description="x" * (1024 * 1024)))
    response = signed_in(owner).post(REQUIREMENTS_URL, body, content_type="application/json")
    assert response.status_code == 413
    assert not Requirement.objects.exists()


def test_a_proposal_upload_may_be_as_large_as_its_attachment_limit(settings):
    settings.API_MAX_BODY_BYTES = 2048
    settings.PROPOSAL_ATTACHMENT_MAX_MB = 1
    client = APIClient()
    upload = {"approach": "x" * 8192}
    # Past the JSON limit but within the attachment's: it reaches the view (401: no credentials).
    assert client.put("/api/v1/invitations/1/proposal/", upload, format="multipart").status_code == 401
    # The same body as JSON is refused.
    assert client.put("/api/v1/invitations/1/proposal/", upload, format="json").status_code == 413
    big = {"approach": "x" * (2 * 1024 * 1024 + 1)}
    assert client.put("/api/v1/invitations/1/proposal/", big, format="multipart").status_code == 413


def test_pages_outside_the_api_are_not_limited_by_it(client, settings):
    settings.API_MAX_BODY_BYTES = 16
    response = client.post("/accounts/login/", {"username": "someone", "password": "x" * 64})
    assert response.status_code == 200


# -- malformed input -------------------------------------------------------------------------


def test_malformed_json_is_a_400_with_the_parse_error(owner):
    response = signed_in(owner).post(REQUIREMENTS_URL, '{"title": "Close", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")
    assert not Requirement.objects.exists()


def test_wrong_types_are_field_errors(owner):
    payload = valid_payload(estimated_hours="lots", skills={"skill": "financial-reporting"}, fte_needed=[2])
    response = signed_in(owner).post(REQUIREMENTS_URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"estimated_hours", "skills", "fte_needed"}
    assert body["estimated_hours"] == ["A valid integer is required."]
    assert not Requirement.objects.exists()


def test_an_unknown_field_is_refused_and_nothing_is_created(owner):
    response = signed_in(owner).post(REQUIREMENTS_URL, valid_payload(budget_hourly_rat="40.00"), format="json")
    assert response.status_code == 400
    assert response.json() == {"budget_hourly_rat": ["Unknown field."]}
    assert not Requirement.objects.exists()


def test_unknown_fields_are_reported_where_they_are_nested_beside_other_errors(owner):
    skills = [{"skill": "financial-reporting"}, {"skill": "audit-support", "wieght": "2"}]
    payload = valid_payload(skills=skills, estimated_hours=0, colour="blue")
    response = signed_in(owner).post(REQUIREMENTS_URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["colour"] == ["Unknown field."]
    assert body["skills"] == {"1": {"wieght": ["Unknown field."]}}  # DRF: list errors keyed by index
    assert "estimated_hours" in body
    assert not Requirement.objects.exists()


def test_fields_read_back_from_the_api_may_be_sent_again(owner):
    client = signed_in(owner)
    created = client.post(REQUIREMENTS_URL, valid_payload(), format="json").json()
    created["title"] = "Quarter-end close support"
    response = client.put(f"{REQUIREMENTS_URL}{created['id']}/", created, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Quarter-end close support"


def test_an_unknown_field_on_an_update_changes_nothing(owner):
    client = signed_in(owner)
    created = client.post(REQUIREMENTS_URL, valid_payload(), format="json").json()
    response = client.patch(f"{REQUIREMENTS_URL}{created['id']}/", {"title": "Renamed", "owner": 7}, format="json")
    assert response.status_code == 400
    assert response.json() == {"owner": ["Unknown field."]}
    assert Requirement.objects.get().title == "Month-end close support"


# -- error shapes ----------------------------------------------------------------------------


def test_a_missing_object_is_a_plain_404(owner):
    response = signed_in(owner).get(f"{REQUIREMENTS_URL}999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("url", [REQUIREMENTS_URL, "/api/v1/vendors/", "/api/v1/vendors/?ordering=rating"])
# Not base64; o=-1; "not-a-cursor"; p=abc (the id is a number); x=1; r=2; o=1000000.
@pytest.mark.parametrize(
    "cursor", ["garbage", "bz0tMQ==", "bm90LWEtY3Vyc29y", "cD1hYmM=", "eD0x", "cj0y", "bz0xMDAwMDAw"]
)
def test_an_invalid_cursor_is_a_400_naming_the_parameter(owner, url, cursor):
    separator = "&" if "?" in url else "?"
    response = signed_in(owner).get(f"{url}{separator}cursor={cursor}")
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]
    assert "Invalid cursor" in response.json()["cursor"][0]


def test_an_unexpected_error_is_a_json_500_without_details(owner, monkeypatch):
    from engagements.requirements import selectors

    def explode(**kwargs):
        raise RuntimeError("password=hunter2 in SELECT * FROM secrets")

    monkeypatch.setattr(selectors, "requirement_queryset_for", explode)
    response = signed_in(owner).get(REQUIREMENTS_URL)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "hunter2" not in response.content.decode()
