"""Writes behind the vendor and exchange-rate API. Each is one transaction and
goes through the same service as the web pages (vendors.services), so the
change history names the API user and `vendor_changed` marks stale shortlists."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import transaction
from django.utils import timezone

from kpo.models import User
from vendors import services
from vendors.changes import PROFILE_FIELDS, STAFF_FIELDS, api_profile_changes
from vendors.models import ExchangeRate, Vendor

if TYPE_CHECKING:
    from vendors.api.selectors import DocumentVendor


@transaction.atomic
def vendor_api_update(*, vendor: DocumentVendor, attrs: dict, actor: User) -> bool:
    """Apply a validated PUT/PATCH (VendorSerializer) to `vendor`, whose rows are
    prefetched (vendors.api.selectors). Returns whether anything changed."""
    return services.vendor_profile_update(
        vendor=vendor, data=api_profile_changes(vendor=vendor, attrs=attrs), actor=actor
    )


@transaction.atomic
def vendor_api_create(*, attrs: dict, actor: User) -> Vendor:
    """A new vendor (staff): the row first, then its lists through the profile
    service, as if its first edit."""
    scalars = {name: attrs[name] for name in (*PROFILE_FIELDS, *STAFF_FIELDS) if name in attrs}
    vendor = Vendor(**scalars)
    if vendor.verified:
        vendor.verified_at = timezone.now()
    vendor._history_user = actor
    vendor.save()
    # Empty document rows (a new vendor has none) make it what api_profile_changes reads.
    document = cast("DocumentVendor", vendor)
    document.api_skills, document.api_rates, document.api_centres, document.api_certifications = [], [], [], []
    lists = {name: value for name, value in attrs.items() if name not in scalars}
    services.vendor_profile_update(vendor=vendor, data=api_profile_changes(vendor=document, attrs=lists), actor=actor)
    return vendor


@transaction.atomic
def exchange_rate_save(*, rate: ExchangeRate | None, attrs: dict, actor: User) -> ExchangeRate:
    """Create or update a rate; matching reads the table at run time, so the next
    run converts with it."""
    rate = rate or ExchangeRate()
    for name, value in attrs.items():
        setattr(rate, name, value)
    rate._history_user = actor
    rate.save()
    return rate


@transaction.atomic
def exchange_rate_delete(*, rate: ExchangeRate, actor: User) -> None:
    rate._history_user = actor
    rate.delete()
