"""Sign-in is rate-limited by username and address (django-axes), with a cool-off."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

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
