"""Writes of requirements. Each service is one transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from engagements.matching.scoring import DOMAIN_DEFAULT_METHOD
from engagements.models import (
    ClientOrganization,
    MatchRunStatus,
    Requirement,
    RequirementSkill,
)
from kpo.models import User

REQUIREMENT_FIELDS = (
    "title",
    "description",
    "domain",
    "seniority",
    "budget_hourly_rate",
    "currency",
    "estimated_hours",
    "fte_needed",
    "start_date",
    "location_classes",
    "preferred_location_classes",
    "excluded_countries",
    "languages",
    "min_timezone_overlap_hours",
    "confidentiality",
    "selection_method",
    "weights",
    "status",
)


def _set_skills(requirement: Requirement, skills: list[dict]) -> None:
    requirement.requirement_skills.all().delete()
    RequirementSkill.objects.bulk_create(
        RequirementSkill(
            requirement=requirement,
            skill=row["skill"],
            min_proficiency=row.get("min_proficiency", 3),
            weight=row.get("weight", 1),
            must_have=row.get("must_have", False),
        )
        for row in skills
    )


@transaction.atomic
def requirement_create(*, client: ClientOrganization, created_by: User, data: dict) -> Requirement:
    """Create a requirement from validated data. Without a selection method it
    takes the default of its domain (scoring.DOMAIN_DEFAULT_METHOD)."""
    values = {key: data[key] for key in REQUIREMENT_FIELDS if key in data}
    values.setdefault("selection_method", DOMAIN_DEFAULT_METHOD.get(values["domain"].code, "balanced"))
    requirement = Requirement.objects.create(client=client, created_by=created_by, **values)
    _set_skills(requirement, data.get("skills", []))
    requirement.required_certifications.set(data.get("required_certifications", []))
    return requirement


@transaction.atomic
def requirement_update(*, requirement: Requirement, data: dict) -> Requirement:
    for key in REQUIREMENT_FIELDS:
        if key in data:
            setattr(requirement, key, data[key])
    requirement.save()
    if "skills" in data:
        _set_skills(requirement, data["skills"])
    if "required_certifications" in data:
        requirement.required_certifications.set(data["required_certifications"])
    return requirement


class RequirementError(ValueError):
    """A change the requirement's state does not allow (the API answers 409)."""


def requirement_delete(*, requirement: Requirement) -> None:
    """Deletes a requirement with its match runs and their results (a sync client
    gets a "deleted" tombstone). One that vendors took part in stays: with an
    engagement or a request for proposal it can only be cancelled. Never while a
    run is pending or running (the worker would lose its row mid-run).

    The row is locked first: a run created meanwhile waits for this transaction
    (match_run_create locks the requirement too). Deleting what is already gone
    does nothing."""
    with transaction.atomic():
        locked = Requirement.objects.select_for_update().filter(pk=requirement.pk).first()
        if locked is None:
            return
        _requirement_deletable(locked)
        locked.delete()


def requirement_delete_problem(*, requirement: Requirement) -> str | None:
    """Why the requirement cannot be deleted now (None: it can), for a confirmation page."""
    try:
        _requirement_deletable(requirement)
    except RequirementError as exc:
        return str(exc)
    return None


def _requirement_deletable(requirement: Requirement) -> None:
    if requirement.engagements.exists():
        raise RequirementError(_("This requirement has engagements: set its status to cancelled instead."))
    if requirement.rfps.exists():
        raise RequirementError(
            _("Vendors were invited to propose on this requirement: set its status to cancelled instead.")
        )
    if requirement.match_runs.filter(status__in=[MatchRunStatus.PENDING, MatchRunStatus.RUNNING]).exists():
        raise RequirementError(_("A match run of this requirement is still in progress: delete it once the run ends."))


# -- engagements -------------------------------------------------------------------
