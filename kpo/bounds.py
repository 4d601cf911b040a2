"""The bounds of every number, date and list the product accepts, in one place.

Each bound is enforced the same way everywhere: as a model field validator (so forms,
DRF model serializers and the CSV import, which cleans through the model fields, all
apply it and the OpenAPI schema shows it as minimum / maximum / maxLength / maxItems),
and as a database check constraint. Inside them, every computation the product makes
fits its column (the proof is in README, "Bounds"; tests/kpo/test_bounds.py checks it
with the extreme values):

- an hourly rate is at most RATE_MAX in its currency (DecimalField(10, 2));
- an exchange rate (units of the base currency per unit) lies within
  [EXCHANGE_RATE_MIN, EXCHANGE_RATE_MAX], so converting between two currencies
  multiplies by at most EXCHANGE_RATE_MAX / EXCHANGE_RATE_MIN = 1e10;
- so a converted rate is below 1e18, and a requirement's estimated cost or saving
  (converted rate x at most HOURS_MAX hours) below 1e24: MatchResult's money columns are
  numeric(28, 2) (below 1e26), and the Decimal arithmetic (28 significant digits) stays
  exact to the cent;
- dates lie within [DATE_MIN, DATE_MAX], so date arithmetic (a month past a date,
  working-hour overlaps on a day, time-zone offsets) never leaves the calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

RATE_MAX = Decimal("99999999.99")  # DecimalField(max_digits=10, decimal_places=2)
HOURS_MAX = 1_000_000  # a requirement's estimated hours: about 500 person-years
EXCHANGE_RATE_MIN = Decimal("0.00001")
EXCHANGE_RATE_MAX = Decimal("100000")
MONEY_DIGITS = 28  # max_digits of computed money columns (estimated cost and savings)
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
TEXT_MAX = 10_000  # free-text descriptions
LONG_TEXT_MAX = 20_000  # an RFP's instructions and a proposal's approach
LIST_MAX = 200  # any list in a request body (skills, languages, criteria, ...)
ID_MAX = 2**63 - 1  # a row id (BigAutoField)


def validate_date_in_range(value: date | datetime | None) -> None:
    """A date (or the date of a datetime) within [DATE_MIN, DATE_MAX]."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


def date_in_range(field: str) -> Q:
    """The check constraint's condition for a nullable date column."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": DATE_MIN, f"{field}__lte": DATE_MAX})


def datetime_in_range(field: str) -> Q:
    start = datetime.combine(DATE_MIN, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(DATE_MAX, datetime.max.time(), tzinfo=UTC)
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": start, f"{field}__lte": end})


def whole_number(raw: str, *, high: int = ID_MAX) -> int | None:
    """`raw` as a whole number from 0 to `high`, or None. ASCII digits only: str.isdigit()
    also admits "²" and other digits int() refuses (a ValueError, so a 500)."""
    raw = raw.strip()
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if value <= high else None
