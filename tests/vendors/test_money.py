"""vendors/money.py: the one conversion (ExchangeTable) and the one rule for which currency
codes forms, serializers and filters accept."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import UserFactory
from vendors.api.services import exchange_rate_delete, exchange_rate_save
from vendors.models import ExchangeRate
from vendors.money import ExchangeTable, convertible_currency, exchange_rate_currencies

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


def test_every_seeded_exchange_rate_is_in_a_currency_that_can_be_quoted():
    """The migrations leave no rate for a code the validators refuse (BGN left ISO 4217 in
    2026): the exchange-rate list offers only currencies a vendor or buyer can use."""
    unusable = []
    for currency in ExchangeRate.objects.values_list("currency", flat=True):
        try:
            convertible_currency(currency)
        except ValidationError:
            unusable.append(currency)
    assert unusable == []
    assert ExchangeRate.objects.count() > 20


def test_the_currencies_offered_are_those_with_a_rate_in_code_order():
    currencies = exchange_rate_currencies()
    assert currencies == sorted(ExchangeRate.objects.values_list("currency", flat=True))
    assert "EUR" in currencies


# -- ExchangeTable: the one conversion ----------------------------------------------------

TABLE = ExchangeTable(rates={"USD": Decimal("1"), "EUR": Decimal("1.10"), "INR": Decimal("0.012")})


def test_an_amount_converts_through_the_base_currency_and_is_rounded_to_cents():
    # 100 INR = 1.20 base = 1.0909... EUR
    assert TABLE.convert(Decimal("100"), "INR", "EUR") == Decimal("1.09")
    assert TABLE.convert_exact(Decimal("100"), "INR", "EUR") == Decimal("100") * Decimal("0.012") / Decimal("1.10")
    assert TABLE.convert(Decimal("50"), "EUR", "USD") == Decimal("55.00")
    assert TABLE.convert(Decimal("12.34"), "EUR", "EUR") == Decimal("12.34")


@pytest.mark.parametrize(("amount", "rounded"), [("0.125", "0.12"), ("0.135", "0.14"), ("-0.125", "-0.12")])
def test_half_a_cent_rounds_to_the_even_cent(amount, rounded):
    assert TABLE.convert(Decimal(amount), "USD", "USD") == Decimal(rounded)


def test_a_currency_without_a_rate_converts_to_nothing_never_a_guess():
    assert TABLE.convert(Decimal("10"), "GBP", "EUR") is None
    assert TABLE.convert_exact(Decimal("10"), "EUR", "GBP") is None
    assert not TABLE.can_convert("GBP")
    # Into a currency without a rate only its own amounts convert.
    assert TABLE.factors_to("GBP") == {"GBP": Decimal(1)}
    assert TABLE.convert(Decimal("10"), "GBP", "GBP") == Decimal("10.00")


def test_the_factors_to_a_currency_price_every_currency_with_a_rate():
    factors = TABLE.factors_to("EUR")
    assert set(factors) == {"USD", "EUR", "INR"}
    assert factors["EUR"] == 1
    assert factors["USD"] * Decimal("1.10") == Decimal("1")
    assert TABLE.float_factors_to("EUR") == {code: float(value) for code, value in factors.items()}


def test_a_recorded_snapshot_gives_back_the_same_table_exactly():
    snapshot = TABLE.snapshot()
    assert snapshot == {"USD": "1", "EUR": "1.10", "INR": "0.012"}
    assert ExchangeTable.frozen(snapshot).rates == TABLE.rates


def test_the_current_table_holds_every_stored_rate_as_of_the_latest_change():
    table = ExchangeTable.current()
    stored = dict(ExchangeRate.objects.values_list("currency", "rate_to_base"))
    assert dict(table.rates) == stored
    assert table.as_of == max(ExchangeRate.objects.values_list("updated_at", flat=True))


def test_a_table_on_a_past_moment_holds_the_rates_of_that_moment():
    actor = UserFactory()
    ExchangeRate.objects.filter(currency="CHF").delete()
    before = timezone.now()
    created = exchange_rate_save(rate=None, attrs={"currency": "CHF", "rate_to_base": Decimal("1.10")}, actor=actor)
    first = timezone.now()
    exchange_rate_save(rate=created, attrs={"rate_to_base": Decimal("1.25")}, actor=actor)
    second = timezone.now()
    exchange_rate_delete(rate=ExchangeRate.objects.get(currency="CHF"), actor=actor)
    after = timezone.now()

    assert not ExchangeTable.on(before).can_convert("CHF")
    assert ExchangeTable.on(first).rates["CHF"] == Decimal("1.10")
    assert ExchangeTable.on(second).rates["CHF"] == Decimal("1.25")
    assert not ExchangeTable.on(after).can_convert("CHF")
    # Rates never edited since the migration seeded them count from when they were stored.
    seeded = ExchangeRate.objects.get(currency="EUR")
    assert ExchangeTable.on(after).rates["EUR"] == seeded.rate_to_base
    assert ExchangeTable.on(after).as_of == after


def test_only_the_money_module_reads_the_stored_rates():
    """One home: every conversion goes through ExchangeTable, so no other code reads
    `rate_to_base` (the model, its API serializer and admin, and migrations aside)."""
    root = Path(__file__).resolve().parents[2]
    allowed = {"vendors/models.py", "vendors/money.py", "vendors/api/serializers.py", "vendors/admin.py"}
    readers = sorted(
        str(path.relative_to(root))
        for top in ("kpo", "vendors", "engagements")
        for path in (root / top).rglob("*.py")
        if "migrations" not in path.parts
        and str(path.relative_to(root)) not in allowed
        and "rate_to_base" in path.read_text(encoding="utf-8")
    )
    assert readers == []
