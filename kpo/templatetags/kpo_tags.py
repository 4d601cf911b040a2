from django import template

from kpo.codes import country_names, language_names

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """ISO 3166-1 alpha-2 code -> English short name ("IT" -> "Italy")."""
    return country_names().get(code, code)


@register.filter
def language_name(code: str) -> str:
    return language_names().get(code, code)
