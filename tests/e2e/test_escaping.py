"""Vendor-written text is untrusted: markup in it renders as text, and its
scripts never run, on every page where it appears (checked in Chromium)."""

from __future__ import annotations

import pytest

from engagements.demo import DEMO_VENDOR_SLUG
from engagements.matching import runs
from engagements.models import Engagement, Requirement, Review
from tests.e2e import pages
from vendors.models import DeliveryCenter, Vendor

PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture
def hostile_vendor(demo_data):
    vendor = Vendor.objects.get(slug=DEMO_VENDOR_SLUG)
    vendor.name = f"Lumen {PAYLOAD}"
    vendor.description = f"Great firm {PAYLOAD}"
    vendor.save()
    DeliveryCenter.objects.filter(vendor=vendor, city="Pune").update(city=f"Pune {PAYLOAD}")
    Review.objects.filter(vendor=vendor).update(comment=f"Loved it {PAYLOAD}")
    requirement = Requirement.objects.get(
        client__slug="banca-aurora", title="IFRS 9 reporting and month-end close support"
    )
    run = runs.match_run_create(requirement=requirement)
    runs.match_run_execute(run_id=run.pk, task_id="escaping")
    other = Vendor.objects.filter(is_active=True).exclude(pk=vendor.pk).order_by("pk").first()
    engagement = Engagement.objects.filter(vendor=vendor, client__slug="banca-aurora").order_by("pk").first()
    return {
        "pages": [
            "/",
            f"/vendors/?q={DEMO_VENDOR_SLUG.split('-')[0]}",
            f"/vendors/{DEMO_VENDOR_SLUG}/",
            f"/vendors/compare/?v={DEMO_VENDOR_SLUG}&v={other.slug}",
            f"/requirements/{requirement.pk}/runs/{run.pk}/",
            f"/engagements/{engagement.pk}/",
            "/engagements/",
        ]
    }


def assert_inert(page) -> None:
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("main img[src='x']").count() == 0
    assert "<script>window.__xss=2</script>" in page.locator("main").inner_text()


def test_vendor_markup_is_text_on_every_buyer_page(page, live_server, hostile_vendor):
    pages.sign_in(page, live_server, "manager")
    for path in hostile_vendor["pages"]:
        page.goto(f"{live_server.url}{path}")
        assert_inert(page)


def test_vendor_markup_is_text_on_the_vendors_own_dashboard(page, live_server, hostile_vendor):
    pages.sign_in(page, live_server, "vendor")
    assert_inert(page)
