"""Every date-time is shown in the viewer's zone with the zone named; a user picks a zone or
follows their organization's; an RFP deadline is shown in the buyer's and the vendor's zone
(issue 16, item 8)."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import Rfp, RfpInvitation, TeamInvitation
from engagements.organizations.timezones import vendor_zones
from kpo.zones import zoned_text
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import (
    ClientMembershipFactory,
    DeliveryCenterFactory,
    VendorFactory,
    VendorMembershipFactory,
)

pytestmark = pytest.mark.django_db

ZONE_URL = reverse("account_time_zone")


def _deadline(days: int = 10) -> datetime:
    """Noon UTC some days ahead: 17:30 in Kolkata, 13:00 in Rome (winter), 07:00 in New York."""
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def manager():
    return ClientMembershipFactory(client__timezone="Asia/Kolkata").user


@pytest.fixture
def firm():
    vendor = VendorFactory(name="Manila Analytics")
    DeliveryCenterFactory(vendor=vendor, city="Cebu", country="PH", timezone="Asia/Manila", headcount=40)
    DeliveryCenterFactory(vendor=vendor, city="Lisbon", country="PT", timezone="Europe/Lisbon", headcount=300)
    return vendor


@pytest.fixture
def rfp(manager, firm):
    run = succeeded_run(requirement_for(manager, title="Fund accounting"), vendors=[firm])
    rfp = Rfp.objects.create(
        requirement=run.requirement,
        client=run.requirement.client,
        match_run=run,
        created_by=manager,
        title="Fund accounting",
        deadline=_deadline(),
    )
    RfpInvitation.objects.create(rfp=rfp, vendor=firm, match_result=run.results.get())
    return rfp


def local_iso(rfp: Rfp, zone: str) -> str:
    return timezone.localtime(rfp.deadline, timezone=zoneinfo.ZoneInfo(zone)).isoformat(timespec="minutes")


def test_a_manager_reads_the_deadline_in_the_organizations_zone_with_the_zone_named(client, manager, rfp):
    client.force_login(manager)
    page = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    assert f'<time datetime="{local_iso(rfp, "Asia/Kolkata")}">' in page
    assert '5:30 p.m. <abbr title="Asia/Kolkata, UTC+05:30">IST</abbr>' in page
    assert 'data-viewer-zone="Asia/Kolkata"' in page  # the footer says which zone the page is in


def test_a_personal_zone_wins_over_the_organizations(client, manager, rfp):
    manager.time_zone = "America/New_York"
    manager.save()
    client.force_login(manager)
    page = client.get(reverse("rfps:list")).content.decode()
    assert f'<time datetime="{local_iso(rfp, "America/New_York")}">' in page
    assert ">EST</abbr>" in page
    assert "IST</abbr>" not in page


def test_the_manager_sees_the_deadline_as_each_invited_vendor_reads_it(client, manager, rfp, firm):
    client.force_login(manager)
    page = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    # The firm's main centre is the larger one: Lisbon, not Cebu.
    assert 'data-vendor-zone="Europe/Lisbon"' in page
    assert f'<time datetime="{local_iso(rfp, "Europe/Lisbon")}">' in page


def test_a_vendor_member_reads_the_deadline_in_the_firms_zone_and_in_the_clients(client, rfp, firm):
    member = VendorMembershipFactory(vendor=firm, role="editor").user
    client.force_login(member)
    invitation = rfp.invitations.get()
    for url in (
        reverse("vendor_portal:invitation_detail", args=[invitation.pk]),
        reverse("vendor_portal:invitation_list"),
        reverse("home"),
    ):
        page = client.get(url).content.decode()
        assert f'<time datetime="{local_iso(rfp, "Europe/Lisbon")}">' in page, url
        assert 'data-other-zone="Asia/Kolkata"' in page, url
        assert f'<time datetime="{local_iso(rfp, "Asia/Kolkata")}">' in page, url
        assert "for the client" in page, url


def test_the_clients_time_is_left_out_when_it_reads_the_same(client, rfp, firm):
    member = VendorMembershipFactory(vendor=firm, role="editor").user
    member.time_zone = "Asia/Kolkata"
    member.save()
    client.force_login(member)
    page = client.get(reverse("vendor_portal:invitation_list")).content.decode()
    assert f'<time datetime="{local_iso(rfp, "Asia/Kolkata")}">' in page
    assert "for the client" not in page


def test_a_firm_without_a_delivery_centre_reads_the_platforms_zone(client, rfp):
    lonely = VendorFactory()
    member = VendorMembershipFactory(vendor=lonely, role="admin").user
    client.force_login(member)
    page = client.get(ZONE_URL).content.decode()
    assert 'data-zone-source="platform"' in page
    assert 'data-viewer-zone="UTC"' in page
    assert vendor_zones([lonely.pk]) == {}


def test_the_deadline_typed_in_the_form_is_read_in_the_managers_own_zone(client, manager, firm):
    manager.time_zone = "America/New_York"
    manager.save()
    run = succeeded_run(requirement_for(manager, title="Audit support"), vendors=[firm])
    client.force_login(manager)
    form = client.get(reverse("requirements:rfp_create", args=[run.requirement_id, run.pk])).content.decode()
    assert "Your time, America/New_York." in form
    day = (timezone.now() + timedelta(days=5)).date()
    response = client.post(
        reverse("requirements:rfp_create", args=[run.requirement_id, run.pk]),
        {
            "title": "Audit support",
            "vendors": [str(firm.pk)],
            "deadline": f"{day.isoformat()}T17:00",
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Approach",
            "criteria-0-weight": "100",
        },
    )
    assert response.status_code == 302
    deadline = Rfp.objects.get(requirement=run.requirement).deadline
    # 17:00 in New York in winter is 22:00 UTC.
    assert deadline == datetime(day.year, day.month, day.day, 22, 0, tzinfo=UTC)


def test_the_invitation_email_gives_the_deadline_in_the_vendors_zone_and_the_clients(
    client, manager, firm, mailoutbox, django_capture_on_commit_callbacks
):
    VendorMembershipFactory(vendor=firm, role="admin", user__email="bids@manila.example")
    run = succeeded_run(requirement_for(manager, title="Audit support"), vendors=[firm])
    client.force_login(manager)
    day = (timezone.now() + timedelta(days=5)).date()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("requirements:rfp_create", args=[run.requirement_id, run.pk]),
            {
                "title": "Audit support",
                "vendors": [str(firm.pk)],
                "deadline": f"{day.isoformat()}T17:00",  # Kolkata, the manager's organization's zone
                "criteria-TOTAL_FORMS": "1",
                "criteria-INITIAL_FORMS": "0",
                "criteria-0-name": "Approach",
                "criteria-0-weight": "100",
            },
        )
    (mail,) = mailoutbox
    # 17:00 IST is 11:30 UTC, 11:30 WET in Lisbon.
    assert "11:30 a.m. WET (" in mail.body and "5 p.m. IST for the client)" in mail.body
    assert " UTC." not in mail.body


def test_the_api_keeps_answering_in_utc(client, manager, rfp):
    manager.time_zone = "Asia/Tokyo"
    manager.save()
    client.force_login(manager)
    body = client.get(f"/api/v1/rfps/{rfp.pk}/").json()
    assert body["deadline"].endswith("Z") and "T12:00:00" in body["deadline"]


def test_a_user_picks_a_zone_and_goes_back_to_the_organizations(client, manager, rfp):
    client.force_login(manager)
    page = client.get(ZONE_URL).content.decode()
    assert 'data-zone-source="organization"' in page
    assert "My organization&#x27;s zone (Asia/Kolkata)" in page

    response = client.post(ZONE_URL, {"time_zone": "Europe/Rome"}, follow=True)
    manager.refresh_from_db()
    assert manager.time_zone == "Europe/Rome"
    assert 'data-zone-source="personal"' in response.content.decode()
    detail = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    assert f'<time datetime="{local_iso(rfp, "Europe/Rome")}">' in detail

    client.post(ZONE_URL, {"time_zone": ""})
    manager.refresh_from_db()
    assert manager.time_zone is None


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "../../etc/passwd", "x" * 500, "Europe/Rome\x00"])
def test_an_unknown_zone_is_refused_and_changes_nothing(client, manager, bad):
    manager.time_zone = "Europe/Rome"
    manager.save()
    client.force_login(manager)
    response = client.post(ZONE_URL, {"time_zone": bad})
    assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.time_zone == "Europe/Rome"


def test_the_time_zone_page_needs_a_signed_in_user(client):
    response = client.get(ZONE_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_team_invitation_expires_in_the_firms_zone_as_the_email_says(
    client, firm, mailoutbox, django_capture_on_commit_callbacks
):
    admin = VendorMembershipFactory(vendor=firm, role="admin").user
    admin.time_zone = "America/Chicago"  # the inviter's own zone: the invitee does not share it
    admin.save()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("vendor_team:invite"), {"email": "new.hire@example.com", "role": "editor"})
    (mail,) = mailoutbox
    expires = TeamInvitation.objects.get().expires_at
    assert f" {zoned_text(expires, 'Europe/Lisbon')}." in mail.body
    assert "WET." in mail.body or "WEST." in mail.body
    # The team page shows the inviter the same moment in their own zone.
    page = client.get(reverse("vendor_team:team")).content.decode()
    assert (
        f'<time datetime="{timezone.localtime(expires, zoneinfo.ZoneInfo("America/Chicago")).isoformat(timespec="minutes")}">'
        in page
    )


def test_a_zone_the_systems_database_no_longer_knows_falls_back_to_utc(client, manager, rfp):
    # Stored when the zone existed (tz databases retire names); the page must still open.
    type(manager).objects.filter(pk=manager.pk).update(time_zone="Mars/Olympus_Mons")
    client.force_login(manager)
    page = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    assert f'<time datetime="{local_iso(rfp, "UTC")}">' in page


def test_a_vendor_member_page_reads_the_firms_zone_in_the_membership_query(client, firm, django_assert_num_queries):
    lonely = VendorFactory()
    for vendor in (firm, lonely):  # with a centre, and without one
        member = VendorMembershipFactory(vendor=vendor, role="editor").user
        client.force_login(member)
        client.get(ZONE_URL)
        with django_assert_num_queries(3):  # session, user, membership with its firm and zone
            client.get(ZONE_URL)
