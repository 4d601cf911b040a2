"""Writes on the demand side. Each service is one transaction."""

from django.db import transaction

from engagements.matching.scoring import DOMAIN_DEFAULT_METHOD
from engagements.models import ClientOrganization, Requirement, RequirementSkill

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
def requirement_create(*, client: ClientOrganization, created_by, data: dict) -> Requirement:
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
