"""The Bayesian rating: a vendor's mean review rating pulled towards a prior, so one 5-star
review does not beat fifty 4.8s. One definition, in the two forms the code needs: Python
(`bayesian_rating`) and SQL (`bayesian_rating_expression`, to sort the directory in the
database). tests/vendors/test_rating.py holds them equal to each other and to the copy in
engagements/matching/scoring.py, which may import nothing from the project."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, ExpressionWrapper, F, FloatField, Q, Value, When
from django.db.models.functions import Cast

RATING_PRIOR_MEAN = 3.5
RATING_PRIOR_STRENGTH = 5


def bayesian_rating(review_count: int, mean: float | Decimal | None) -> float:
    """(strength x prior + n x mean) / (strength + n); the prior itself without reviews."""
    if review_count <= 0 or mean is None:
        return RATING_PRIOR_MEAN
    return (RATING_PRIOR_STRENGTH * RATING_PRIOR_MEAN + review_count * float(mean)) / (
        RATING_PRIOR_STRENGTH + review_count
    )


def bayesian_rating_expression(count: str = "review_count", mean: str = "rating") -> Case:
    """The same as SQL, over a row's `count` and `mean` columns."""
    count_value = Cast(F(count), FloatField())
    return Case(
        When(Q(**{f"{count}__lte": 0}) | Q(**{f"{mean}__isnull": True}), then=Value(RATING_PRIOR_MEAN)),
        default=ExpressionWrapper(
            (Value(RATING_PRIOR_STRENGTH * RATING_PRIOR_MEAN) + count_value * Cast(F(mean), FloatField()))
            / (Value(float(RATING_PRIOR_STRENGTH)) + count_value),
            output_field=FloatField(),
        ),
        output_field=FloatField(),
    )
