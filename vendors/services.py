"""Writes on the supply side. Each service is one transaction."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kpo.change_seq import document_touch_deferred
from kpo.models import User
from vendors.changes import PROFILE_FIELDS, ProfileChanges, rows_of
from vendors.models import Vendor, VendorLanguage
from vendors.signals import send_vendor_changed


@transaction.atomic
def vendor_set_verified(*, vendors: Iterable[Vendor], verified: bool) -> int:
    """Mark vendors verified (or not). Saves each row so the change history
    records who did it and `updated_at` advances for syncing clients; then one
    `vendor_changed` for all the vendors that changed."""
    changed_ids: list[int] = []
    now = timezone.now()
    for vendor in vendors:
        if vendor.verified == verified:
            continue
        vendor.verified = verified
        vendor.verified_at = now if verified else None
        vendor.save(update_fields=["verified", "verified_at", "updated_at"])
        changed_ids.append(vendor.pk)
    send_vendor_changed(changed_ids, changed_at=now)
    return len(changed_ids)


@transaction.atomic
def vendor_set_active(*, vendors: Iterable[Vendor], active: bool) -> int:
    changed_ids: list[int] = []
    for vendor in vendors:
        if vendor.is_active == active:
            continue
        vendor.is_active = active
        vendor.save(update_fields=["is_active", "updated_at"])
        changed_ids.append(vendor.pk)
    send_vendor_changed(changed_ids)
    return len(changed_ids)


@transaction.atomic
def vendor_profile_update(*, vendor: Vendor, data: ProfileChanges, actor: User) -> bool:
    """Write a validated profile edit (a vendors.changes.ProfileChanges, from the edit
    page or the API) in one transaction. Rows are saved and deleted one by one with `.save()` /
    `.delete()`, never in bulk, so django-simple-history records each change with
    `actor` as its author. Deletions go first, so a seniority or skill removed and
    added again in the same edit does not collide with itself. A change of domains
    is recorded once, by the vendor's own historical record at the end (which
    snapshots its domains), not by one record per add and remove. When anything
    changed, `vendors.signals.vendor_changed` is sent inside the transaction (the
    shortlists that include the vendor are marked stale with the edit, or not at
    all). Returns whether anything changed."""
    # Each part write would touch the vendor row; the vendor.save() at the end does it once.
    with document_touch_deferred():
        changed = False
        for row in rows_of(data, "delete"):
            _check_owner(row, vendor)
            row._history_user = actor
            row.delete()
            changed = True
        for row in rows_of(data, "save"):
            if row.vendor_id is None:
                row.vendor = vendor
            _check_owner(row, vendor)
            row._history_user = actor
            row.save()
            changed = True

        # Absent means unchanged (a partial edit through the API); the web form always sends the list.
        if "languages" in data:
            wanted = set(data["languages"])
            current = {language.code: language for language in vendor.languages.all()}
            for code in sorted(current.keys() - wanted):
                language = current[code]
                language._history_user = actor
                language.delete()
                changed = True
            for code in sorted(wanted - current.keys()):
                language = VendorLanguage(vendor=vendor, code=code)
                language._history_user = actor
                language.save()
                changed = True

        if "domains" in data:
            wanted_domains = {domain.pk for domain in data["domains"]}
            if wanted_domains != set(vendor.domains.values_list("pk", flat=True)):
                # Not one historical record per remove and add: vendor.save() below
                # writes one, with the final set of domains.
                vendor.skip_history_when_saving = True
                try:
                    vendor.domains.set(data["domains"])
                finally:
                    del vendor.skip_history_when_saving
                changed = True

        # `fields` holds the profile fields; a staff edit through the API may add the
        # staff-only ones (name, slug, verified, verified_at, is_active, rating, ...).
        fields = data.get("fields", {})
        stored = Vendor.objects.filter(pk=vendor.pk).values(*PROFILE_FIELDS, *fields).get()
        if any(stored[name] != value for name, value in fields.items()):
            changed = True
        for name, value in fields.items():
            setattr(vendor, name, value)
        if changed:
            # Also when only rows changed: `updated_at` tells syncing clients to fetch it again.
            vendor._history_user = actor
            vendor.save()
            send_vendor_changed([vendor.pk])
    return changed


def _check_owner(row, vendor: Vendor) -> None:
    # The forms already refuse other vendors' rows; this keeps the service safe on its own.
    if row.vendor_id != vendor.pk:
        raise PermissionDenied("A row of another vendor cannot be changed here.")
