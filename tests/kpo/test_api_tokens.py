"""API tokens: several per user, named, stored hashed, optional expiry,
revocable, last use recorded; created through the API (with the sign-in
lock-out) and on a page of the web app that shows the key once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from kpo.api import tokens
from kpo.models import ApiToken
from tests.factories import ClientMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
PAGE_URL = "/account/tokens/"


@pytest.fixture(autouse=True)
def fresh_address_throttles():
    # Throttle counters live in Redis and outlive a test's database rollback.
    for scope in ("token_create", "anon"):
        cache.delete(f"throttle_{scope}_127.0.0.1")
    yield
    for scope in ("token_create", "anon"):
        cache.delete(f"throttle_{scope}_127.0.0.1")


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def create_token(username: str, password: str = PASSWORD, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")


def test_a_manager_creates_a_named_token_and_uses_it(owner):
    response = create_token(owner.username, name="SAP Ariba sync")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"token", "id", "name", "token_prefix", "created_at", "expires_at", "expired", "last_used_at"}
    assert body["name"] == "SAP Ariba sync"
    # No term asked for: the default one (API_TOKEN_DEFAULT_EXPIRY_DAYS, 90).
    token = ApiToken.objects.get(user=owner)
    assert timedelta(days=89, hours=23) < token.expiry - timezone.now() <= timedelta(days=90)
    assert body["expires_at"] is not None and body["expired"] is False
    assert body["token"].startswith("kpo_")
    assert body["token"].startswith(body["token_prefix"])
    listed = with_token(body["token"]).get("/api/v1/requirements/")
    assert listed.status_code == 200


def test_a_token_that_never_expires_is_an_explicit_choice_shown_in_the_lists(client, owner):
    body = create_token(owner.username, name="Legacy ERP", expires_in_days=None).json()
    assert body["expires_at"] is None
    assert ApiToken.objects.get(user=owner).expiry is None
    assert with_token(body["token"]).get(TOKENS_URL).json()["results"][0]["expires_at"] is None
    client.force_login(owner)
    row = client.get(PAGE_URL).content.decode().split(f'data-token="{body["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "data-never-expires" in row and "Never expires" in row


def test_the_default_term_is_configurable_and_preselected_on_the_page(client, owner, settings):
    settings.API_TOKEN_DEFAULT_EXPIRY_DAYS = 14
    assert create_token(owner.username).status_code == 201
    token = ApiToken.objects.get(user=owner)
    assert timedelta(days=13, hours=23) < token.expiry - timezone.now() <= timedelta(days=14)
    client.force_login(owner)
    page = client.get(PAGE_URL).content.decode()
    assert '<option value="14" selected>' in page
    assert '<option value="">Never (not recommended)</option>' in page
    # Creating on the page without touching the term takes the preselected one.
    client.post(PAGE_URL, {"name": "Coupa", "expires_in_days": "14"})
    assert ApiToken.objects.get(name="Coupa").expiry is not None


def test_the_database_never_holds_the_key(owner):
    key = create_token(owner.username).json()["token"]
    row = ApiToken.objects.get()
    values = [str(getattr(row, field.attname)) for field in ApiToken._meta.concrete_fields]
    assert not any(key == value or key in value for value in values)
    assert row.digest == hash_token(key)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608 - a model's own table name
        assert not any(key in str(value) for record in cursor.fetchall() for value in record)


def test_a_wrong_password_is_400_and_creates_no_token(owner):
    response = create_token(owner.username, password="not the password")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to sign in with the given username and password."]}
    assert create_token("nobody-by-that-name").status_code == 400
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(owner):
    owner.is_active = False
    owner.save()
    assert create_token(owner.username).status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [0, 366, "soon"])
def test_an_expiry_outside_one_to_365_days_is_refused(owner, days):
    response = create_token(owner.username, expires_in_days=days)
    assert response.status_code == 400
    assert "expires_in_days" in response.json()
    assert not ApiToken.objects.exists()


def test_unknown_fields_in_the_sign_in_are_refused(owner):
    response = create_token(owner.username, scope="admin")
    assert response.status_code == 400
    assert response.json() == {"scope": ["Unknown field."]}
    assert not ApiToken.objects.exists()


def test_a_token_with_an_expiry_stops_working_when_it_passes(owner):
    body = create_token(owner.username, expires_in_days=30).json()
    token = ApiToken.objects.get()
    assert timedelta(days=29, hours=23) < token.expiry - timezone.now() <= timedelta(days=30)
    assert body["expires_at"] is not None and body["expired"] is False
    client = with_token(body["token"])
    assert client.get(TOKENS_URL).status_code == 200

    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    refused = client.get(TOKENS_URL)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Token has expired."}
    assert refused["WWW-Authenticate"] == "Token"
    # Kept, so its owner sees it expired and may revoke it.
    listed = APIClient()
    listed.force_authenticate(owner)
    assert listed.get(TOKENS_URL).json()["results"][0]["expired"] is True


def test_a_request_without_credentials_is_challenged_with_401(owner):
    response = APIClient().get(TOKENS_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("header", ["Token kpo_0000000000000000", "Token not-hex-at-all", "Token", "Token a b"])
def test_a_wrong_token_is_401(owner, header):
    create_token(owner.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(TOKENS_URL).status_code == 401


def test_the_token_in_use_is_revoked_and_the_others_keep_working(owner):
    first = create_token(owner.username, name="ERP").json()["token"]
    second = create_token(owner.username, name="BI").json()["token"]
    assert with_token(first).delete(TOKEN_URL).status_code == 204
    assert with_token(first).get(TOKENS_URL).status_code == 401
    remaining = with_token(second).get(TOKENS_URL).json()["results"]
    assert [row["name"] for row in remaining] == ["BI"]


def test_revoking_the_token_in_use_needs_a_token(owner):
    create_token(owner.username)
    session = APIClient()
    session.force_login(owner)
    assert session.delete(TOKEN_URL).status_code == 401
    assert ApiToken.objects.count() == 1


def test_last_use_is_recorded_at_most_once_a_minute(owner):
    key = create_token(owner.username).json()["token"]
    client = with_token(key)
    assert ApiToken.objects.get().last_used_at is None

    with CaptureQueriesContext(connection) as first:
        client.get(TOKENS_URL)
    used_at = ApiToken.objects.get().last_used_at
    assert used_at is not None
    assert sum(q["sql"].startswith("UPDATE") for q in first.captured_queries) == 1

    with CaptureQueriesContext(connection) as again:
        client.get(TOKENS_URL)
    assert not any(q["sql"].startswith("UPDATE") for q in again.captured_queries)
    assert ApiToken.objects.get().last_used_at == used_at

    ApiToken.objects.update(last_used_at=used_at - timedelta(minutes=2))
    client.get(TOKENS_URL)
    assert ApiToken.objects.get().last_used_at > used_at - timedelta(minutes=2)
    listed = client.get(TOKENS_URL).json()["results"]
    assert listed[0]["last_used_at"] is not None


def test_a_user_lists_their_tokens_without_keys_in_a_constant_number_of_queries(
    owner, outsider, django_assert_num_queries
):
    keys = [tokens.api_token_create(user=owner, name=f"System {n}").key for n in range(4)]
    tokens.api_token_create(user=outsider, name="Not yours")
    client = APIClient()
    client.force_authenticate(owner)
    with django_assert_num_queries(1):
        response = client.get(TOKENS_URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["name"] for row in rows] == ["System 3", "System 2", "System 1", "System 0"]
    assert set(rows[0]) == {"id", "name", "token_prefix", "created_at", "expires_at", "expired", "last_used_at"}
    text = response.content.decode()
    assert not any(key in text for key in keys)


def test_a_user_revokes_one_of_their_tokens_by_id(owner):
    keep = tokens.api_token_create(user=owner, name="keep")
    drop = tokens.api_token_create(user=owner, name="drop")
    client = with_token(keep.key)
    assert client.delete(f"{TOKENS_URL}{tokens.api_token_id(drop.token)}/").status_code == 204
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["keep"]
    assert with_token(drop.key).get(TOKENS_URL).status_code == 401


def test_another_users_token_id_is_404_and_stays(owner, outsider):
    theirs = tokens.api_token_create(user=outsider, name="theirs")
    client = APIClient()
    client.force_authenticate(owner)
    for token_id in (tokens.api_token_id(theirs.token), "0" * 16, "not-an-id"):
        response = client.delete(f"{TOKENS_URL}{token_id}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert with_token(theirs.key).get(TOKENS_URL).status_code == 200


def test_repeated_wrong_passwords_lock_the_username_out_as_on_the_sign_in_page(owner):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert create_token(owner.username, password="wrong").status_code == 400
    locked = create_token(owner.username, password="wrong")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert "Too many failed sign-in attempts" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    # Even the right password is refused during the cool-off.
    assert create_token(owner.username).status_code == 429
    assert not ApiToken.objects.exists()


def test_token_creation_is_throttled_per_address(owner, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token_create": "2/min"},
    }
    assert create_token(owner.username).status_code == 201
    assert create_token(owner.username, password="wrong").status_code == 400
    throttled = create_token(owner.username)
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert ApiToken.objects.count() == 1


# -- the web page ----------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(PAGE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL) or "/accounts/login/" in response["Location"]


def test_any_signed_in_user_creates_a_token_and_sees_the_key_only_once(client):
    user = UserFactory()  # no organization: a token acts with the user's own permissions
    client.force_login(user)
    assert "No tokens yet" in client.get(PAGE_URL).content.decode()

    created = client.post(PAGE_URL, {"name": "Coupa", "expires_in_days": "90"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.name == "Coupa"
    assert timedelta(days=89) < token.expiry - timezone.now() <= timedelta(days=90)
    page = created.content.decode()
    key = page.split('id="new-token-key" value="', 1)[1].split('"', 1)[0]
    assert key.startswith("kpo_") and hash_token(key) == token.digest
    assert "shown only this once" in page
    assert "no-store" in created["Cache-Control"]

    again = client.get(PAGE_URL).content.decode()
    assert key not in again
    assert "Coupa" in again
    assert tokens.api_token_display_prefix(token) in again


def test_the_page_lists_only_the_users_own_tokens_with_their_last_use(client, owner, outsider):
    tokens.api_token_create(user=outsider, name="Their token")
    mine = tokens.api_token_create(user=owner, name="My token", expires_in_days=None)
    unused = tokens.api_token_create(user=owner, name="Unused")
    with_token(mine.key).get(TOKENS_URL)
    client.force_login(owner)
    page = client.get(PAGE_URL).content.decode()
    assert "My token" in page
    assert "Their token" not in page
    row = page.split(f'data-token="{tokens.api_token_id(mine.token)}"', 1)[1].split("</tr>", 1)[0]
    assert "data-never-expires" in row  # it never expires
    assert ">never<" not in row  # and it has been used
    row = page.split(f'data-token="{tokens.api_token_id(unused.token)}"', 1)[1].split("</tr>", 1)[0]
    assert ">never<" in row and "data-never-expires" not in row  # never used; expires by default


def expire(created: tokens.CreatedToken, *, days_ago: float) -> ApiToken:
    ApiToken.objects.filter(pk=created.token.pk).update(expiry=timezone.now() - timedelta(days=days_ago))
    return ApiToken.objects.get(pk=created.token.pk)


def test_the_purge_deletes_tokens_expired_more_than_the_set_days_ago(owner, outsider):
    assert settings.API_TOKEN_PURGE_AFTER_DAYS == 30
    tokens.api_token_create(user=owner, name="Never expires", expires_in_days=None)
    tokens.api_token_create(user=owner, name="Expires later", expires_in_days=7)
    expire(tokens.api_token_create(user=owner, name="Expired yesterday", expires_in_days=1), days_ago=1)
    expire(tokens.api_token_create(user=owner, name="Expired a month ago", expires_in_days=1), days_ago=30.1)
    expire(tokens.api_token_create(user=outsider, name="Theirs, long expired", expires_in_days=1), days_ago=400)

    assert tokens.api_token_purge_expired() == 2
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == [
        "Expired yesterday",
        "Expires later",
        "Never expires",
    ]
    assert tokens.api_token_purge_expired() == 0
    assert tokens.api_token_purge_expired(after_days=0) == 1
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["Expires later", "Never expires"]


def test_the_purge_task_reads_the_setting(owner, settings):
    from kpo.tasks import api_tokens_purge

    settings.API_TOKEN_PURGE_AFTER_DAYS = 2
    expire(tokens.api_token_create(user=owner, name="Expired yesterday", expires_in_days=1), days_ago=1)
    expire(tokens.api_token_create(user=owner, name="Expired three days ago", expires_in_days=1), days_ago=3)
    assert api_tokens_purge() == 1
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["Expired yesterday"]


def test_beat_runs_the_purge_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["api-tokens-purge"]
    assert (entry["task"], entry["schedule"]) == ("kpo.tasks.api_tokens_purge", 86400.0)


def test_the_page_lists_an_expired_token_and_says_when_it_goes(client, owner):
    token = expire(tokens.api_token_create(user=owner, name="Old ERP", expires_in_days=1), days_ago=2)
    client.force_login(owner)
    page = client.get(PAGE_URL).content.decode()
    row = page.split(f'data-token="{tokens.api_token_id(token)}"', 1)[1].split("</tr>", 1)[0]
    assert "expired" in row
    assert "An expired token stays listed for 30 days after it expires, then it is deleted." in page


def test_the_page_says_nothing_of_the_purge_without_expired_tokens(client, owner):
    tokens.api_token_create(user=owner, name="Current", expires_in_days=7)
    client.force_login(owner)
    assert "stays listed" not in client.get(PAGE_URL).content.decode()


def test_a_name_is_required_on_the_page(client, owner):
    client.force_login(owner)
    response = client.post(PAGE_URL, {"name": "", "expires_in_days": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_page_revokes_the_users_token_and_404s_anyone_elses(client, owner, outsider):
    mine = tokens.api_token_create(user=owner, name="mine")
    theirs = tokens.api_token_create(user=outsider, name="theirs")
    client.force_login(owner)
    assert client.post(f"/account/tokens/{tokens.api_token_id(theirs.token)}/revoke/").status_code == 404
    assert client.get(f"/account/tokens/{tokens.api_token_id(mine.token)}/revoke/").status_code == 405
    response = client.post(f"/account/tokens/{tokens.api_token_id(mine.token)}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == PAGE_URL
    assert "revoked" in response.content.decode()
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["theirs"]


def test_the_pages_forms_need_the_csrf_token(owner):
    mine = tokens.api_token_create(user=owner, name="mine")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post(PAGE_URL, {"name": "forged"}).status_code == 403
    assert browser.post(f"/account/tokens/{tokens.api_token_id(mine.token)}/revoke/").status_code == 403
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["mine"]
    # The page's own form carries the token and works.
    page = browser.get(PAGE_URL)
    csrf = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert browser.post(PAGE_URL, {"name": "real", "csrfmiddlewaretoken": csrf}).status_code == 200
    assert ApiToken.objects.filter(name="real").exists()


def test_the_account_menu_links_to_the_page(client):
    client.force_login(ClientMembershipFactory().user)
    assert f'href="{PAGE_URL}"' in client.get("/").content.decode()
