"""The procurement manager's matching pages: start a run, follow it, read the shortlist with
its chart and explanations, export it, ask why a vendor is not on it.

Every lookup goes through the manager's organization (404 outside it); every write is a
POST (CSRF) handled by matching.runs."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from engagements.matching import runs
from engagements.matching import selectors as matching_selectors
from engagements.matching.benchmark import benchmark_text
from engagements.matching.reasons import exclusion_text
from engagements.matching.scoring import COMPONENTS, METHODS
from engagements.models import MatchRun, MatchRunStatus, Requirement, SelectionMethod
from engagements.requirements.forms import COMPONENT_LABELS
from engagements.requirements.views import requirement_or_404, vendor_pages_available
from kpo.access import Caller
from kpo.codes import display_country_names
from kpo.permissions import client_manager_required
from vendors.models import Certification, ExpertiseArea, VendorCertification, VendorSkill

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FINISHED = (MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED)
# HTMX stops polling when a response has this status (and still swaps it in).
HTMX_STOP_POLLING = 286

# Keyed by a flag's code (looked up with flag.get("code"), so possibly None).
FLAG_MEANINGS: dict[str | None, tuple[StrOrPromise, StrOrPromise]] = {
    "ip_security": (
        gettext_lazy("IP and data security"),
        gettext_lazy(
            "Your need is highly confidential, and this vendor holds no valid security certification "
            "(such as ISO 27001 or SOC 2) that would show how it protects your data and intellectual property."
        ),
    ),
    "communication": (
        gettext_lazy("Communication"),
        gettext_lazy(
            "Working together will be hard: its delivery centres share less than 2 hours of your working day, "
            "or it works in none of your languages."
        ),
    ),
    "quality": (
        gettext_lazy("Quality evidence"),
        gettext_lazy(
            "There is little evidence of its quality yet: fewer than 3 client reviews, or the platform has not "
            "verified the firm."
        ),
    ),
}


def _domain_name(parameters: dict, requirement: Requirement) -> str:
    """The name of the run's domain (the requirement's, unless it changed since the run)."""
    code = parameters.get("domain")
    if code is None or code == requirement.domain.code:
        return requirement.domain.name
    return ExpertiseArea.objects.filter(code=code).values_list("name", flat=True).first() or code


def _run_or_404(request, pk: int, run_pk: int) -> tuple[Requirement, MatchRun]:
    """A run and its requirement, both of the manager's organization (one query)."""
    run = get_object_or_404(
        matching_selectors.match_run_for_client(caller=Caller.of(request)), pk=run_pk, requirement_id=pk
    )
    return run.requirement, run


@client_manager_required
@require_POST
def match_run_start(request, pk: int):
    requirement = requirement_or_404(request, pk)
    problems = runs.requirement_match_problems(requirement)
    if problems:
        for field_problems in problems.values():
            for problem in field_problems:
                messages.error(request, problem)
        return redirect("requirements:detail", pk=requirement.pk)
    try:
        run = runs.match_run_create(requirement=requirement, requested_by=request.user)
    except Requirement.DoesNotExist:
        raise Http404 from None  # deleted while this request waited
    return redirect("requirements:run", pk=requirement.pk, run_pk=run.pk)


def _component_rows(components: dict, weights: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": COMPONENT_LABELS[key],
            "value": components.get(key),
            "weight": round(float(weights.get(key, 0)) * 100),
        }
        for key in COMPONENTS
        if components.get(key) is not None
    ]


def _skill_rows(rows: list[dict], names: dict[str, str]) -> list[dict]:
    return [{**row, "name": names.get(row["skill"], row["skill"])} for row in rows]


def _flag_detail(flag: dict) -> str:
    """The flag's specifics in the reader's language, from the data it carries
    (the stored English message for rows written before flags carried data)."""
    code = flag.get("code")
    if code == "ip_security":
        return gettext("No valid security certification (e.g. ISO 27001, SOC 2).")
    if code == "communication" and flag.get("cause") == "overlap":
        return gettext("Only %(hours)s h of working-hours overlap.") % {"hours": number_format(flag["overlap_hours"])}
    if code == "communication" and flag.get("cause") == "language":
        return gettext("No shared working language.")
    if code == "quality" and "review_count" in flag:
        reasons = []
        if flag["review_count"] < 3:
            reasons.append(
                ngettext("%(n)d review", "%(n)d reviews", flag["review_count"]) % {"n": flag["review_count"]}
            )
        if not flag.get("verified"):
            reasons.append(gettext("not verified"))
        return gettext("Little evidence of quality: %(details)s.") % {"details": ", ".join(reasons)}
    return flag.get("message", "")


def _flag_rows(flags: list[dict]) -> list[dict]:
    out = []
    for flag in flags:
        title, meaning = FLAG_MEANINGS.get(flag.get("code"), (flag.get("code", ""), ""))
        out.append({"code": flag.get("code"), "title": title, "meaning": meaning, "message": _flag_detail(flag)})
    return out


def _chart_cost(result) -> float | None:
    if result.estimated_cost is not None:
        return float(result.estimated_cost)
    rate = (result.explanation or {}).get("hourly_rate")
    return float(rate) if rate is not None else None


def shortlist_rows(results: list) -> list[dict]:
    """What the results page and the CSV show for each result, from one read."""
    codes = {row["skill"] for r in results for row in [*r.matched_skills, *r.missing_skills]}
    names = matching_selectors.skill_names(codes=codes)
    front = matching_selectors.pareto_front([(_chart_cost(r), float(r.score)) for r in results])
    rows = []
    for index, result in enumerate(results):
        explanation = result.explanation or {}
        rows.append(
            {
                "result": result,
                "vendor": result.vendor,
                "components": _component_rows(result.components, explanation.get("weights", {})),
                "matched": _skill_rows(result.matched_skills, names),
                "missing": _skill_rows(result.missing_skills, names),
                "flags": _flag_rows(result.flags),
                "hourly_rate": explanation.get("hourly_rate"),
                "rate_estimated": explanation.get("rate_estimated", False),
                "benchmark_rate": explanation.get("benchmark_rate"),
                "savings_note": explanation.get("savings_note"),
                "site": explanation.get("site"),
                "shared_languages": explanation.get("shared_languages", []),
                "chart_cost": _chart_cost(result),
                "pareto": index in front,
            }
        )
    return rows


def _run_context(request, requirement: Requirement, run: MatchRun) -> dict:
    context = {
        "requirement": requirement,
        "run": run,
        "finished": run.status in FINISHED,
        "vendor_pages": vendor_pages_available(),
    }
    if run.status != MatchRunStatus.SUCCEEDED:
        return context
    rows = shortlist_rows(matching_selectors.match_run_results(run=run))
    chart = [
        {
            "rank": row["result"].rank,
            "name": row["vendor"].name,
            "score": float(row["result"].score),
            "cost": row["chart_cost"],
            "pareto": row["pareto"],
        }
        for row in rows
        if row["chart_cost"] is not None
    ]
    parameters = run.parameters or {}
    context.update(
        {
            "rows": rows,
            "chart": chart,
            "pareto_rows": [row for row in rows if row["pareto"]],
            "exclusions": sorted(
                ((exclusion_text(code), count) for code, count in (run.exclusions or {}).items()),
                key=lambda item: -item[1],
            ),
            "run_method": METHODS.get(parameters.get("method", "")),
            "run_method_label": SelectionMethod(parameters["method"]).label
            if parameters.get("method") in SelectionMethod.values
            else "",
            "run_weights": _component_rows(dict.fromkeys(COMPONENTS, 1), parameters.get("weights") or {}),
            "benchmark_rate": parameters.get("benchmark_rate"),
            "benchmark_text": benchmark_text(parameters, domain=_domain_name(parameters, requirement)),
            "currency": parameters.get("currency", requirement.currency),
        }
    )
    return context


@client_manager_required
@require_GET
def match_run_detail(request, pk: int, run_pk: int):
    requirement, run = _run_or_404(request, pk, run_pk)
    context = _run_context(request, requirement, run)
    context["runs"] = list(matching_selectors.match_run_list_for_requirement(requirement=requirement))
    # A vendor on this shortlist changed its profile after the run (engagements.receivers).
    context["stale_run"] = run if run.status == MatchRunStatus.SUCCEEDED and run.stale_since else None
    return render(request, "engagements/match_run_detail.html", context)


@client_manager_required
@require_GET
def match_run_status(request, pk: int, run_pk: int):
    """The polled panel: progress while the run works; the results (and no more
    polling) once it has finished."""
    requirement, run = _run_or_404(request, pk, run_pk)
    context = {**_run_context(request, requirement, run), "oob": True}
    response = render(request, "engagements/partials/run_panel.html", context)
    if context["finished"]:
        response.status_code = HTMX_STOP_POLLING
    return response


CSV_HEADER = [
    "rank",
    "vendor",
    "vendor_slug",
    "score",
    *COMPONENTS,
    "hourly_rate",
    "rate_estimated",
    "currency",
    "estimated_cost",
    "estimated_savings",
    "delivery_centre",
    "location_class",
    "overlap_hours",
    "matched_skills",
    "missing_skills",
    "flags",
    "pareto_front",
]


def _csv_safe(value) -> str:
    """Text a spreadsheet will not run as a formula (vendor names are vendor-written)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@client_manager_required
@require_GET
def match_run_export(request, pk: int, run_pk: int):
    requirement, run = _run_or_404(request, pk, run_pk)
    rows = shortlist_rows(matching_selectors.match_run_results(run=run))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shortlist-requirement-{requirement.pk}-run-{run.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in rows:
        result, site = row["result"], row["site"] or {}
        components = result.components or {}
        writer.writerow(
            [
                result.rank,
                _csv_safe(row["vendor"].name),
                row["vendor"].slug,
                result.score,
                *(components.get(key, "") for key in COMPONENTS),
                "" if row["hourly_rate"] is None else row["hourly_rate"],
                "yes" if row["rate_estimated"] else "no",
                result.currency,
                "" if result.estimated_cost is None else result.estimated_cost,
                "" if result.estimated_savings is None else result.estimated_savings,
                _csv_safe(f"{site.get('city', '')}, {site.get('country', '')}" if site else ""),
                site.get("location_class", ""),
                site.get("overlap_hours", ""),
                _csv_safe(
                    "; ".join(f"{s['name']} ({s['proficiency']}/{s['min_proficiency']})" for s in row["matched"])
                ),
                _csv_safe(
                    "; ".join(f"{s['name']} ({s['proficiency']}/{s['min_proficiency']})" for s in row["missing"])
                ),
                "; ".join(flag["code"] for flag in row["flags"]),
                "yes" if row["pareto"] else "no",
            ]
        )
    return response


def _exclusion_details(run: MatchRun, vendor, reason: str) -> list[str]:
    """Which must-have skills or certifications a vendor lacks, and similar specifics."""
    parameters = run.parameters or {}
    if reason == "missing_must_have_skill":
        held = dict(VendorSkill.objects.filter(vendor=vendor).values_list("skill__code", "proficiency"))
        names = matching_selectors.skill_names(codes=[s["code"] for s in parameters.get("required_skills", [])])
        details = []
        for skill in parameters.get("required_skills", []):
            if skill.get("must_have") and held.get(skill["code"], 0) < skill["min_proficiency"]:
                has = held.get(skill["code"], 0)
                details.append(
                    _("%(skill)s: needs %(minimum)s, has %(has)s.")
                    % {
                        "skill": names.get(skill["code"], skill["code"]),
                        "minimum": skill["min_proficiency"],
                        "has": has or _("none"),
                    }
                )
        return details
    if reason == "missing_certification":
        on_date = parameters.get("on_date")
        required = set(parameters.get("required_certifications", []))
        valid = set(
            VendorCertification.objects.filter(vendor=vendor, certification_id__in=required)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on_date))
            .values_list("certification_id", flat=True)
        )
        missing = Certification.objects.filter(pk__in=required - valid).order_by("name")
        return [_("Missing or expired: %(name)s.") % {"name": cert.name} for cert in missing]
    if reason == "insufficient_capacity":
        return [
            _("It has %(available)s FTE available; you need %(needed)s.")
            % {"available": vendor.available_fte, "needed": parameters.get("fte_needed")}
        ]
    if reason == "excluded_country":
        excluded = set(parameters.get("excluded_countries", []))
        names = display_country_names()
        centres = vendor.delivery_centers.filter(country__in=excluded).order_by("country", "city")
        return [
            _("Delivery centre in %(city)s, %(country)s.")
            % {"city": c.city, "country": names.get(c.country, c.country)}
            for c in centres
        ]
    return []


@client_manager_required
@require_GET
def match_run_why_not(request, pk: int, run_pk: int):
    requirement, run = _run_or_404(request, pk, run_pk)
    query = request.GET.get("vendor", "").strip()[:200]
    context = {"requirement": run.requirement, "run": run, "query": query, "vendor_pages": vendor_pages_available()}
    if query:
        vendors = matching_selectors.vendor_lookup(
            query=query, among=matching_selectors.why_not_vendors(run=run, user=request.user)
        )
        if len(vendors) == 1:
            vendor = vendors[0]
            answer = runs.match_run_why_not(run=run, vendor=vendor)
            context["vendor"] = vendor
            context["answer"] = answer
            explanation = answer.get("explanation") or {}
            if explanation:
                context["components"] = _component_rows(
                    explanation.get("components", {}), explanation.get("weights", {})
                )
            if answer["status"] == "excluded":
                context["reason"] = exclusion_text(answer["reason"])
                context["details"] = _exclusion_details(run, vendor, answer["reason"])
            context["result_count"] = run.results.count()
        else:
            context["candidates"] = vendors
    template = "engagements/partials/why_not.html" if request.htmx else "engagements/why_not_page.html"
    return render(request, template, context)
