"""Writes each part of a vendor's document in the ways code can (save, bulk
create, QuerySet.update, delete, m2m add/remove, a taxonomy rename) and reports
whether the vendor's change number advanced each time. Shared by the
PostgreSQL test and the SQLite one (run in a subprocess on a fresh database)."""

from __future__ import annotations

from decimal import Decimal


def probe() -> dict[str, bool]:
    from vendors.models import (
        Certification,
        DeliveryCenter,
        ExpertiseArea,
        RateCard,
        Skill,
        Vendor,
        VendorCertification,
        VendorLanguage,
        VendorSkill,
    )

    vendor = Vendor.objects.create(name="Probe Analytics", slug="probe-analytics", headquarters_country="IN")
    bystander = Vendor.objects.create(name="Bystander", slug="probe-bystander", headquarters_country="DE")
    area = ExpertiseArea.objects.order_by("id").first()
    skill = Skill.objects.order_by("id").first()
    certification = Certification.objects.order_by("id").first()
    VendorSkill.objects.create(vendor=bystander, skill=Skill.objects.order_by("id").last(), proficiency=3)

    def seq(of=vendor) -> int:
        return Vendor.objects.get(pk=of.pk).change_seq

    results: dict[str, bool] = {}

    def check(name: str, write) -> None:
        before, bystander_before = seq(), seq(bystander)
        write()
        results[name] = seq() > before
        results[f"{name} (other vendor untouched)"] = seq(bystander) == bystander_before

    check("language added", lambda: VendorLanguage.objects.create(vendor=vendor, code="en"))
    check(
        "languages bulk-created", lambda: VendorLanguage.objects.bulk_create([VendorLanguage(vendor=vendor, code="it")])
    )
    check("domain added (m2m)", lambda: vendor.domains.add(area))
    check("skill added", lambda: VendorSkill.objects.create(vendor=vendor, skill=skill, proficiency=4))
    check("skill level updated in bulk", lambda: VendorSkill.objects.filter(vendor=vendor).update(proficiency=5))
    rate = RateCard.objects.create(vendor=vendor, seniority="senior", hourly_rate=Decimal("40"), currency="USD")
    check("rate saved", lambda: (setattr(rate, "hourly_rate", Decimal("41")), rate.save()))
    centre = DeliveryCenter.objects.create(vendor=vendor, country="IN", city="Pune", timezone="Asia/Kolkata")
    check("centre deleted", centre.delete)
    VendorCertification.objects.create(vendor=vendor, certification=certification)
    check(
        "certification expiry changed",
        lambda: VendorCertification.objects.filter(vendor=vendor).update(valid_until="2030-01-01"),
    )
    check("skill code renamed", lambda: Skill.objects.filter(pk=skill.pk).update(code="probe-renamed"))
    check(
        "domain name renamed (orders the list)",
        lambda: ExpertiseArea.objects.filter(pk=area.pk).update(name="Probe area"),
    )
    check(
        "certification code renamed",
        lambda: Certification.objects.filter(pk=certification.pk).update(code="probe-cert"),
    )
    check("domain removed (m2m)", lambda: vendor.domains.remove(area))
    before = seq()
    Skill.objects.filter(pk=skill.pk).update(description="Not shown in the document")
    results["a skill's description is not part of the document"] = seq() == before
    results.update(_probe_requirement())
    return results


def _probe_requirement() -> dict[str, bool]:
    """The same for a requirement: its skills and required certifications, and
    the domain, skill and certification codes it names."""
    from datetime import time

    from engagements.models import ClientOrganization, Requirement, RequirementSkill
    from vendors.models import Certification, ExpertiseArea, Skill

    client = ClientOrganization.objects.create(
        name="Probe Bank",
        slug="probe-bank",
        country="IT",
        timezone="Europe/Rome",
        currency="EUR",
        working_hours_start=time(9),
        working_hours_end=time(18),
    )
    area = ExpertiseArea.objects.order_by("-id").first()
    requirement = Requirement.objects.create(
        client=client,
        title="Probe need",
        domain=area,
        budget_hourly_rate=Decimal("50"),
        currency="EUR",
        estimated_hours=100,
        fte_needed=Decimal("1"),
    )
    skill = Skill.objects.order_by("-id").first()
    certification = Certification.objects.order_by("-id").first()

    def seq() -> int:
        return Requirement.objects.get(pk=requirement.pk).change_seq

    results: dict[str, bool] = {}

    def check(name: str, write) -> None:
        before = seq()
        write()
        results[f"requirement: {name}"] = seq() > before

    check("skill added", lambda: RequirementSkill.objects.create(requirement=requirement, skill=skill))
    check("skill weight updated", lambda: RequirementSkill.objects.filter(requirement=requirement).update(weight=2))
    check("certification required (m2m)", lambda: requirement.required_certifications.add(certification))
    check("skill code renamed", lambda: Skill.objects.filter(pk=skill.pk).update(code="probe-req-skill"))
    check("certification code renamed", lambda: Certification.objects.filter(pk=certification.pk).update(code="pc2"))
    check("domain code renamed", lambda: ExpertiseArea.objects.filter(pk=area.pk).update(code="probe-area"))
    check("certification dropped (m2m)", lambda: requirement.required_certifications.remove(certification))
    check("skill deleted", lambda: RequirementSkill.objects.filter(requirement=requirement).delete())
    results.update(_probe_engagement(requirement))
    return results


def _probe_engagement(requirement) -> dict[str, bool]:
    """An engagement shows its vendor as {id, slug, name}: renaming the vendor
    advances the engagement; a change it does not show does not."""
    from datetime import date

    from engagements.models import Engagement
    from vendors.models import Vendor

    vendor = Vendor.objects.create(name="Probe Partner", slug="probe-partner", headquarters_country="IN")
    engagement = Engagement.objects.create(
        requirement=requirement,
        client=requirement.client,
        vendor=vendor,
        agreed_rate=Decimal("40"),
        currency="EUR",
        fte=Decimal("1"),
        start_date=date(2027, 1, 4),
    )

    def seq() -> int:
        return Engagement.objects.get(pk=engagement.pk).change_seq

    results: dict[str, bool] = {}
    before = seq()
    Vendor.objects.filter(pk=vendor.pk).update(name="Probe Partner Renamed")
    results["engagement: its vendor renamed"] = seq() > before
    before = seq()
    Vendor.objects.filter(pk=vendor.pk).update(slug="probe-partner-2")
    results["engagement: its vendor's slug changed"] = seq() > before
    before = seq()
    Vendor.objects.filter(pk=vendor.pk).update(description="Not shown on the engagement")
    results["engagement: a vendor field it does not show leaves it alone"] = seq() == before
    return results
