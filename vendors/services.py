"""Writes on the supply side. Each service is one transaction."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from vendors.models import Vendor


@transaction.atomic
def vendor_set_verified(*, vendors: Iterable[Vendor], verified: bool) -> int:
    """Mark vendors verified (or not). Saves each row so the change history
    records who did it and `updated_at` advances for syncing clients."""
    changed = 0
    now = timezone.now()
    for vendor in vendors:
        if vendor.verified == verified:
            continue
        vendor.verified = verified
        vendor.verified_at = now if verified else None
        vendor.save(update_fields=["verified", "verified_at", "updated_at"])
        changed += 1
    return changed


@transaction.atomic
def vendor_set_active(*, vendors: Iterable[Vendor], active: bool) -> int:
    changed = 0
    for vendor in vendors:
        if vendor.is_active == active:
            continue
        vendor.is_active = active
        vendor.save(update_fields=["is_active", "updated_at"])
        changed += 1
    return changed
