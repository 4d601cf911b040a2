"""Every field of a vendor's profile that matching reads is in its change history, old -> new,
with who and when: a centre moved to another country (which can turn it from offshore to
onshore for a buyer), a skill, rate level or certification row replaced by another, besides
the changes the history already named (rates, proficiency, time zones, domains, ...)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import (
    DeliveryCenterFactory,
    RateCardFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
    VendorSkillFactory,
    skill,
)
from tests.vendors.factories_extra import VendorCertificationFactory, certification
from tests.vendors.test_profile_edit import page_data, row_index
from vendors import history as vendors_history
from vendors.models import Seniority

pytestmark = pytest.mark.django_db


def texts(vendor) -> list[str]:
    return [entry.text for entry in vendors_history.vendor_change_history(vendor)]


def test_a_centre_moved_to_another_country_on_the_edit_page_is_in_the_history_buyers_see(client, owner):
    firm = VendorFactory(name="Lumen Insight")
    DeliveryCenterFactory(vendor=firm, country="IN", city="Pune", timezone="Asia/Kolkata", headcount=40)
    member = VendorMembershipFactory(vendor=firm, user=UserFactory(username="priya")).user
    client.force_login(member)
    data = page_data(firm)
    row = row_index(data, "centres", "city", "Pune")
    data.update(
        {f"centres-{row}-country": "IT", f"centres-{row}-city": "Milan", f"centres-{row}-timezone": "Europe/Rome"}
    )
    assert client.post("/vendors/profile/", data).status_code == 302

    entries = vendors_history.vendor_change_history(firm, name_users=True)
    moved = next(entry for entry in entries if entry.text.startswith("Delivery centre moved"))
    assert moved.text == "Delivery centre moved from Pune, India to Milan, Italy"
    assert moved.by == "priya"
    client.force_login(owner)
    page = client.get(reverse("vendors:detail", args=[firm.slug])).content.decode()
    assert "Delivery centre moved from Pune, India to Milan, Italy" in page


def test_a_centre_renamed_within_its_country_is_in_the_history():
    centre = DeliveryCenterFactory(country="IN", city="Pune", timezone="Asia/Kolkata")
    centre.city = "Mumbai"
    centre.save()
    assert "Delivery centre moved from Pune, India to Mumbai, India" in texts(centre.vendor)


def test_a_skill_row_given_another_skill_is_in_the_history():
    row = VendorSkillFactory(skill=skill("fpa"), proficiency=3, years_experience=4)
    row.skill = skill("financial-reporting")
    row.proficiency = 5
    row.save()
    assert f"Skill {skill('fpa').name} replaced by {skill('financial-reporting').name} (proficiency 5/5, 4 years)" in (
        texts(row.vendor)
    )


def test_a_rate_card_moved_to_another_level_is_in_the_history():
    card = RateCardFactory(seniority=Seniority.SENIOR, hourly_rate=Decimal("40.00"), currency="USD")
    card.seniority = Seniority.EXPERT
    card.hourly_rate = Decimal("55.00")
    card.save()
    assert "Senior rate of 40.00 USD became the Expert rate, at 55.00 USD" in texts(card.vendor)


def test_a_certification_row_given_another_certification_is_in_the_history():
    row = VendorCertificationFactory(certification=certification("iso_27001"), valid_until=date(2027, 6, 30))
    row.certification = certification("iso_9001")
    row.save()
    old, new = certification("iso_27001").name, certification("iso_9001").name
    assert f"Certification {old} replaced by {new} (valid until June 30, 2027)" in texts(row.vendor)


def test_a_certification_without_an_end_reads_no_expiry_and_its_end_in_the_readers_format():
    row = VendorCertificationFactory(certification=certification("iso_27001"), valid_until=None)
    name = certification("iso_27001").name
    assert f"Certification {name} added (no expiry)" in texts(row.vendor)
    row.valid_until = date(2027, 6, 30)
    row.save()
    assert f"{name} validity changed from no expiry to June 30, 2027" in texts(row.vendor)
    with translation.override("it"):
        assert f"Validità di {name} modificata da senza scadenza a 30 Giugno 2027" in texts(row.vendor)
