"""A milestone counts in the vendor's on-time record only once both sides agree it was delivered:
one declares it delivered (only while the engagement is active), the other confirms it; a change
made after the confirmation is recorded and shown to both sides (docs/scoring.md, "Milestones")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.admin.widgets import AdminSplitDateTime as SplitDateTimeWidget
from django.urls import reverse
from django.utils import timezone

from engagements.delivery import services as delivery_services
from engagements.models import Milestone
from tests.engagements.delivery.helpers import api, url
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def counts(vendor_id: int) -> tuple[int, int]:
    return (
        Vendor.objects.filter(pk=vendor_id).values_list("milestones_accepted_count", "milestones_on_time_count").get()
    )


def test_through_the_api_the_side_that_did_not_declare_confirms(deal):
    owner, vendor_admin = deal.owner, deal.members[0]
    engagement = deal.engagement(status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="Close", due_date=timezone.localdate())

    declared = api(owner).post(url(engagement, f"milestones/{milestone.pk}/deliver/"))
    assert declared.status_code == 200
    assert (declared.json()["delivered_by"], declared.json()["accepted_by"]) == ("client", None)
    refused = api(owner).post(url(engagement, f"milestones/{milestone.pk}/accept/"))
    assert refused.status_code == 403  # the client declared it: the client cannot also confirm it
    assert counts(engagement.vendor_id) == (0, 0)

    confirmed = api(vendor_admin).post(url(engagement, f"milestones/{milestone.pk}/accept/"))
    assert confirmed.status_code == 200, confirmed.data
    assert (confirmed.json()["status"], confirmed.json()["accepted_by"]) == ("accepted", "vendor")
    assert counts(engagement.vendor_id) == (1, 1)


def test_a_proposed_engagement_takes_no_delivery_through_the_api(deal):
    engagement = deal.engagement(status="proposed")
    milestone = Milestone.objects.create(engagement=engagement, title="Kick-off", due_date=date(2026, 12, 1))
    for user in (deal.owner, deal.members[0]):
        response = api(user).post(url(engagement, f"milestones/{milestone.pk}/deliver/"))
        assert response.status_code == 409
        assert "has not accepted this engagement yet" in response.json()["detail"]
    milestone.refresh_from_db()
    assert milestone.status == "pending"


def test_the_vendor_confirms_in_its_portal_a_delivery_the_client_declared(client, deal):
    engagement = deal.engagement(status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="Close", due_date=timezone.localdate())
    delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=deal.owner)
    client.force_login(deal.members[0])
    page = client.get(reverse("vendor_portal:engagement_detail", args=[engagement.pk])).content.decode()
    assert "Confirm delivery" in page and "by the client" in page
    response = client.post(reverse("vendor_portal:milestone_confirm", args=[engagement.pk, milestone.pk]))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.accepted_by) == ("accepted", "vendor")


def test_an_edit_after_confirmation_is_recorded_shown_to_both_sides_and_recounted(client, deal, staff_user):
    owner, vendor_admin = deal.owner, deal.members[0]
    engagement = deal.engagement(status="active")
    today = timezone.localdate()
    milestone = Milestone.objects.create(engagement=engagement, title="Close", due_date=today + timedelta(days=5))
    delivery_services.milestone_advance(milestone=milestone, action="deliver", actor=vendor_admin)
    delivery_services.milestone_advance(milestone=milestone, action="accept", actor=owner)
    assert counts(engagement.vendor_id) == (1, 1)

    # Staff move the due date before the delivery, through the engagement's admin page.
    client.force_login(staff_user)
    change_url = reverse("admin:engagements_engagement_change", args=[engagement.pk])
    page = client.get(change_url)
    data = _form_data(page.context["adminform"].form)
    data.update(_inline_data(page, milestone, due_date=today - timedelta(days=5)))
    response = client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert counts(engagement.vendor_id) == (1, 0)  # now late: the vendor's record follows

    listed = api(owner).get(url(engagement, "milestones/")).json()[0]
    [change] = listed["changes_after_acceptance"]  # the due date only (the form kept the delivery time)
    assert (change["field"], change["by"]) == ("due_date", "staff")
    assert (change["old"], change["new"]) == (str(today + timedelta(days=5)), str(today - timedelta(days=5)))
    for user, page_url in (
        (owner, reverse("engagements:detail", args=[engagement.pk])),
        (vendor_admin, reverse("vendor_portal:engagement_detail", args=[engagement.pk])),
    ):
        client.force_login(user)
        page = client.get(page_url).content.decode()
        assert "Changed after confirmation:" in page and "KPO Match staff" in page


def _inline_data(response, milestone, **changes) -> dict:
    """The inlines' POST data as the page renders them, with `changes` to the milestone's form."""
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update(_form_data(management))
        for form in formset.formset.forms:
            data.update(_form_data(form, changes if form.instance.pk == milestone.pk else {}))
    return data


def _form_data(form, changes: dict | None = None) -> dict:
    """A bound-looking copy of what `form` renders: split date-times as their two inputs."""
    data = {}
    for name, field in form.fields.items():
        value = (changes or {}).get(name, form[name].value())
        key = form.add_prefix(name)
        if value is None or value is False:
            continue
        if isinstance(field.widget, SplitDateTimeWidget):
            moment = timezone.localtime(value) if isinstance(value, datetime) else None
            if moment is not None:
                data[f"{key}_0"], data[f"{key}_1"] = moment.date().isoformat(), moment.time().isoformat()
        elif value is True:
            data[key] = "on"
        elif isinstance(value, date):
            data[key] = value.isoformat()
        else:
            data[key] = str(getattr(value, "pk", value))
    return data
