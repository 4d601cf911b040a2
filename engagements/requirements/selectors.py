"""Reads of requirements. Every queryset here is scoped to its caller."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet

from engagements.models import (
    ClientOrganization,
    Requirement,
)
from engagements.organizations.selectors import membership_for
from kpo.models import User


def requirement_list_for_client(*, client: ClientOrganization) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(client=client)
        .select_related("domain")
        .annotate(skill_count=Count("requirement_skills", distinct=True))
    )


def requirement_queryset_for(*, user: User | AnonymousUser) -> QuerySet[Requirement]:
    """Requirements the user may see: staff all, a client manager their
    organization's, anyone else none (so every lookup outside is a 404)."""
    queryset = Requirement.objects.select_related("client", "domain").prefetch_related(
        "requirement_skills__skill", "required_certifications"
    )
    if user.is_staff:
        return queryset
    membership = membership_for(user=user)
    if membership is None or not membership.is_client:
        return queryset.none()
    return queryset.filter(client_id=membership.client_id)


def requirement_list_page(*, client: ClientOrganization, status: str | None = None) -> QuerySet[Requirement]:
    """The requirement list: counts of skills, runs and engagements in one query."""
    queryset = (
        Requirement.objects.filter(client=client)
        .select_related("domain")
        .annotate(
            skill_count=Count("requirement_skills", distinct=True),
            run_count=Count("match_runs", distinct=True),
            engagement_count=Count("engagements", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def requirement_for_manager(*, user: User | AnonymousUser, client: ClientOrganization) -> QuerySet[Requirement]:
    """A manager's requirements: the per-user scope, narrowed to the organization
    the page works for (a staff member with a client membership sees only it)."""
    return requirement_queryset_for(user=user).filter(client=client)
