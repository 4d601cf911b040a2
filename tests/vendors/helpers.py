"""Shared set-up for the vendor page tests: vendors with a full profile, and
reading the directory's rows back out of the HTML."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from django.urls import reverse

from tests.factories import DeliveryCenterFactory, RateCardFactory, VendorFactory, VendorSkillFactory, domain, skill
from tests.vendors.factories_extra import VendorCertificationFactory, VendorLanguageFactory

ROW_NAME = re.compile(r'<h2 class="vendor-name"><a href="[^"]*">([^<]*)</a>')


def make_vendor(
    name: str,
    *,
    country: str = "IN",
    tz: str = "Asia/Kolkata",
    city: str | None = None,
    rate: str | None = "40.00",
    currency: str = "USD",
    domains: tuple[str, ...] = ("finance",),
    skills: tuple[str, ...] = ("financial-reporting",),
    languages: tuple[str, ...] = ("en",),
    description: str = "A knowledge-process vendor.",
    **fields,
):
    vendor = VendorFactory(name=name, description=description, headquarters_country=country, **fields)
    vendor.domains.set([domain(code) for code in domains])
    for code in skills:
        VendorSkillFactory(vendor=vendor, skill=skill(code))
    if rate is not None:
        RateCardFactory(vendor=vendor, hourly_rate=Decimal(rate), currency=currency)
    DeliveryCenterFactory(vendor=vendor, country=country, timezone=tz, city=city or f"{name} City")
    for code in languages:
        VendorLanguageFactory(vendor=vendor, code=code)
    return vendor


def full_vendor(index: int):
    """A vendor with several rows in every related table, so an N+1 shows."""
    vendor = make_vendor(
        f"Full Vendor {index:03d}",
        domains=("finance", "data_analytics"),
        skills=("financial-reporting", "fpa", "sql", "machine-learning"),
        languages=("en", "hi"),
    )
    RateCardFactory(vendor=vendor, seniority="junior", hourly_rate=Decimal("20.00"), currency="USD")
    DeliveryCenterFactory(vendor=vendor, country="PL", timezone="Europe/Warsaw")
    VendorCertificationFactory(vendor=vendor)
    return vendor


def directory(client, **params):
    return client.get(reverse("vendors:list"), params)


def row_names(response) -> list[str]:
    return [html.unescape(name) for name in ROW_NAME.findall(response.content.decode())]
