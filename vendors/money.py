"""Money rules with one home.

`ExchangeTable` is the one currency conversion: every page, API answer, match run and
spend report that shows an amount in another currency converts through it. Rates are
stored as units of the base currency (settings.BASE_CURRENCY) one unit of a currency
buys (vendors.models.ExchangeRate); a table holds them as of one moment:

- `ExchangeTable.current()`: the rates now (what the directory, profiles, comparisons and
  reports use);
- `ExchangeTable.on(moment)`: the rates as they stood at a moment, from the rates' history
  (a rate added later is absent, a rate deleted later is present);
- `ExchangeTable.frozen(snapshot)`: the rates a match run recorded when it started, so a
  run is explained with the rates it was scored with.

Rounding rules: an amount shown or returned is rounded to cents, half to even
(`convert`); a figure that is summed converts exactly and is rounded once at the end by
its caller (`convert_exact`); the directory compares and orders rates converted in SQL,
rounded to `SQL_PLACES` places (the precision of the stored rate), so the value a keyset
cursor carries is the one the database compares. An amount in a currency without a rate
cannot be converted: the result is None, never a guess.

`convertible_currency` is the validator for every form and serializer field that takes
a currency amounts will be converted from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from kpo.codes import validate_currency
from vendors.models import ExchangeRate

CENTS = Decimal("0.01")
SQL_PLACES = 8  # ExchangeRate.rate_to_base's decimal places


@dataclass(frozen=True)
class ExchangeTable:
    """Rates to the base currency (currency -> units of base one unit buys) as of `as_of`
    (None: not known, as for a table built by hand or from an old snapshot)."""

    rates: Mapping[str, Decimal]
    as_of: datetime | None = None
    _factor_cache: dict[str, dict[str, Decimal]] = field(default_factory=dict, compare=False, repr=False)

    # -- building ------------------------------------------------------------------------
    @classmethod
    def current(cls) -> ExchangeTable:
        """The stored rates now; `as_of` is the latest change among them."""
        rows = list(ExchangeRate.objects.order_by().values_list("currency", "rate_to_base", "updated_at"))
        return cls(
            rates={currency: rate for currency, rate, _updated in rows},
            as_of=max((updated for _currency, _rate, updated in rows), default=None),
        )

    @classmethod
    def on(cls, moment: datetime) -> ExchangeTable:
        """The rates as they stood at `moment`, from the rates' history: per currency the
        last record at or before it, unless that record is a deletion. A rate with no
        history at all (seeded by a migration, never edited since) counts from its
        `updated_at`."""
        history = ExchangeRate.history.model.objects
        latest = dict(
            history.filter(history_date__lte=moment)
            .order_by()
            .values("currency")
            .annotate(last=Max("history_date"))
            .values_list("currency", "last")
        )
        rates: dict[str, Decimal] = {}
        for currency, last in latest.items():
            record = history.filter(currency=currency, history_date=last).order_by("-history_id").first()
            if record is not None and record.history_type != "-":
                rates[currency] = record.rate_to_base
        with_history = set(history.values_list("currency", flat=True).distinct())
        for currency, rate in (
            ExchangeRate.objects.filter(updated_at__lte=moment)
            .exclude(currency__in=with_history)
            .values_list("currency", "rate_to_base")
        ):
            rates[currency] = rate
        return cls(rates=rates, as_of=moment)

    @classmethod
    def frozen(cls, snapshot: Mapping[str, str | Decimal], as_of: datetime | None = None) -> ExchangeTable:
        """A table from recorded rates (a match run's `exchange_rates`: currency -> decimal
        string)."""
        return cls(rates={currency: Decimal(rate) for currency, rate in snapshot.items()}, as_of=as_of)

    def snapshot(self) -> dict[str, str]:
        """The rates as strings, exact, for recording (the inverse of `frozen`)."""
        return {currency: str(rate) for currency, rate in self.rates.items()}

    # -- converting ----------------------------------------------------------------------
    def can_convert(self, currency: str) -> bool:
        return currency in self.rates

    def factors_to(self, target: str) -> dict[str, Decimal]:
        """Multiply an amount in a currency by its factor to get `target`. Currencies
        without a rate are absent (their amounts cannot be converted); when `target` has no
        rate, only amounts already in `target` convert."""
        cached = self._factor_cache.get(target)
        if cached is None:
            if target not in self.rates:
                cached = {target: Decimal(1)}
            else:
                to_target = self.rates[target]
                cached = {currency: rate / to_target for currency, rate in self.rates.items()}
            self._factor_cache[target] = cached
        return cached

    def float_factors_to(self, target: str) -> dict[str, float]:
        """`factors_to` as floats, for the scoring loop that works in floats."""
        return {currency: float(factor) for currency, factor in self.factors_to(target).items()}

    def convert_exact(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """`amount` in `source` as `target`, unrounded (for sums that round once); None when
        either currency has no rate (unless they are the same currency)."""
        factor = self.factors_to(target).get(source)
        return None if factor is None else amount * factor

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """`amount` in `source` as `target`, rounded to cents half to even; None when it
        cannot be converted."""
        exact = self.convert_exact(amount, source, target)
        return None if exact is None else round_cents(exact)


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENTS, rounding=ROUND_HALF_EVEN)


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
