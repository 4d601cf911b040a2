"""Reads for the demand side. Every queryset here is scoped to its caller."""

from django.db.models import Count, Q, QuerySet

from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementStatus,
    MatchRun,
    Membership,
    Requirement,
    RequirementStatus,
    Review,
)
from vendors.models import Vendor


def membership_for(*, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("client", "vendor").filter(user=user).first()


def requirement_list_for_client(*, client: ClientOrganization) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(client=client)
        .select_related("domain")
        .annotate(skill_count=Count("requirement_skills", distinct=True))
    )


def match_run_list_for_client(*, client: ClientOrganization) -> QuerySet[MatchRun]:
    return MatchRun.objects.filter(requirement__client=client).select_related("requirement")


def engagement_list_for_client(*, client: ClientOrganization) -> QuerySet[Engagement]:
    return Engagement.objects.filter(client=client).select_related("vendor", "requirement")


def engagement_list_for_vendor(*, vendor: Vendor) -> QuerySet[Engagement]:
    return Engagement.objects.filter(vendor=vendor).select_related("client", "requirement")


def client_dashboard(*, client: ClientOrganization) -> dict:
    requirements = requirement_list_for_client(client=client)
    engagements = engagement_list_for_client(client=client)
    return {
        "open_requirements": list(requirements.filter(status=RequirementStatus.OPEN)[:10]),
        "open_requirement_count": requirements.filter(status=RequirementStatus.OPEN).count(),
        "recent_runs": list(match_run_list_for_client(client=client)[:5]),
        "active_engagements": list(engagements.filter(status=EngagementStatus.ACTIVE)[:10]),
        "engagement_counts": dict(
            engagements.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
    }


def vendor_dashboard(*, vendor: Vendor) -> dict:
    engagements = engagement_list_for_vendor(vendor=vendor)
    vendor = (
        Vendor.objects.filter(pk=vendor.pk)
        .annotate(
            skill_count=Count("vendor_skills", distinct=True),
            rate_count=Count("rates", distinct=True),
            center_count=Count("delivery_centers", distinct=True),
            certification_count=Count("vendor_certifications", distinct=True),
        )
        .get()
    )
    return {
        "vendor": vendor,
        "proposed_engagements": list(engagements.filter(status=EngagementStatus.PROPOSED)[:10]),
        "active_engagements": list(engagements.filter(status=EngagementStatus.ACTIVE)[:10]),
        "recent_reviews": list(Review.objects.filter(vendor=vendor).select_related("engagement__client")[:5]),
    }


def staff_dashboard() -> dict:
    vendor_counts = Vendor.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        unverified=Count("id", filter=Q(is_active=True, verified=False)),
    )
    return {
        "vendor_counts": vendor_counts,
        "client_count": ClientOrganization.objects.count(),
        "open_requirement_count": Requirement.objects.filter(status=RequirementStatus.OPEN).count(),
        "recent_runs": list(MatchRun.objects.select_related("requirement__client")[:8]),
        "unverified_vendors": list(
            Vendor.objects.filter(is_active=True, verified=False).order_by("-created_at", "-id")[:8]
        ),
    }


def requirement_queryset_for(*, user) -> QuerySet[Requirement]:
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


def match_run_queryset_for(*, user) -> QuerySet[MatchRun]:
    queryset = MatchRun.objects.select_related("requirement")
    if user.is_staff:
        return queryset
    membership = membership_for(user=user)
    if membership is None or not membership.is_client:
        return queryset.none()
    return queryset.filter(requirement__client_id=membership.client_id)


def match_run_with_results(*, run: MatchRun) -> MatchRun:
    from django.db.models import Prefetch

    from engagements.models import MatchResult

    return (
        MatchRun.objects.select_related("requirement")
        .prefetch_related(Prefetch("results", queryset=MatchResult.objects.select_related("vendor").order_by("rank")))
        .get(pk=run.pk)
    )
