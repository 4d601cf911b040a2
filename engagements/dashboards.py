"""Reads behind the home pages (one per role), which combine every concept of the demand side.
Every queryset here is scoped to its caller."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access.visibility import reviews_visible_to
from engagements.delivery.selectors import (
    client_spend_by_country,
    engagement_list_for_client,
    engagement_list_for_vendor,
)
from engagements.matching.selectors import match_run_list_for_client
from engagements.models import (
    ClientOrganization,
    EngagementStatus,
    MatchRun,
    Requirement,
    RequirementStatus,
)
from engagements.requirements.selectors import requirement_list_for_client
from engagements.rfp import selectors as rfp_selectors
from kpo.access import Caller
from vendors.models import RateCard, Seniority, Vendor, VendorCertification, VendorLanguage

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ProfileFacts(TypedDict):
    """What vendor_with_profile_facts annotates (besides one has_rate_<seniority> per seniority)."""

    skill_count: int
    rate_count: int
    center_count: int
    certification_count: int
    has_security_certification: bool
    has_languages: bool
    has_domains: bool


def client_dashboard(*, caller: Caller) -> dict:
    """The home page of a client organization's manager: its requirements, runs, RFPs,
    engagements and spend (the caller has a client membership)."""
    client = caller.client
    assert client is not None, "only for a member of a client organization"
    requirements = requirement_list_for_client(caller=caller)
    engagements = engagement_list_for_client(caller=caller)
    return {
        "open_requirements": list(requirements.filter(status=RequirementStatus.OPEN)[:10]),
        "open_requirement_count": requirements.filter(status=RequirementStatus.OPEN).count(),
        "recent_runs": list(match_run_list_for_client(caller=caller)[:5]),
        "recent_rfps": list(rfp_selectors.rfp_list_for_client(caller=caller).order_by("-created_at", "-id")[:5]),
        "active_engagements": list(engagements.filter(status=EngagementStatus.ACTIVE)[:10]),
        "engagement_counts": dict(
            engagements.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
        "spend": client_spend_by_country(client=client),
    }


def vendor_dashboard(*, caller: Caller) -> dict:
    """The home page of a vendor firm's admin or editor (the caller has a vendor membership)."""
    assert caller.vendor_id is not None, "only for a member of a vendor firm"
    engagements = engagement_list_for_vendor(caller=caller)
    vendor = vendor_with_profile_facts(vendor_id=caller.vendor_id)
    reviews = reviews_visible_to(caller).filter(vendor_id=caller.vendor_id).select_related("engagement__client")
    return {
        "vendor": vendor,
        "completeness": vendor_profile_completeness(vendor=vendor),
        "proposed_engagements": list(engagements.filter(status=EngagementStatus.PROPOSED)[:10]),
        "active_engagements": list(engagements.filter(status=EngagementStatus.ACTIVE)[:10]),
        "recent_reviews": list(reviews[:5]),
        **_vendor_rfp_dashboard(caller=caller),
    }


def _vendor_rfp_dashboard(*, caller: Caller) -> dict:
    return {
        "open_invitations": list(rfp_selectors.open_invitations_for_vendor(caller=caller)[:10]),
        "recent_proposals": list(rfp_selectors.proposal_list_for_vendor(caller=caller)[:10]),
    }


def vendor_with_profile_facts(*, vendor_id: int, on_date: date | None = None) -> WithAnnotations[Vendor, ProfileFacts]:
    """The vendor with what its dashboard and profile completeness need, in one
    query: counts of skills, rate cards, centres and certifications, and whether
    it has a rate card per seniority, a valid security certification, languages
    and expertise areas. Exists() subqueries, not more joins, so the counts do
    not multiply."""
    on_date = on_date or timezone.localdate()
    rates = RateCard.objects.filter(vendor=OuterRef("pk"))
    seniority_flags = {f"has_rate_{value}": Exists(rates.filter(seniority=value)) for value in Seniority.values}
    return (
        Vendor.objects.filter(pk=vendor_id)
        .annotate(
            skill_count=Count("vendor_skills", distinct=True),
            rate_count=Count("rates", distinct=True),
            center_count=Count("delivery_centers", distinct=True),
            certification_count=Count("vendor_certifications", distinct=True),
            has_security_certification=Exists(
                VendorCertification.objects.filter(vendor=OuterRef("pk"), certification__is_security=True).filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gte=on_date)
                )
            ),
            has_languages=Exists(VendorLanguage.objects.filter(vendor=OuterRef("pk"))),
            has_domains=Exists(Vendor.domains.through.objects.filter(vendor_id=OuterRef("pk"))),
            **seniority_flags,
        )
        .get()
    )


def vendor_profile_completeness(*, vendor: WithAnnotations[Vendor, ProfileFacts]) -> dict:
    """How complete the profile is for matching: the share of checks passed and,
    for each one missing, what it costs the vendor in matching (the rules of
    engagements/matching/scoring.py and candidates.py, in the vendor's words).
    `vendor` comes from vendor_with_profile_facts (no further query)."""
    has_any_rate = vendor.rate_count > 0
    checks: list[tuple[str, bool, str, str]] = [
        (
            "domains",
            vendor.has_domains,
            _("No expertise areas"),
            _("every need asks for a domain, so you cannot be matched"),
        ),
        ("skills", vendor.skill_count > 0, _("No skills"), _("your expertise score is 0 for every need")),
    ]
    for value, label in Seniority.choices:
        title = _("No rate card for %(seniority)s") % {"seniority": str(label).lower()}
        effect = (
            _("matching estimates your cost from another seniority")
            if has_any_rate
            else _("without any rate card your cost cannot be estimated, so you cannot be matched")
        )
        checks.append((f"rate_{value}", getattr(vendor, f"has_rate_{value}"), title, effect))
    checks += [
        ("delivery_centre", vendor.center_count > 0, _("No delivery centre"), _("you cannot be matched")),
        (
            "security_certification",
            vendor.has_security_certification,
            _("No security certification"),
            _("buyers with a confidential need see a security risk flag on you"),
        ),
        (
            "reviews",
            vendor.review_count > 0,
            _("No reviews yet"),
            _("your quality score counts you as 3.5 stars until buyers review you"),
        ),
        ("verified", vendor.verified, _("Not verified"), _("your quality score misses the 15 points of verification")),
        ("languages", vendor.has_languages, _("No languages"), _("needs that require a language leave you out")),
        (
            "available_fte",
            vendor.available_fte > 0,
            _("Available FTE is 0"),
            _("you are left out of every need"),
        ),
    ]
    done = sum(1 for _code, passed, _title, _effect in checks if passed)
    missing = [{"code": code, "title": title, "effect": effect} for code, passed, title, effect in checks if not passed]
    return {"percent": round(100 * done / len(checks)), "missing": missing, "total": len(checks), "done": done}


# -- the vendor's portal ---------------------------------------------------------------

# Proposals waiting for an answer first, then work in progress, then the closed ones.


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
