"""Vendor-written text is untrusted: it renders escaped on every vendor page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DeliveryCenterFactory
from tests.vendors.factories_extra import ReviewFactory
from tests.vendors.helpers import make_vendor

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('pwned')</script>"
IMG = '<img src=x onerror="alert(1)">'


@pytest.fixture
def hostile(db):
    vendor = make_vendor(f"Evil {SCRIPT} Co", description=f"We are great. {SCRIPT} {IMG}", city=f"Pune{IMG}")
    DeliveryCenterFactory(vendor=vendor, country="PL", city=f"<b>Krakow</b>{SCRIPT}", timezone="Europe/Warsaw")
    ReviewFactory(vendor=vendor, comment=f"Nice {IMG} {SCRIPT}")
    return vendor


@pytest.fixture
def other(db):
    return make_vendor("Plain Partners")


@pytest.fixture
def manager(client, owner):
    client.force_login(owner)
    return owner


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'onerror="alert' not in html
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html


def test_the_directory_escapes_vendor_text(client, manager, hostile):
    html = client.get(reverse("vendors:list")).content.decode()
    assert_escaped(html)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_the_htmx_fragment_escapes_vendor_text(client, manager, hostile):
    html = client.get(reverse("vendors:list"), {"q": "evil"}, headers={"HX-Request": "true"}).content.decode()
    assert_escaped(html)


def test_the_vendor_page_escapes_vendor_text(client, manager, hostile):
    html = client.get(reverse("vendors:detail", args=[hostile.slug])).content.decode()
    assert_escaped(html)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html  # description and review
    assert "&lt;b&gt;Krakow&lt;/b&gt;" in html  # city


def test_the_comparison_escapes_vendor_text(client, manager, hostile, other):
    html = client.get(reverse("vendors:compare"), {"v": [hostile.slug, other.slug]}).content.decode()
    assert_escaped(html)
    assert "&lt;b&gt;Krakow&lt;/b&gt;" in html


def test_the_change_history_escapes_vendor_text(client, manager, hostile):
    centre = hostile.delivery_centers.get(country="PL")
    centre.headcount = 99
    centre.save()
    html = client.get(reverse("vendors:detail", args=[hostile.slug])).content.decode()
    assert_escaped(html)
    assert (
        "&lt;b&gt;Krakow&lt;/b&gt;&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;, Poland headcount changed from 50 to 99"
        in html
    )
