"""The Pareto front of a shortlist (fit against cost): the vendors no other
vendor beats on both price and score."""

from hypothesis import given
from hypothesis import strategies as st

from engagements.matching.selectors import pareto_front


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """a is at least as cheap and at least as good as b, and strictly better in one."""
    return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])


def test_it_keeps_only_the_vendors_nobody_beats_on_cost_and_score():
    points = [(100, 50), (80, 60), (120, 90), (90, 55), (200, 85), (70, 40)]
    # (90, 55) loses to (80, 60); (200, 85) loses to (120, 90); (100, 50) loses to (80, 60).
    assert pareto_front(points) == {1, 2, 5}


def test_the_cheapest_and_the_best_are_always_on_the_front():
    points = [(10, 20), (50, 95), (30, 60)]
    front = pareto_front(points)
    assert 0 in front and 1 in front


def test_a_dearer_vendor_with_the_same_score_is_dominated():
    assert pareto_front([(100, 70), (150, 70)]) == {0}


def test_a_lower_score_at_the_same_cost_is_dominated():
    assert pareto_front([(100, 70), (100, 65)]) == {0}


def test_identical_points_share_the_front():
    assert pareto_front([(100, 70), (100, 70), (120, 60)]) == {0, 1}


def test_points_without_a_cost_are_never_on_the_front():
    assert pareto_front([(None, 99), (100, 50)]) == {1}


def test_an_empty_shortlist_has_an_empty_front():
    assert pareto_front([]) == set()


finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(finite, st.floats(min_value=0, max_value=100, allow_nan=False)), max_size=40))
def test_the_front_is_exactly_the_non_dominated_points(points):
    front = pareto_front(points)
    for index, point in enumerate(points):
        beaten = any(dominates(other, point) for other in points)
        assert (index in front) == (not beaten)
