"""While the database cannot be reached, requests are answered 503 with Retry-After
(kpo/outage.py): the API's JSON error shape under /api/, a plain page elsewhere.

Nothing is mocked: the test's database connection is pointed at a port nothing
listens on, or at a PostgreSQL the test starts and then stops under a live
connection. The machine's own servers are never touched."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from kpo.api.errors import SERVER_ERROR_MESSAGE
from kpo.outage import SERVICE_UNAVAILABLE_MESSAGE, is_outage
from tests.harness.services import PostgresCluster, free_port

TOKEN = "Token kpo_" + "0" * 60
SESSION_COOKIE = "a" * 32  # any value makes the session (in the database) be read


@contextlib.contextmanager
def database_at(django_db_blocker, **where):
    """The default connection pointed elsewhere (HOST, PORT, NAME, USER, PASSWORD) for the block."""
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(where)
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@pytest.fixture
def database_refused(django_db_blocker):
    assert connection.vendor == "postgresql", "the outage tests need the PostgreSQL driver"
    with database_at(django_db_blocker, HOST="127.0.0.1", PORT=free_port()):
        yield


@pytest.fixture
def web():
    # An outage is the answer under test, not an exception for the test client to re-raise.
    return Client(raise_request_exception=False)


def assert_api_outage(response):
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": SERVICE_UNAVAILABLE_MESSAGE}
    assert int(response["Retry-After"]) == settings.OUTAGE_RETRY_AFTER_SECONDS


def assert_page_outage(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) == settings.OUTAGE_RETRY_AFTER_SECONDS
    assert "temporarily unavailable" in response.content.decode()


def test_an_api_call_during_an_outage_is_503_json_with_retry_after(web, database_refused):
    assert_api_outage(web.get("/api/v1/auth/tokens/", HTTP_AUTHORIZATION=TOKEN))


def test_the_token_endpoint_during_an_outage_is_503(web, database_refused):
    response = web.post(
        "/api/v1/auth/token/", {"username": "giulia", "password": "secret"}, content_type="application/json"
    )
    assert_api_outage(response)


def test_an_outage_met_in_a_middleware_is_503_json_too(web, database_refused):
    # The Idempotency-Key middleware reads the database before any view runs.
    response = web.post(
        "/api/v1/auth/tokens/", {}, content_type="application/json", HTTP_AUTHORIZATION=TOKEN, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert_api_outage(response)


def test_a_page_during_an_outage_is_a_plain_503_page(web, database_refused):
    web.cookies[settings.SESSION_COOKIE_NAME] = SESSION_COOKIE
    response = web.get("/")
    assert_page_outage(response)
    assert '<html lang="en">' in response.content.decode()


def test_the_outage_page_speaks_the_visitors_language(web, database_refused):
    web.cookies[settings.SESSION_COOKIE_NAME] = SESSION_COOKIE
    response = web.get("/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 503
    assert '<html lang="it">' in response.content.decode()


def test_liveness_needs_no_database_and_stays_200(web, database_refused):
    assert web.get("/healthz").status_code == 200


def test_a_bug_is_still_a_500_not_an_outage(web, monkeypatch, db):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("kpo.api.token_views.tokens.api_token_list", broken)
    from tests.factories import UserFactory

    web.force_login(UserFactory())
    response = web.get("/api/v1/auth/tokens/")
    assert response.status_code == 500
    assert response.json() == {"detail": SERVER_ERROR_MESSAGE}
    assert "Retry-After" not in response


def test_the_classification_follows_the_cause_chain():
    from django.db import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        try:
            raise RedisConnectionError("refused")
        except RedisConnectionError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as wrapped:
        assert is_outage(wrapped)
    assert is_outage(OperationalError("server closed the connection unexpectedly"))
    assert not is_outage(ValueError("a bug"))


@pytest.mark.usefixtures("django_db_blocker")
def test_a_postgresql_that_stops_under_a_live_connection_gives_503s(web, django_db_blocker):
    with PostgresCluster() as cluster:
        where = {"HOST": "127.0.0.1", "PORT": cluster.port, "NAME": cluster.database, "USER": "postgres"}
        with database_at(django_db_blocker, **where, PASSWORD="", CONN_MAX_AGE=600):
            with connection.cursor() as cursor:  # a live connection to the server
                cursor.execute("SELECT 1")
                assert cursor.fetchone() == (1,)
            cluster.stop(remove=False)
            assert_api_outage(web.get("/api/v1/auth/tokens/", HTTP_AUTHORIZATION=TOKEN))
            web.cookies[settings.SESSION_COOKIE_NAME] = SESSION_COOKIE
            assert_page_outage(web.get("/"))
