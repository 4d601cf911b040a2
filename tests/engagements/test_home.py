from datetime import date

import pytest
from django.urls import reverse

from engagements.demo import DEMO_PASSWORD, seed_demo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return seed_demo(seed=42, vendors=25, today=date(2026, 11, 27))


def sign_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_procurement_manager_sees_the_client_dashboard(client, demo, django_assert_max_num_queries):
    sign_in(client, "manager")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert "Banca Aurora S.p.A." in html
    assert "GDPR contract review backlog" in html
    assert "Helix" not in html  # another client's requirement never shows
    assert "Lumen Insight Partners" in html  # the active engagement


def test_the_vendor_member_sees_the_vendor_dashboard(client, demo):
    sign_in(client, "vendor")
    html = client.get(reverse("home")).content.decode()
    assert "Lumen Insight Partners" in html
    assert "Proposed engagements" in html
    assert "IFRS 9 reporting and month-end close support" in html  # proposed to this vendor
    assert "Open requirements" not in html


def test_staff_see_the_operations_dashboard(client, demo):
    sign_in(client, "staff")
    html = client.get(reverse("home")).content.decode()
    assert "Platform operations" in html
    assert "Awaiting verification" in html
    assert reverse("admin:index") in html


def test_a_user_without_an_organization_is_told_so(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert "not linked to an organization" in html


def test_a_wrong_password_is_refused_with_a_message(client, demo):
    response = client.post(reverse("login"), {"username": "manager", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, demo):
    sign_in(client, "manager")
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_vendor_written_text_is_escaped_on_the_dashboard(client, demo):
    from vendors.models import Vendor

    Vendor.objects.filter(slug="lumen-insight-partners").update(description="<script>alert('x')</script> Great firm")
    sign_in(client, "vendor")
    html = client.get(reverse("home")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_forms_carry_a_csrf_token(client, demo):
    sign_in(client, "manager")
    html = client.get(reverse("home")).content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 2  # sign-out and language forms
