"""Proposals are scored on their bid, not on the vendor's rate card: the cost fit and the total
come from the proposed rate, converted at the exchange rate recorded when the proposal was
submitted; the rate card is shown beside it for reference (issue: a bid 60 % above the card
still got the card's cost fit)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from engagements.matching.scoring import COMPONENTS, cost_score
from engagements.models import MatchResult
from tests.engagements.helpers import WEIGHTS
from tests.engagements.rfp.helpers import Bid, api
from vendors.models import ExchangeRate, RateCard
from vendors.money import ExchangeTable

pytestmark = pytest.mark.django_db


@pytest.fixture
def bids(owner):
    """Firm A bids 64 EUR/h against a 40 EUR card (60 % above it; the budget is 60 EUR/h);
    Firm B bids 40 USD/h. Then the dollar doubles in value: B's bid stays at its day's rate."""
    bid = Bid(owner, vendors=2)
    seniority = bid.requirement.seniority
    RateCard.objects.update_or_create(
        vendor=bid.vendors[0], seniority=seniority, defaults={"hourly_rate": Decimal("40.00"), "currency": "EUR"}
    )
    RateCard.objects.filter(vendor=bid.vendors[1]).delete()
    bid.create()
    bid.submit(0, approach="A", rate="64.00", currency="EUR")
    bid.submit(1, approach="B", rate="40.00", currency="USD")
    bid.usd_to_eur = ExchangeTable.current().factors_to("EUR")["USD"]
    usd = ExchangeRate.objects.get(currency="USD")
    usd.rate_to_base *= 2
    usd.save()
    bid.open_bids()
    return bid


def expected_total(vendor, cost_fit: float) -> float:
    components = MatchResult.objects.get(run__requirement__pk__isnull=False, vendor=vendor).components
    return min(100.0, sum(WEIGHTS[key] * (cost_fit if key == "cost" else components[key]) for key in COMPONENTS))


def test_the_api_scores_each_proposal_on_its_bid_at_the_rate_of_its_day(owner, bids):
    rows = {row["vendor"]["name"]: row for row in api(owner).get(f"/api/v1/rfps/{bids.rfp_id}/proposals/").json()}
    above_card = rows["Firm A"]
    assert above_card["bid"]["cost_fit"] == pytest.approx(cost_score(64.0, 60.0))  # 52, where the card gave more
    assert above_card["bid"]["cost_fit"] < above_card["match"]["components"]["cost"]
    assert float(above_card["bid"]["score"]) == pytest.approx(expected_total(bids.vendors[0], 52.0), abs=0.01)
    assert above_card["bid"]["over_budget"] is True
    assert above_card["rate_card"] == {
        "hourly_rate": "40.00",
        "currency": "EUR",
        "hourly_rate_in_requirement_currency": "40.00",
    }

    in_dollars = rows["Firm B"]
    recorded = bids.usd_to_eur.quantize(Decimal("1e-12"))
    assert in_dollars["bid"]["rates_recorded"] is True
    assert Decimal(in_dollars["bid"]["exchange_rate"]) == recorded  # not today's doubled rate
    rate = (Decimal("40.00") * recorded).quantize(Decimal("0.01"))
    assert Decimal(in_dollars["cost_in_requirement_currency"]["hourly_rate"]) == rate
    assert in_dollars["bid"]["cost_fit"] == pytest.approx(cost_score(float(rate), 60.0), abs=0.01)
    assert in_dollars["bid"]["over_budget"] is False
    assert in_dollars["rate_card"] is None


def test_the_comparison_page_shows_the_bids_cost_fit_with_the_card_for_reference(client, owner, bids):
    client.force_login(owner)
    page = client.get(reverse("rfps:detail", args=[bids.rfp_id])).content.decode()
    assert 'data-cost-fit="52.0"' in page
    card_fit = MatchResult.objects.get(vendor=bids.vendors[0]).components["cost"]
    assert f"rate card: {card_fit:.0f}" in page
    assert "Score on the bid" in page and "over budget" in page
    assert "Rate card (Senior), for reference" in page
    assert "40.00 EUR/h" in page and "not quoted" in page
    assert "when submitted" in page  # B's dollars, at the rates of its day


def test_a_revision_records_the_rate_of_its_own_day(owner, bids):
    before = bids.proposal(1).exchange_rate
    bids.requirement.rfps.update(deadline=bids.requirement.rfps.get().deadline.replace(year=2030), opened_at=None)
    bids.submit(1, approach="B, revised", rate="40.00", currency="USD")
    after = bids.proposal(1).exchange_rate
    assert after == (ExchangeTable.current().factors_to("EUR")["USD"]).quantize(Decimal("1e-12"))
    assert after == before * 2
