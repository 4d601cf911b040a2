"""'View as buyer': a vendor's members see their own firm's page as the directory shows it to
buyers (the same page, read by the same code), from the portal; nobody else reaches it, and
no request can point it at another firm."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import VendorFactory, VendorMembershipFactory, VendorSkillFactory, skill
from tests.vendors.helpers import make_vendor

pytestmark = pytest.mark.django_db
PREVIEW = "/vendors/profile/preview/"


@pytest.fixture
def lumen(db):
    vendor = make_vendor(
        "Lumen Insight",
        country="IN",
        tz="Asia/Kolkata",
        city="Pune",
        rate="40.00",
        currency="USD",
        domains=("finance",),
        skills=(),
        description="Month-end close and FP&A.",
    )
    VendorSkillFactory(vendor=vendor, skill=skill("financial-reporting"), proficiency=5, years_experience=12)
    return vendor


def main(page: str) -> str:
    """The page's content below its head (the buyer's breadcrumb and links, or the preview's banner)."""
    content = page.split('<div class="stats">', 1)[1].split("</main>", 1)[0]
    content = re.sub(r'datetime="[^"]*"', 'datetime=""', content)  # each centre's local time, to the microsecond
    return re.sub(r"\s+", " ", content)


def test_a_member_sees_the_firms_page_as_a_buyer_without_an_organization_does(client, lumen):
    member = VendorMembershipFactory(vendor=lumen, role="editor").user
    staff = VendorMembershipFactory(vendor=VendorFactory(), role="editor").user
    staff.is_staff = True
    # Dates show in the viewer's zone: both read them in one, so the pages can be compared.
    member.time_zone = staff.time_zone = "Pacific/Kiritimati"
    member.save()
    staff.save()
    client.force_login(staff)
    as_buyer = client.get(reverse("vendors:detail", args=[lumen.slug])).content.decode()

    client.force_login(member)
    response = client.get(PREVIEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This is your profile as buyers see it in the directory." in page
    assert 'href="/vendors/profile/"' in page
    # Below the banner, the very page a buyer without an organization gets (rates in the base currency).
    assert main(page) == main(as_buyer)
    assert "Financial reporting" in page and "Month-end close and FP&amp;A." in page


def test_the_portal_links_the_preview(client, lumen):
    client.force_login(VendorMembershipFactory(vendor=lumen, role="editor").user)
    assert f'href="{PREVIEW}"' in client.get(reverse("vendors:profile-edit")).content.decode()
    assert f'href="{PREVIEW}"' in client.get("/").content.decode()


def test_an_inactive_firm_is_told_buyers_cannot_see_it(client, lumen):
    lumen.is_active = False
    lumen.save()
    client.force_login(VendorMembershipFactory(vendor=lumen, role="admin").user)
    page = client.get(PREVIEW).content.decode()
    assert "Buyers cannot see it now: your firm is inactive." in page
    assert client.get(reverse("vendors:detail", args=[lumen.slug])).status_code == 404  # as buyers find it


def test_only_a_vendors_members_reach_it_and_only_for_their_own_firm(client, lumen, owner):
    other = VendorFactory(name="Other Firm")
    client.force_login(VendorMembershipFactory(vendor=other, role="editor").user)
    page = client.get(PREVIEW, {"slug": lumen.slug, "vendor": lumen.pk}).content.decode()
    assert "Other Firm" in page and "Lumen Insight" not in page  # the membership decides, not the query
    client.force_login(owner)  # a procurement manager
    assert client.get(PREVIEW).status_code == 404
    client.logout()
    assert client.get(PREVIEW).status_code == 302
