from django import template

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
