"""Reads of match runs and their results. Every queryset here is scoped to its caller."""

from collections.abc import Iterable, Sequence
from itertools import groupby

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from engagements.access.visibility import match_results_visible_to, match_runs_visible_to
from engagements.models import (
    MatchResult,
    MatchRun,
    Requirement,
)
from engagements.organizations.selectors import membership_for
from kpo.access import Caller
from kpo.bounds import whole_number
from kpo.models import User
from vendors.models import Skill, Vendor


def match_run_list_for_client(*, caller: Caller) -> QuerySet[MatchRun]:
    """The match runs of the caller's client organization (none without one)."""
    return (
        match_runs_visible_to(caller)
        .filter(requirement__client_id=caller.client_id)
        .select_related("requirement__domain")  # the benchmark's words name the domain
    )


def match_run_queryset_for(*, user: User | AnonymousUser) -> QuerySet[MatchRun]:
    caller = Caller.build(user, membership_for(user=user) if not user.is_staff else None)
    return match_runs_visible_to(caller).select_related("requirement__domain")


def match_run_with_results(*, run: MatchRun) -> MatchRun:
    return (
        MatchRun.objects.select_related("requirement__domain")
        .prefetch_related(Prefetch("results", queryset=MatchResult.objects.select_related("vendor").order_by("rank")))
        .get(pk=run.pk)
    )


# -- the procurement manager's pages ---------------------------------------------------


def match_run_for_client(*, caller: Caller) -> QuerySet[MatchRun]:
    """A run page's lookup: the runs of the caller's client organization (none without one; a
    staff account with a client membership sees its organization's only, as the pages always did)."""
    return (
        match_runs_visible_to(caller)
        .filter(requirement__client_id=caller.client_id)
        .select_related("requirement__domain")
    )


def match_run_list_for_requirement(*, requirement: Requirement) -> QuerySet[MatchRun]:
    return (
        MatchRun.objects.filter(requirement=requirement)
        .annotate(result_count=Count("results"))
        .order_by("-created_at", "-id")
    )


def match_run_results(*, run: MatchRun) -> list[MatchResult]:
    return list(MatchResult.objects.filter(run=run).select_related("vendor").order_by("rank"))


def skill_names(*, codes: Iterable[str]) -> dict[str, str]:
    codes = set(codes)
    if not codes:
        return {}
    return dict(Skill.objects.filter(code__in=codes).values_list("code", "name"))


def match_result_for_client(*, caller: Caller) -> QuerySet[MatchResult]:
    """The shortlist entries of the caller's client organization's runs (none without one)."""
    return (
        match_results_visible_to(caller)
        .filter(run__requirement__client_id=caller.client_id)
        .select_related("vendor", "run__requirement__client")
    )


def why_not_vendors(*, run: MatchRun, user: User | AnonymousUser) -> QuerySet[Vendor]:
    """The vendors a caller may ask "why not?" about in a run: every vendor for
    staff; for a client, the directory's (the active ones) and any this run's
    shortlist names, so a deactivated vendor is never revealed by its answer."""
    if user.is_staff:
        return Vendor.objects.all()
    return Vendor.objects.filter(Q(is_active=True) | Q(pk__in=run.results.values("vendor_id")))


def vendor_lookup(*, query: str, among: QuerySet[Vendor], limit: int = 8) -> list[Vendor]:
    """Vendors (of `among`) matching a why-not search: an exact id, slug or name
    wins; otherwise names containing the text (at most `limit`)."""
    query = query.strip()
    if not query:
        return []
    exact = Q(slug=query) | Q(name__iexact=query)
    if (pk := whole_number(query)) is not None:
        exact |= Q(pk=pk)
    found = list(among.filter(exact).order_by("name", "id")[:limit])
    if found:
        return found
    return list(among.filter(name__icontains=query).order_by("name", "id")[:limit])


def pareto_front(points: Sequence[tuple[float | None, float]]) -> set[int]:
    """Indices of the non-dominated (cost, score) points: those for which no other
    point is at least as cheap and at least as good, and strictly better in one of
    the two. Equal points share their fate; a point without a cost is never on
    the front. O(n log n): sweep from the cheapest, keeping the best score so far."""
    ordered = sorted((cost, -score, index) for index, (cost, score) in enumerate(points) if cost is not None)
    front: set[int] = set()
    best = float("-inf")
    for _cost, group in groupby(ordered, key=lambda item: item[0]):
        rows = list(group)
        top = -rows[0][1]  # the best score at this cost
        if top > best:
            front.update(index for _c, negative, index in rows if -negative == top)
            best = top
    return front
