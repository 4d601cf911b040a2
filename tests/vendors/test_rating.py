"""The Bayesian rating has one definition (vendors/rating.py): its SQL form sorts the directory
exactly as its Python form ranks, and the pure copy in matching's scoring agrees with both."""

from decimal import Decimal

import pytest

from engagements.matching import scoring
from tests.factories import VendorFactory
from vendors.models import Vendor
from vendors.rating import RATING_PRIOR_MEAN, RATING_PRIOR_STRENGTH, bayesian_rating, bayesian_rating_expression

CASES = [
    (0, None),
    (0, Decimal("4.00")),
    (1, Decimal("5.00")),
    (1, Decimal("1.00")),
    (3, None),
    (12, Decimal("4.60")),
    (50, Decimal("4.80")),
    (999, Decimal("2.35")),
]


def test_the_prior_is_the_one_scoring_uses():
    assert (RATING_PRIOR_MEAN, RATING_PRIOR_STRENGTH) == (scoring.PRIOR_MEAN, scoring.PRIOR_STRENGTH)


@pytest.mark.parametrize(("count", "mean"), CASES)
def test_python_and_scoring_agree(count, mean):
    expected = scoring.bayesian_rating(count, None if mean is None else float(mean))
    assert bayesian_rating(count, mean) == pytest.approx(expected)


@pytest.mark.django_db
def test_the_sql_form_equals_the_python_form_on_every_case():
    vendors = [
        VendorFactory(review_count=count, rating=mean, slug=f"rated-{index}")
        for index, (count, mean) in enumerate(CASES)
    ]
    computed = dict(
        Vendor.objects.filter(pk__in=[v.pk for v in vendors])
        .annotate(bayesian=bayesian_rating_expression())
        .values_list("pk", "bayesian")
    )
    for vendor, (count, mean) in zip(vendors, CASES, strict=True):
        assert computed[vendor.pk] == pytest.approx(bayesian_rating(count, mean)), (count, mean)


def test_one_five_star_review_does_not_beat_fifty_at_four_point_eight():
    assert bayesian_rating(1, 5) < bayesian_rating(50, Decimal("4.8"))
