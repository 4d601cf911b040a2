"""The procurement manager's requirement pages: list, create, edit, delete and read one.

Every lookup goes through the manager's organization (404 outside it); every write is a
POST (CSRF) handled by a service."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from engagements.matching import runs
from engagements.matching import selectors as matching_selectors
from engagements.matching.scoring import COMPONENTS, DOMAIN_DEFAULT_METHOD, METHODS, resolve_weights
from engagements.models import MatchRun, MatchRunStatus, Requirement, RequirementStatus, SelectionMethod
from engagements.requirements import selectors as requirements_selectors
from engagements.requirements import services as requirements_services
from engagements.requirements.forms import COMPONENT_LABELS, RequirementForm, requirement_skill_formset
from kpo.access import Caller
from kpo.codes import display_country_names, display_language_names
from kpo.permissions import client_manager_required

# scoring.py is framework-free and writes the methods' descriptions in English. These
# marks put the same sentences in the translation catalogue; `method_description`
# translates them for the page (a sentence changed there shows in English until it is
# marked here too, which tests/kpo/test_i18n.py checks).
METHOD_DESCRIPTIONS = (
    gettext_noop("Expertise first, then cost; location, quality and capacity count too."),
    gettext_noop(
        "Quality- and cost-based selection: 80 % quality (expertise, reviews, location, capacity), 20 % cost."
    ),
    gettext_noop("Cost does not count: the best qualified vendor wins."),
    gettext_noop("Best quality among vendors whose rate is within the budget."),
    gettext_noop("Cheapest vendor among those with an expertise score of at least 60."),
)


def method_description(method) -> str:
    return _(method.description) if method is not None and method.description else ""


def vendor_pages_available() -> bool:
    """The vendor page belongs to the vendors app; link to it once it exists."""
    try:
        reverse("vendors:detail", args=["x"])
    except NoReverseMatch:
        return False
    return True


def requirement_or_404(request, pk: int) -> Requirement:
    """The requirement with its skills and certifications, if it is the manager's organization's."""
    return get_object_or_404(requirements_selectors.requirement_for_manager(caller=Caller.of(request)), pk=pk)


# -- requirements ------------------------------------------------------------------------


@client_manager_required
@require_GET
def requirement_list(request):
    status = request.GET.get("status", "")
    if status not in RequirementStatus.values:
        status = ""
    requirements = requirements_selectors.requirement_list_page(caller=Caller.of(request), status=status or None)
    return render(
        request,
        "engagements/requirement_list.html",
        {"requirements": requirements, "status": status, "statuses": RequirementStatus.choices},
    )


def _form_context(form: RequirementForm, formset, requirement: Requirement | None = None) -> dict:
    methods = [
        {
            "code": code,
            "label": SelectionMethod(code).label,
            "description": method_description(method),
            "weights": [(COMPONENT_LABELS[key], method.weights[key]) for key in COMPONENTS],
        }
        for code, method in METHODS.items()
    ]
    return {
        "form": form,
        "formset": formset,
        "requirement": requirement,
        "skill_groups": formset.skill_lookup.grouped(),
        "methods": methods,
        "method_data": {
            "defaults": DOMAIN_DEFAULT_METHOD,
            "weights": {code: dict(method.weights) for code, method in METHODS.items()},
            "labels": {code: str(SelectionMethod(code).label) for code in METHODS},
        },
        "weights_open": bool(form.weight_errors()) or any(form[f"weight_{k}"].value() for k in COMPONENTS),
    }


@client_manager_required
@require_http_methods(["GET", "POST"])
def requirement_create(request):
    client = Caller.of(request).client
    if request.method == "POST":
        form = RequirementForm(request.POST, client=client)
        formset = requirement_skill_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            requirement = requirements_services.requirement_create(
                client=client, created_by=request.user, data=form.service_data(formset.skill_rows())
            )
            messages.success(request, _("Requirement “%(title)s” created.") % {"title": requirement.title})
            return redirect("requirements:detail", pk=requirement.pk)
    else:
        form = RequirementForm(client=client)
        formset = requirement_skill_formset()
    return render(request, "engagements/requirement_form.html", _form_context(form, formset))


@client_manager_required
@require_http_methods(["GET", "POST"])
def requirement_edit(request, pk: int):
    client = Caller.of(request).client
    requirement = requirement_or_404(request, pk)
    if request.method == "POST":
        form = RequirementForm(request.POST, client=client, instance=requirement)
        formset = requirement_skill_formset(data=request.POST, requirement=requirement)
        if form.is_valid() and formset.is_valid():
            requirements_services.requirement_update(
                requirement=requirement, data=form.service_data(formset.skill_rows())
            )
            messages.success(request, _("Requirement saved."))
            return redirect("requirements:detail", pk=requirement.pk)
    else:
        form = RequirementForm(client=client, instance=requirement)
        formset = requirement_skill_formset(requirement=requirement)
    return render(request, "engagements/requirement_form.html", _form_context(form, formset, requirement))


@client_manager_required
@require_http_methods(["GET", "POST"])
def requirement_delete(request, pk: int):
    """GET: what deleting takes with it, or why it cannot be deleted. POST: delete."""
    requirement = requirement_or_404(request, pk)
    problem: str | None
    if request.method == "POST":
        try:
            requirements_services.requirement_delete(requirement=requirement)
        except requirements_services.RequirementError as exc:
            problem = str(exc)
        else:
            messages.success(request, _("Requirement “%(title)s” deleted.") % {"title": requirement.title})
            return redirect("requirements:list")
    else:
        problem = requirements_services.requirement_delete_problem(requirement=requirement)
    context = {"requirement": requirement, "problem": problem, "run_count": requirement.match_runs.count()}
    return render(
        request,
        "engagements/requirement_delete.html",
        context,
        status=409 if problem and request.method == "POST" else 200,
    )


@client_manager_required
@require_GET
def requirement_detail(request, pk: int):
    requirement = requirement_or_404(request, pk)
    run_list = list(matching_selectors.match_run_list_for_requirement(requirement=requirement))
    names = display_country_names()
    languages = display_language_names()
    return render(
        request,
        "engagements/requirement_detail.html",
        {
            "requirement": requirement,
            "runs": run_list,
            "stale_run": current_stale_run(run_list),
            "problems": runs.requirement_match_problems(requirement),
            "method": METHODS.get(requirement.selection_method),
            "method_description": method_description(METHODS.get(requirement.selection_method)),
            "weights": _resolved_weights(requirement),
            "excluded_countries": [names.get(code, code) for code in requirement.excluded_countries],
            "languages": [languages.get(code, code) for code in requirement.languages],
            "engagements": list(requirement.engagements.select_related("vendor").order_by("-created_at")),
        },
    )


def current_stale_run(run_list: list[MatchRun]) -> MatchRun | None:
    """The requirement's current shortlist (its latest succeeded run, `run_list`
    newest first) when a vendor on it changed its profile after the run, unless a
    newer run is already under way."""
    for run in run_list:
        if run.status in (MatchRunStatus.PENDING, MatchRunStatus.RUNNING):
            return None
        if run.status == MatchRunStatus.SUCCEEDED:
            return run if run.stale_since else None
    return None


def _resolved_weights(requirement: Requirement) -> list[dict]:
    try:
        resolved = resolve_weights(requirement.selection_method, requirement.weights or None)
    except (ValueError, TypeError):
        return []
    explicit = requirement.weights or {}
    return [
        {"label": COMPONENT_LABELS[key], "percent": round(resolved[key] * 100, 1), "explicit": key in explicit}
        for key in COMPONENTS
    ]


# -- match runs ------------------------------------------------------------------------
