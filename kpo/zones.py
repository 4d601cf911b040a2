"""Date-times as people read them: in a named time zone, with the zone said.

Every date-time a page shows goes through `zoned_text` (plain text, for messages and emails) or
the `zoned` template filters (kpo/templatetags/kpo_tags.py, an HTML <time>). Without a zone
given they use the active one, which the request's viewer chose (engagements/organizations/
timezones.py activates it): a reader never has to guess whether "17:00" is theirs, the
buyer's or the server's.

The zone is named by its abbreviation where the zone database has one ("CET", "IST"),
else by its offset ("UTC+04:00"); the IANA name ("Asia/Kolkata") goes in the title, as
abbreviations repeat across the world.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.utils import formats, timezone


def zone_of(name: str | None) -> tzinfo:
    """The named zone, or the active one when the name is empty or unknown."""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@dataclass(frozen=True)
class Zoned:
    """One date-time as shown in one zone."""

    local: datetime
    zone: str  # IANA name, e.g. "Asia/Kolkata"
    label: str  # what the reader sees next to the time, e.g. "IST" or "UTC+04:00"

    @property
    def title(self) -> str:
        """ "Asia/Kolkata, UTC+05:30": the name behind the label."""
        offset = utc_offset(self.local)
        return self.zone if self.zone in ("UTC", offset) else f"{self.zone}, {offset}"

    def text(self, fmt: str = "DATETIME_FORMAT") -> str:
        return f"{formats.date_format(self.local, fmt)} {self.label}"


def zoned(value: datetime, zone: str | tzinfo | None = None) -> Zoned:
    """`value` (aware) in `zone` (a name or a tzinfo; the active zone when None)."""
    target = zone if isinstance(zone, tzinfo) else zone_of(zone)
    local = timezone.localtime(value, target) if timezone.is_aware(value) else value
    abbreviation = local.tzname() or ""
    label = abbreviation if abbreviation.isalpha() else utc_offset(local)
    return Zoned(local=local, zone=zone_name(target), label=label)


def zoned_text(value: datetime | None, zone: str | tzinfo | None = None, fmt: str = "DATETIME_FORMAT") -> str:
    """ "3 December 2026, 17:00 CET": for messages and emails."""
    if value is None:
        return ""
    return zoned(value, zone).text(fmt)
