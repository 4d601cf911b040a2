"""Signals the supply side sends, so other apps can react without vendors
importing them (dependency direction, CONVENTIONS.md: kpo <- vendors <- engagements).

`vendor_changed` is sent by the vendors services (profile edit, verification,
activation) and the vendor admin, inside the writing transaction, after the
change is saved:

    vendor_changed.send(sender=Vendor, vendor_ids=[...], changed_at=<aware datetime>)

Receivers run in the same transaction: what they write commits or rolls back
with the profile change itself. So a receiver must only write to the database
(no broker, mail or HTTP: those belong in `transaction.on_commit`) and stay
cheap (one statement per send, whatever the number of vendors).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.dispatch import Signal
from django.utils import timezone

from vendors.models import Vendor

vendor_changed = Signal()


def send_vendor_changed(vendor_ids: Iterable[int], *, changed_at: datetime | None = None) -> None:
    """Announce that these vendors' profiles changed (no-op for an empty list)."""
    ids = sorted(set(vendor_ids))
    if not ids:
        return
    vendor_changed.send(sender=Vendor, vendor_ids=ids, changed_at=changed_at or timezone.now())
