"""Reads of requirements. Every queryset here is scoped to its caller."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet

from engagements.access.visibility import requirements_visible_to
from engagements.models import Requirement
from engagements.organizations.selectors import membership_for
from kpo.access import Caller
from kpo.models import User


def requirement_list_for_client(*, caller: Caller) -> QuerySet[Requirement]:
    """The requirements of the caller's client organization (none without one)."""
    return (
        requirements_visible_to(caller)
        .filter(client_id=caller.client_id)
        .select_related("domain")
        .annotate(skill_count=Count("requirement_skills", distinct=True))
    )


def requirement_queryset_for(*, user: User | AnonymousUser) -> QuerySet[Requirement]:
    """Requirements the user may see: staff all, a client manager their
    organization's, anyone else none (so every lookup outside is a 404)."""
    caller = Caller.build(user, membership_for(user=user) if not user.is_staff else None)
    if caller.vendor_id is not None:
        return Requirement.objects.none()  # the requirement pages and API are the client's
    return (
        requirements_visible_to(caller)
        .select_related("client", "domain")
        .prefetch_related("requirement_skills__skill", "required_certifications")
    )


def requirement_list_page(*, caller: Caller, status: str | None = None) -> QuerySet[Requirement]:
    """The requirement list of the caller's client organization: counts of skills, runs and
    engagements in one query."""
    queryset = (
        requirements_visible_to(caller)
        .filter(client_id=caller.client_id)
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


def requirement_for_manager(*, caller: Caller) -> QuerySet[Requirement]:
    """A manager's requirement pages: the caller's client organization's requirements (none
    without one; a staff account with a client membership sees its organization's only)."""
    return (
        requirements_visible_to(caller)
        .filter(client_id=caller.client_id)
        .select_related("client", "domain")
        .prefetch_related("requirement_skills__skill", "required_certifications")
    )
