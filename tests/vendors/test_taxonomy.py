import pytest

from vendors.models import Certification, ExchangeRate, ExpertiseArea, Skill

pytestmark = pytest.mark.django_db


def test_the_eight_kpo_domains_are_seeded():
    assert set(ExpertiseArea.objects.values_list("code", flat=True)) == {
        "finance",
        "research_development",
        "business_operations",
        "technical_analysis",
        "investment",
        "legal",
        "medical",
        "data_analytics",
    }


def test_at_least_sixty_skills_cover_every_domain():
    assert Skill.objects.count() >= 60
    for domain in ExpertiseArea.objects.all():
        assert domain.skills.count() >= 5, domain.code


def test_common_certifications_are_seeded_with_security_flags():
    codes = set(Certification.objects.values_list("code", flat=True))
    assert {"iso_27001", "soc2_type2", "hipaa", "gdpr", "iso_9001", "cmmi_3", "pci_dss"} <= codes
    assert Certification.objects.get(code="iso_27001").is_security
    assert not Certification.objects.get(code="iso_9001").is_security


def test_demo_exchange_rates_are_labelled_as_demo():
    rates = ExchangeRate.objects.all()
    assert rates.filter(currency__in=["USD", "EUR", "GBP", "INR"]).count() == 4
    assert set(rates.values_list("source", flat=True)) == {"demo"}
    assert rates.get(currency="USD").rate_to_base == 1
