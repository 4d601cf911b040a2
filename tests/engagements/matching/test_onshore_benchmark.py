"""The onshore benchmark that savings are estimated against: a median of at least
MATCH_BENCHMARK_MIN_SAMPLE onshore rates, all in the requirement's currency at the run's
exchange rates; else the domain's onshore rates of every seniority scaled to the requested one;
else none, and no saving is shown. Where it is shown, its basis is named."""

from __future__ import annotations

import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from engagements.delivery import services as delivery_services
from engagements.matching import candidates, runs
from engagements.matching.benchmark import onshore_benchmark
from engagements.models import MatchRun
from tests.engagements.helpers import requirement_for
from tests.factories import RateCardFactory
from tests.vendors.helpers import make_vendor
from vendors.money import ExchangeTable

pytestmark = pytest.mark.django_db


def onshore(name: str, rate: str, *, currency: str = "EUR", seniority: str = "senior", country: str = "IT"):
    """A vendor covering finance with a centre in the client's country (Italy), quoting one card."""
    vendor = make_vendor(name, country=country, tz="Europe/Rome", rate=None)
    RateCardFactory(vendor=vendor, seniority=seniority, hourly_rate=Decimal(rate), currency=currency)
    return vendor


@pytest.fixture
def requirement(owner):
    client = owner.membership.client
    client.country, client.currency = "IT", "EUR"
    client.save()
    return requirement_for(owner, currency="EUR", seniority="senior")


def context_of(requirement):
    return candidates.build_context(requirement, top_k=50, today=timezone.localdate())


def test_enough_onshore_rates_at_the_seniority_give_their_median_in_the_requirements_currency(requirement, settings):
    settings.MATCH_BENCHMARK_MIN_SAMPLE = 5
    for index, rate in enumerate(("40", "50", "60", "70")):
        onshore(f"Euro {index}", rate)
    onshore("Dollar", "100", currency="USD")
    onshore("Offshore", "5", country="IN")  # not onshore: left out
    context = context_of(requirement)
    in_euros = float(ExchangeTable.current().convert_exact(Decimal("100"), "USD", "EUR"))
    assert context.benchmark_basis == "domain_seniority"
    assert context.benchmark_size == 5
    assert context.benchmark_rate == pytest.approx(statistics.median([40, 50, 60, 70, in_euros]))
    assert context.exchange_rates_as_of is not None


def test_too_few_at_the_seniority_fall_back_to_the_domain_scaled_to_it(requirement, settings):
    settings.MATCH_BENCHMARK_MIN_SAMPLE = 5
    for index, rate in enumerate(("40", "60")):
        onshore(f"Senior {index}", rate)
    for index, rate in enumerate(("69", "69", "69")):
        onshore(f"Expert {index}", rate, seniority="expert")  # 69 / 1.38 = 50 at senior
    context = context_of(requirement)
    rate, size, basis = onshore_benchmark(
        domain_id=context.domain_id,
        client_country="IT",
        seniority="senior",
        currency="EUR",
        table=context.exchange_table(),
        min_sample=5,
    )
    assert (basis, size) == ("domain", 5)
    assert rate == pytest.approx(50.0)


def test_a_single_onshore_vendor_is_no_benchmark_and_no_saving_is_shown(client, owner, requirement, settings):
    """The demo's case: one onshore vendor (quoting in PKR) made offshore vendors look dearer."""
    settings.MATCH_BENCHMARK_MIN_SAMPLE = 5
    onshore("Lone", "9000", currency="PKR")
    make_vendor("Offshore firm", country="IN", tz="Asia/Kolkata", rate="30.00", currency="EUR")
    context = context_of(requirement)
    assert (context.benchmark_rate, context.benchmark_size, context.benchmark_basis) == (None, 1, "none")

    run = MatchRun.objects.create(requirement=requirement)
    assert runs.match_run_execute(run_id=run.pk, task_id="benchmark-test") == "succeeded"
    assert all(result.estimated_savings is None for result in run.results.all())
    client.force_login(owner)
    page = client.get(f"/requirements/{requirement.pk}/runs/{run.pk}/").content.decode()
    assert "No onshore benchmark: 1 onshore rate in Finance &amp; accounting, fewer than the 5 needed" in page
    body = client.get(f"/api/v1/match-runs/{run.pk}/").json()["parameters"]["onshore_benchmark"]
    assert (body["hourly_rate"], body["sample_size"], body["basis"], body["min_sample"]) == (None, 1, "none", 5)


def test_the_run_page_names_the_basis_of_the_benchmark(client, owner, requirement, settings):
    settings.MATCH_BENCHMARK_MIN_SAMPLE = 3
    for index, rate in enumerate(("40", "50", "60")):
        onshore(f"Euro {index}", rate)
    run = MatchRun.objects.create(requirement=requirement)
    assert runs.match_run_execute(run_id=run.pk, task_id="benchmark-basis") == "succeeded"
    run.refresh_from_db()
    client.force_login(owner)
    page = client.get(f"/requirements/{requirement.pk}/runs/{run.pk}/").content.decode()
    day = run.parameters["exchange_rates_as_of"]
    assert (
        f"Onshore benchmark: median of 3 onshore senior rates in Finance &amp; accounting, 50.00 EUR/h "
        f"at the exchange rates of {day}." in page
    )


def test_an_engagement_records_the_benchmark_when_it_is_awarded(client, owner, requirement, settings):
    settings.MATCH_BENCHMARK_MIN_SAMPLE = 3
    for index, rate in enumerate(("40", "50", "60")):
        onshore(f"Euro {index}", rate)
    offshore = make_vendor("Offshore firm", country="IN", tz="Asia/Kolkata", rate="30.00", currency="EUR")
    run = MatchRun.objects.create(requirement=requirement)
    assert runs.match_run_execute(run_id=run.pk, task_id="award") == "succeeded"
    result = run.results.get(vendor=offshore)
    engagement = delivery_services.engagement_propose(
        result=result,
        proposed_by=owner,
        agreed_rate=Decimal("32.00"),
        currency="EUR",
        fte=Decimal("1"),
        start_date=timezone.localdate() - timedelta(days=61),
    )
    assert (engagement.benchmark_rate, engagement.benchmark_basis, engagement.benchmark_size) == (
        Decimal("50.00"),
        "domain_seniority",
        3,
    )
    delivery_services.engagement_transition(engagement=engagement, action="accept", actor=None)
    client.force_login(owner)
    page = client.get("/").content.decode()
    savings = page.split("data-savings", 1)[1]
    realised = (Decimal(18) * 160 * Decimal(61) / Decimal("30.4375")).quantize(Decimal(1))  # 18 EUR/h x 2 months
    assert f"{realised:,}" in savings and "Finance &amp; accounting" in savings
