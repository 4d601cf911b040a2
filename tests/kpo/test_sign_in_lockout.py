"""Sign-in is rate-limited by username and address, and by address alone at a higher
limit (django-axes, kpo/sign_in_lockout.py), with a cool-off; the web form and the API's
token endpoint share the limits, and the address is the client's behind trusted proxies."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ClientMembershipFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def manager():
    return ClientMembershipFactory(user__username="giulia").user


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, username, address="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, username, "wrong", address).status_code == 200
    # The failure that reaches the limit is answered with the lock-out page.
    assert sign_in(client, username, "wrong", address).status_code == 429


def test_repeated_failures_lock_the_username_from_that_address(client, manager):
    fail_until_locked(client, "giulia")
    response = sign_in(client, "giulia", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_does_not_reach_other_addresses_or_other_users(client, manager):
    ClientMembershipFactory(user__username="marco")
    fail_until_locked(client, "giulia")
    assert sign_in(client, "giulia", PASSWORD, address="198.51.100.9").status_code == 302
    client.logout()
    assert sign_in(client, "marco", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, manager):
    fail_until_locked(client, "giulia")
    assert sign_in(client, "giulia", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(hours=1))
    assert sign_in(client, "giulia", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(client, manager):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "giulia", "wrong")
    assert sign_in(client, "giulia", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "giulia", "wrong")
    assert sign_in(client, "giulia", PASSWORD).status_code == 302


# --------------------------------------------------------------------------- spraying from one address

TOKEN_URL = "/api/v1/auth/token/"
SPRAYER = "192.0.2.66"


def spray(client, count, *, address=SPRAYER, start=0, **extra):
    """Wrong passwords for `count` different usernames from one address; their answers."""
    return [
        client.post(
            reverse("login"), {"username": f"guess{start + n}", "password": "wrong"}, REMOTE_ADDR=address, **extra
        ).status_code
        for n in range(count)
    ]


def test_spraying_many_usernames_from_one_address_locks_the_address(client, manager):
    below = settings.AXES_ADDRESS_FAILURE_LIMIT - 1
    assert settings.AXES_FAILURE_LIMIT < settings.AXES_ADDRESS_FAILURE_LIMIT
    assert spray(client, below) == [200] * below
    # The failure that reaches the address's limit is answered with the lock-out page...
    assert spray(client, 1, start=below) == [429]
    # ...and the address stays locked for every username, the right password included.
    response = sign_in(client, "giulia", PASSWORD, address=SPRAYER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_lock_does_not_reach_other_addresses(client, manager):
    spray(client, settings.AXES_ADDRESS_FAILURE_LIMIT)
    assert sign_in(client, "giulia", PASSWORD, address="198.51.100.9").status_code == 302


def test_a_few_failures_per_user_from_a_shared_office_address_lock_no_one_else(client, manager):
    # Below the address's limit, each colleague's failures count for their own username only.
    users = (settings.AXES_ADDRESS_FAILURE_LIMIT - 1) // (settings.AXES_FAILURE_LIMIT - 1)
    for n in range(users):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(client, f"colleague{n}", "wrong").status_code == 200
    assert sign_in(client, "giulia", PASSWORD).status_code == 302


def test_a_successful_sign_in_does_not_clear_the_addresss_failures(client, manager):
    below = settings.AXES_ADDRESS_FAILURE_LIMIT - 1
    spray(client, below)
    # The sprayer owns one valid account: signing in with it clears only its own failures.
    assert sign_in(client, "giulia", PASSWORD, address=SPRAYER).status_code == 302
    client.logout()
    assert spray(client, 1, start=below) == [429]


def test_the_token_endpoint_shares_the_address_lock(manager):
    api = APIClient()

    def create(username, given="wrong", address=SPRAYER):
        return api.post(TOKEN_URL, {"username": username, "password": given}, format="json", REMOTE_ADDR=address)

    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        assert create(f"guess{n}").status_code == 400
    locked = create("guess-last")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    assert create("giulia", PASSWORD).status_code == 429
    assert create("giulia", PASSWORD, address="198.51.100.9").status_code == 201


def test_failures_on_the_form_and_the_api_add_up(client, manager):
    half = settings.AXES_ADDRESS_FAILURE_LIMIT // 2
    spray(client, half)
    api = APIClient()
    statuses = [
        api.post(
            TOKEN_URL, {"username": f"api-guess{n}", "password": "wrong"}, format="json", REMOTE_ADDR=SPRAYER
        ).status_code
        for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT - half)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {400}


# --------------------------------------------------------------------------- the client's address


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock_without_a_trusted_proxy(client, manager):
    statuses = [
        client.post(
            reverse("login"),
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR=SPRAYER,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429


PROXY = "10.0.0.2"


@pytest.fixture
def behind_one_proxy():
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        yield


def test_behind_a_trusted_proxy_the_lock_is_by_the_forwarded_client_address(client, manager, behind_one_proxy):
    # Every request comes from the proxy; the client's address is the last X-Forwarded-For entry.
    forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.200, {SPRAYER}"}
    statuses = spray(client, settings.AXES_ADDRESS_FAILURE_LIMIT, address=PROXY, **forwarded)
    assert statuses[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {SPRAYER}
    # Another client behind the same proxy is not affected.
    response = client.post(
        reverse("login"),
        {"username": "giulia", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert response.status_code == 302


def test_a_forwarded_value_that_is_not_an_address_falls_back_to_the_connection(client, manager, behind_one_proxy):
    client.post(
        reverse("login"),
        {"username": "giulia", "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="nonsense",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]
