"""Small visual pieces of the vendor pages: proficiency dots, rating stars,
location-class badges. Every value is escaped by format_html."""

from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def proficiency(level) -> str:
    """Five dots, `level` of them filled; read out as "Proficiency 4 of 5"."""
    return _proficiency(max(0, min(5, int(level or 0))), get_language())


@lru_cache(maxsize=64)
def _proficiency(level: int, language: str | None) -> str:
    """Six levels per language: built once (a directory page shows about 80)."""
    dots = format_html_join(
        "", '<span class="dot{}" aria-hidden="true"></span>', ((" on" if i < level else "",) for i in range(5))
    )
    label = _("Proficiency %(level)s of 5") % {"level": level}
    return format_html('<span class="proficiency" role="img" aria-label="{}" title="{}">{}</span>', label, label, dots)


@register.simple_tag
def stars(rating) -> str:
    """A five-star bar filled to the rating; read out as "Rated 4.3 out of 5"."""
    if rating is None:
        return format_html('<span class="muted">{}</span>', _("No rating"))
    value = float(rating)
    label = _("Rated %(rating)s out of 5") % {"rating": floatformat(value, 1)}
    # Filled to the nearest twentieth (a quarter of a star), by a class: the Content-Security-Policy
    # allows no inline style. The rating itself is printed beside the stars.
    step = round(max(0.0, min(100.0, value / 5 * 100)) / 5) * 5
    return format_html(
        '<span class="stars" role="img" aria-label="{}" title="{}"><span class="stars-fill stars-{}"></span></span>',
        label,
        label,
        step,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
