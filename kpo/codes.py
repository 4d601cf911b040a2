"""Validated standard codes: ISO 3166-1 alpha-2 countries, ISO 639-1 languages,
ISO 4217 currencies and IANA time zones.

Models store plain upper/lower-case codes (portable across SQLite and
PostgreSQL); these validators run in model `full_clean`, forms and serializers,
and check constraints in the database keep the shape. Pages show country and
language names in the reader's language (`display_*_names`), from the
iso-codes translations pycountry ships.
"""

import gettext
import importlib.resources
import zoneinfo
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _


@cache
def country_names() -> dict[str, str]:
    return {c.alpha_2: getattr(c, "common_name", c.name) for c in pycountry.countries}


@cache
def language_names() -> dict[str, str]:
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


@cache
def _display_names(domain: str, language: str) -> dict[str, str]:
    names = {"iso3166-1": country_names, "iso4217": currency_names}.get(domain, language_names)()
    if language == "en":
        return names
    catalog = gettext.translation(
        domain, pycountry.LOCALES_DIR, languages=[translation.to_locale(language)], fallback=True
    )
    return {code: catalog.gettext(name) for code, name in names.items()}


def _active_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def display_country_names() -> dict[str, str]:
    """Country names in the active language ("IT" -> "Italy", or "Italia" in Italian)."""
    return _display_names("iso3166-1", _active_language())


def display_currency_names() -> dict[str, str]:
    """Currency names in the active language ("EUR" -> "Euro", "CHF" -> "Franco svizzero")."""
    return _display_names("iso4217", _active_language())


def display_language_names() -> dict[str, str]:
    """Language names in the active language ("de" -> "German", or "Tedesco" in Italian)."""
    return _display_names("iso639-3", _active_language())


@cache
def currency_names() -> dict[str, str]:
    return {c.alpha_3: c.name for c in pycountry.currencies}


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _zone_table(name: str) -> str:
    """zone1970.tab / zone.tab from the system's TZPATH, else from the tzdata package."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return importlib.resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache
def country_timezones() -> dict[str, tuple[str, ...]]:
    """IANA time zones per ISO 3166-1 country ("IN" -> ("Asia/Kolkata",)), the union
    of zone1970.tab (zones shared by several countries) and zone.tab (each
    country's own zone names, e.g. Europe/Stockholm for SE), limited to the zones
    this system knows."""
    known = timezone_names()
    zones: dict[str, set[str]] = {}
    for table in ("zone1970.tab", "zone.tab"):
        for line in _zone_table(table).splitlines():
            if not line or line.startswith("#"):
                continue
            columns = line.split("\t")
            if len(columns) < 3 or columns[2] not in known:
                continue
            for country in columns[0].split(","):
                zones.setdefault(country, set()).add(columns[2])
    return {country: tuple(sorted(names)) for country, names in sorted(zones.items())}


def country_choices() -> list[tuple[str, str]]:
    return sorted(display_country_names().items(), key=lambda item: item[1])


def language_choices() -> list[tuple[str, str]]:
    return sorted(display_language_names().items(), key=lambda item: item[1])


def currency_choices(codes: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """("EUR", "EUR – Euro") in the reader's language, for `codes` (every ISO 4217 code when None)."""
    names = display_currency_names()
    wanted = names if codes is None else {code for code in codes if code in names}
    return sorted((code, f"{code} – {names[code]}") for code in wanted)


def validate_country(value: str) -> None:
    if value not in country_names():
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-2 country code."), params={"value": value}, code="country"
        )


def validate_language(value: str) -> None:
    if value not in language_names():
        raise ValidationError(
            _("%(value)s is not an ISO 639-1 language code."), params={"value": value}, code="language"
        )


def validate_currency(value: str) -> None:
    if value not in currency_names():
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code."), params={"value": value}, code="currency"
        )


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value}, code="timezone")


def _validate_list(value: object, validate_item) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of codes."), code="list")
    if len(set(value)) != len(value):
        raise ValidationError(_("Codes must not repeat."), code="duplicate")
    for item in value:
        if not isinstance(item, str):
            raise ValidationError(_("Expected a list of codes."), code="list")
        validate_item(item)


def validate_country_list(value: object) -> None:
    _validate_list(value, validate_country)


def validate_language_list(value: object) -> None:
    _validate_list(value, validate_language)
