"""Money rules with one home: which currencies amounts can be converted from (those with an
exchange rate), for every form and serializer that takes a currency code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kpo.codes import validate_currency
from vendors.models import ExchangeRate


def exchange_rate_currencies() -> list[str]:
    """The currencies that have an exchange rate, in code order."""
    return list(ExchangeRate.objects.order_by("currency").values_list("currency", flat=True))


def convertible_currency(value: str) -> str:
    """`value` as an ISO 4217 code (upper case) that has an exchange rate, so amounts in it
    can be converted (matching, spend, proposal comparison). Raises Django's
    ValidationError otherwise: forms show it at the field, and DRF answers it as a 400 field
    error."""
    value = (value or "").upper()
    validate_currency(value)
    if not ExchangeRate.objects.filter(currency=value).exists():
        raise ValidationError(
            _("No exchange rate for %(code)s: amounts in it cannot be converted."),
            code="no_exchange_rate",
            params={"code": value},
        )
    return value
