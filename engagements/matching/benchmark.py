"""The onshore benchmark a run's savings are estimated against: what it is, and how it is put
in words wherever a saving is shown (docs/scoring.md, "Estimated saving")."""

from __future__ import annotations

import statistics
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.matching.scoring import SENIORITY_FACTORS
from vendors.models import DeliveryCenter, RateCard, Seniority
from vendors.money import ExchangeTable

BENCHMARK_DOMAIN_SENIORITY = "domain_seniority"
BENCHMARK_DOMAIN = "domain"
BENCHMARK_NONE = "none"


def onshore_benchmark(
    *, domain_id: int, client_country: str, seniority: str, currency: str, table: ExchangeTable, min_sample: int
) -> tuple[float | None, int, str]:
    """(rate, sample size, basis): the median hourly rate, in the requirement's currency at the
    run's exchange rates, of the onshore rate cards (active vendors covering the domain with a
    delivery centre in the client's country), from the first basis with at least `min_sample`
    rates that convert:
    1. "domain_seniority": their cards for the requested seniority;
    2. "domain": their cards of any seniority, each scaled to the requested one by the standard
       seniority factors (scoring.SENIORITY_FACTORS, as for an estimated rate);
    3. "none": no benchmark (rate None; the size is what the broadest basis found), and no
       saving is estimated, rather than one from a sample too small to stand for a market."""
    rows = (
        RateCard.objects.filter(
            vendor__is_active=True,
            vendor__domains=domain_id,
            vendor__in=DeliveryCenter.objects.filter(country=client_country).values("vendor_id"),
        )
        .order_by()
        .values_list("seniority", "hourly_rate", "currency")
    )
    same_level: list[float] = []
    any_level: list[float] = []
    for level, amount, quoted in rows:
        converted = table.convert_exact(amount, quoted, currency)
        if converted is None or level not in SENIORITY_FACTORS:
            continue
        if level == seniority:
            same_level.append(float(converted))
        any_level.append(float(converted) * SENIORITY_FACTORS[seniority] / SENIORITY_FACTORS[level])
    if len(same_level) >= min_sample:
        return statistics.median(same_level), len(same_level), BENCHMARK_DOMAIN_SENIORITY
    if len(any_level) >= min_sample:
        return statistics.median(any_level), len(any_level), BENCHMARK_DOMAIN
    return None, len(any_level), BENCHMARK_NONE


def benchmark_at_award(requirement, currency: str) -> tuple[Decimal | None, str, int]:
    """(hourly rate in `currency`, basis, sample size): the onshore benchmark for `requirement`
    (an engagements Requirement, duck-typed) now, at today's exchange rates, recorded on an
    engagement when it is awarded so its savings are measured against what the market was then."""
    rate, size, basis = onshore_benchmark(
        domain_id=requirement.domain_id,
        client_country=requirement.client.country,
        seniority=requirement.seniority,
        currency=currency,
        table=ExchangeTable.current(),
        min_sample=settings.MATCH_BENCHMARK_MIN_SAMPLE,
    )
    return (Decimal(str(rate)).quantize(Decimal("0.01")) if rate is not None else None), basis, size


def benchmark_text(parameters: dict, *, domain: str) -> str:
    """The benchmark of a run's `parameters` in words, with its basis: "Onshore benchmark: median of
    12 onshore senior rates in Finance & accounting, 48.00 EUR/h at the exchange rates of
    2026-11-30." `domain`: the domain's name. Empty for a run without parameters."""
    if not parameters:
        return ""
    basis = parameters.get("benchmark_basis")
    size = parameters.get("benchmark_size") or 0
    rate = parameters.get("benchmark_rate")
    level = str(dict(Seniority.choices).get(parameters.get("seniority", ""), parameters.get("seniority", ""))).lower()
    values = {
        "n": size,
        "level": level,
        "domain": domain,
        "rate": f"{rate:,.2f}" if rate is not None else "",
        "currency": parameters.get("currency", ""),
        "day": parameters.get("exchange_rates_as_of") or _("unknown date"),
        "minimum": parameters.get("benchmark_min_sample") or 0,
    }
    if rate is not None and basis == BENCHMARK_DOMAIN_SENIORITY:
        return (
            ngettext(
                "Onshore benchmark: median of %(n)s onshore %(level)s rate in %(domain)s, %(rate)s %(currency)s/h "
                "at the exchange rates of %(day)s.",
                "Onshore benchmark: median of %(n)s onshore %(level)s rates in %(domain)s, %(rate)s %(currency)s/h "
                "at the exchange rates of %(day)s.",
                size,
            )
            % values
        )
    if rate is not None and basis == BENCHMARK_DOMAIN:
        return (
            ngettext(
                "Onshore benchmark: median of %(n)s onshore rate in %(domain)s of every seniority, scaled to "
                "%(level)s, %(rate)s %(currency)s/h at the exchange rates of %(day)s (too few %(level)s rates alone).",
                "Onshore benchmark: median of %(n)s onshore rates in %(domain)s of every seniority, scaled to "
                "%(level)s, %(rate)s %(currency)s/h at the exchange rates of %(day)s (too few %(level)s rates alone).",
                size,
            )
            % values
        )
    if rate is not None:  # a run from before the basis was recorded
        return _("Onshore benchmark: %(rate)s %(currency)s/h.") % values
    return (
        ngettext(
            "No onshore benchmark: %(n)s onshore rate in %(domain)s, fewer than the %(minimum)s needed for a sound "
            "median, so no saving is estimated.",
            "No onshore benchmark: %(n)s onshore rates in %(domain)s, fewer than the %(minimum)s needed for a sound "
            "median, so no saving is estimated.",
            size,
        )
        % values
    )
