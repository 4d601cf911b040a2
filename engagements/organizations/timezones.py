"""The zone each person reads date-times in (issue 16, item 8).

A user's own choice (`User.time_zone`), else their organization's: a client organization's
own zone, a vendor firm's main delivery centre's (the one with the largest headcount),
else the platform's (settings.TIME_ZONE, UTC). `TimeZoneMiddleware` activates it for every
page a signed-in user opens, so Django's forms read typed date-times in it and
kpo.zones shows them in it, with the zone named.

The API is left in UTC: its date-times are ISO 8601 with their offset, whoever calls.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from engagements.models import Membership
from vendors.models import DeliveryCenter

API_PREFIX = "/api/"


@dataclass(frozen=True)
class ViewerZone:
    name: str
    source: str  # "personal", "organization" or "platform"
    organization_zone: str | None  # what an empty choice falls back to

    @property
    def default_name(self) -> str:
        return self.organization_zone or settings.TIME_ZONE


def _main_centre_zone(vendor_ref: Any) -> Subquery:
    return Subquery(
        DeliveryCenter.objects.filter(vendor=vendor_ref).order_by("-headcount", "city", "pk").values("timezone")[:1]
    )


def membership_with_zone(*, user: Any) -> Membership | None:
    """The user's membership with its organization and, for a vendor firm, its main centre's zone."""
    return (
        Membership.objects.select_related("client", "vendor")
        .annotate(vendor_zone=_main_centre_zone(OuterRef("vendor")))
        .filter(user_id=user.pk)
        .first()
    )


def organization_zone(membership: Membership | None) -> str | None:
    if membership is None:
        return None
    if membership.client is not None:
        return membership.client.timezone
    if hasattr(membership, "vendor_zone"):  # annotated by membership_with_zone (None: no centre)
        return membership.vendor_zone
    if membership.vendor_id is not None:
        return vendor_zones([membership.vendor_id]).get(membership.vendor_id)
    return None


def viewer_zone(*, user: Any, membership: Membership | None) -> ViewerZone:
    default = organization_zone(membership)
    if getattr(user, "time_zone", None):
        return ViewerZone(name=user.time_zone, source="personal", organization_zone=default)
    if default:
        return ViewerZone(name=default, source="organization", organization_zone=default)
    return ViewerZone(name=settings.TIME_ZONE, source="platform", organization_zone=None)


def vendor_zones(vendor_ids: list[int]) -> dict[int, str]:
    """Each vendor firm's zone (its main delivery centre's), for the firms that have a centre."""
    zones: dict[int, str] = {}
    rows = (
        DeliveryCenter.objects.filter(vendor_id__in=set(vendor_ids))
        .order_by("vendor_id", "-headcount", "city", "pk")
        .values_list("vendor_id", "timezone")
    )
    for vendor_id, zone in rows:
        zones.setdefault(vendor_id, zone)
    return zones


def vendor_zone(vendor_id: int) -> str:
    return vendor_zones([vendor_id]).get(vendor_id, settings.TIME_ZONE)


class TimeZoneMiddleware:
    """Activates the signed-in viewer's zone for the page (after AuthenticationMiddleware).

    It reads the membership once, with the organization and its zone, and leaves it on the
    user, where the templates' `membership` and kpo.access.Caller find it without asking again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        membership = membership_with_zone(user=user)
        # The reverse one-to-one's cache, as `user.membership` fills it (None: "has none").
        get_user_model().membership.related.set_cached_value(user, membership)
        request.viewer_zone = viewer_zone(user=user, membership=membership)
        try:
            zone = zoneinfo.ZoneInfo(request.viewer_zone.name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)  # a zone the system's tz database dropped
        with timezone.override(zone):
            return self.get_response(request)
