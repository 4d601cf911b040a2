from datetime import datetime

from django import template
from django.utils import formats
from django.utils.html import conditional_escape, format_html

from kpo import zones
from kpo.codes import display_country_names, display_language_names

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """ISO 3166-1 alpha-2 code -> short name in the active language ("IT" -> "Italy", "Italia")."""
    return display_country_names().get(code, code)


@register.filter
def language_name(code: str) -> str:
    return display_language_names().get(code, code)


@register.filter
def at(container, key):
    """container[key] for a dict or a list, None when absent: `{{ answers|at:forloop.counter0 }}`."""
    if container is None:
        return None
    if isinstance(container, dict):
        return container.get(key)
    try:
        return container[int(key)]
    except (IndexError, TypeError, ValueError):
        return None


def _zoned_html(value, zone, fmt: str) -> str:
    if not isinstance(value, datetime):
        return "" if value in (None, "") else conditional_escape(value)
    shown = zones.zoned(value, zone or None)
    return format_html(
        '<time datetime="{}">{} <abbr title="{}">{}</abbr></time>',
        shown.local.isoformat(timespec="minutes"),
        formats.date_format(shown.local, fmt),
        shown.title,
        shown.label,
    )


@register.filter
def zoned(value, zone=None):
    """A date-time in the viewer's zone, or in `zone` (an IANA name), with the zone named:
    `{{ rfp.deadline|zoned }}` -> "3 December 2026, 17:00 CET" (kpo/zones.py)."""
    return _zoned_html(value, zone, "DATETIME_FORMAT")


@register.filter
def zoned_short(value, zone=None):
    """As `zoned`, in the short format ("03/12/2026 17:00 CET")."""
    return _zoned_html(value, zone, "SHORT_DATETIME_FORMAT")


@register.filter
def zoned_text(value, zone=None):
    """As `zoned`, as plain text, for an attribute such as a title."""
    return zones.zoned_text(value, zone or None) if isinstance(value, datetime) else ""


@register.filter
def zoned_time(value, zone=None):
    """As `zoned`, the time of day only ("17:00 CET")."""
    return _zoned_html(value, zone, "TIME_FORMAT")
