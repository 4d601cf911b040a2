"""vendors/money.py: the one rule for which currency codes forms, serializers and filters accept."""

import pytest
from django.core.exceptions import ValidationError

from vendors.models import ExchangeRate
from vendors.money import convertible_currency, exchange_rate_currencies

pytestmark = pytest.mark.django_db


def test_a_code_with_an_exchange_rate_is_accepted_in_upper_case():
    assert ExchangeRate.objects.filter(currency="EUR").exists()
    assert convertible_currency("eur") == "EUR"


def test_a_real_code_without_an_exchange_rate_is_refused_with_the_reason():
    ExchangeRate.objects.filter(currency="XAF").delete()
    with pytest.raises(ValidationError) as refused:
        convertible_currency("XAF")
    assert refused.value.messages == ["No exchange rate for XAF: amounts in it cannot be converted."]
    assert refused.value.code == "no_exchange_rate"


@pytest.mark.parametrize("value", ["", "EU", "EURO", "ZZZ", "€"])
def test_anything_that_is_not_an_iso_4217_code_is_refused(value):
    with pytest.raises(ValidationError):
        convertible_currency(value)


def test_the_currencies_offered_are_those_with_a_rate_in_code_order():
    currencies = exchange_rate_currencies()
    assert currencies == sorted(ExchangeRate.objects.values_list("currency", flat=True))
    assert "EUR" in currencies
