"""Matching from the requirement page: start a run (POST), watch its progress
(an HTMX poll that stops when the run finishes), read the explained shortlist,
export it, ask "why not this vendor?". Only the owning organization sees any of it."""

import csv
import io

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from engagements.models import MatchRun
from tests.engagements.helpers import demo_pool, executed_run, manager_of, requirement_for, succeeded_run
from tests.factories import VendorFactory
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def manager(owner, client):
    client.force_login(owner)
    return owner


@pytest.fixture
def pool():
    return demo_pool()


@pytest.fixture
def pool_run(pool, client):
    manager = manager_of(pool)
    client.force_login(manager)
    return executed_run(pool, user=manager)


def run_urls(run) -> dict[str, str]:
    args = [run.requirement_id, run.pk]
    return {
        "run": reverse("requirements:run", args=args),
        "status": reverse("requirements:run_status", args=args),
        "export": reverse("requirements:run_export", args=args),
        "why_not": reverse("requirements:run_why_not", args=args) + "?vendor=vendor-1",
    }


# -- starting a run ------------------------------------------------------------------------


def test_run_matching_creates_a_pending_run_enqueued_after_commit(client, manager, django_capture_on_commit_callbacks):
    requirement = requirement_for(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("requirements:run_start", args=[requirement.pk]))
    run = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requirements:run", args=[requirement.pk, run.pk])
    assert (run.status, run.requested_by, run.requirement) == ("pending", manager, requirement)
    assert len(callbacks) == 1  # the dispatch, sent only once the run row is committed


def test_a_requirement_with_problems_is_not_matched_and_says_why(client, manager):
    requirement = requirement_for(manager, status="closed")
    response = client.post(reverse("requirements:run_start", args=[requirement.pk]), follow=True)
    assert not MatchRun.objects.exists()
    assert "A closed requirement cannot be matched." in response.content.decode()


def test_starting_a_run_is_a_post_with_csrf(owner):
    requirement = requirement_for(owner)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    url = reverse("requirements:run_start", args=[requirement.pk])
    assert browser.get(url).status_code == 405
    assert browser.post(url).status_code == 403
    assert not MatchRun.objects.exists()


# -- progress -------------------------------------------------------------------------------


def test_a_pending_run_polls_its_status_every_second(client, manager):
    requirement = requirement_for(manager)
    run = MatchRun.objects.create(requirement=requirement, status="running", progress=40)
    urls = run_urls(run)
    html = client.get(urls["run"]).content.decode()
    assert f'hx-get="{urls["status"]}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert 'value="40"' in html
    response = client.get(urls["status"], HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_the_status_poll_stops_with_the_shortlist_once_the_run_finished(client, manager):
    run = succeeded_run(requirement_for(manager))
    response = client.get(run_urls(run)["status"], HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 286  # HTMX stops polling on 286 and still swaps the content in
    assert "hx-trigger" not in html.split('id="why-not-answer"')[0]
    assert "Propose engagement" in html


def test_a_failed_run_shows_its_error(client, manager):
    run = MatchRun.objects.create(requirement=requirement_for(manager), status="failed", error="Broker exploded.")
    html = client.get(run_urls(run)["run"]).content.decode()
    assert "The run failed." in html and "Broker exploded." in html
    assert "hx-trigger" not in html


# -- the shortlist ----------------------------------------------------------------------------


def test_the_shortlist_explains_every_result(client, pool_run):
    html = client.get(run_urls(pool_run)["run"]).content.decode()
    results = list(pool_run.results.select_related("vendor").order_by("rank"))
    assert len(results) > 5
    for result in results:
        assert f'id="result-{result.rank}"' in html
        assert reverse("engagements:propose", args=[result.pk]) in html
    for label in ("Expertise", "Cost", "Location", "Quality", "Capacity"):
        assert f'<span class="bar-label">{label}' in html
    assert "out of 100" in html  # bars carry their numbers as text
    assert "SQL &amp; data warehousing" in html  # skill names, not codes
    assert 'id="pareto-data"' in html and 'id="pareto-chart"' in html
    assert "Estimated cost" in html
    assert reverse("help", args=["scoring"]) in html
    assert ("Why the others were left out" in html) == bool(pool_run.exclusions)
    flagged = [r for r in results if r.flags]
    if flagged:
        assert "There is little evidence of its quality yet" in html or "Working together will be hard" in html


def test_the_shortlist_links_to_each_vendor_page_once_the_directory_has_one(client, pool_run):
    html = client.get(run_urls(pool_run)["run"]).content.decode()
    first = pool_run.results.select_related("vendor").get(rank=1).vendor
    try:
        url = reverse("vendors:detail", args=[first.slug])
    except NoReverseMatch:  # the vendor page belongs to the vendors app and may not exist yet
        assert "Vendor page" not in html
    else:
        assert f'href="{url}"' in html


def test_the_chart_data_marks_the_pareto_front(client, pool_run):
    import json
    import re

    html = client.get(run_urls(pool_run)["run"]).content.decode()
    data = json.loads(re.search(r'<script id="pareto-data" type="application/json">(.*?)</script>', html).group(1))
    assert len(data) == pool_run.results.count()
    front = [p for p in data if p["pareto"]]
    assert front
    for point in front:
        assert not any(o["cost"] <= point["cost"] and o["score"] > point["score"] for o in data)
    cheapest = min(data, key=lambda p: (p["cost"], -p["score"]))
    best = max(data, key=lambda p: (p["score"], -p["cost"]))
    assert cheapest["pareto"] and best["pareto"]


def test_the_results_page_needs_a_fixed_number_of_queries(client, manager, django_assert_num_queries):
    requirement = requirement_for(manager)
    small = succeeded_run(requirement, count=2)
    with django_assert_num_queries(7) as baseline:
        client.get(run_urls(small)["run"])
    big = succeeded_run(requirement, count=15)
    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client.get(run_urls(big)["run"])
    assert response.content.decode().count('class="card result') == 15


def test_earlier_runs_stay_viewable(client, manager):
    requirement = requirement_for(manager)
    first, second = succeeded_run(requirement), succeeded_run(requirement)
    for run in (first, second):
        response = client.get(run_urls(run)["run"])
        assert response.status_code == 200
    html = client.get(run_urls(second)["run"]).content.decode()
    assert reverse("requirements:run", args=[requirement.pk, first.pk]) in html


def test_vendor_written_text_is_escaped_in_the_shortlist(client, manager):
    vendor = VendorFactory(name=XSS, slug="evil")
    run = succeeded_run(requirement_for(manager), vendors=[vendor])
    html = client.get(run_urls(run)["run"]).content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert" in html
    assert "\\u003Cscript\\u003E" in html  # the chart data is JSON-escaped too


# -- CSV -------------------------------------------------------------------------------------------


def test_the_shortlist_exports_as_csv_with_a_header_and_a_row_per_result(client, pool_run):
    response = client.get(run_urls(pool_run)["export"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["rank", "vendor", "vendor_slug", "score", "expertise"]
    assert len(body) == pool_run.results.count()
    first = pool_run.results.select_related("vendor").get(rank=1)
    assert body[0][:4] == ["1", first.vendor.name, first.vendor.slug, str(first.score)]
    assert body[0][header.index("currency")] == "EUR"


def test_the_csv_neutralises_formulas_in_vendor_names(client, manager):
    vendor = VendorFactory(name='=HYPERLINK("http://evil")', slug="formula")
    run = succeeded_run(requirement_for(manager), vendors=[vendor])
    rows = list(csv.reader(io.StringIO(client.get(run_urls(run)["export"]).content.decode())))
    assert rows[1][1].startswith("'=")


# -- why not ---------------------------------------------------------------------------------------


def why_not(client, run, text, *, htmx=True):
    url = reverse("requirements:run_why_not", args=[run.requirement_id, run.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(url, {"vendor": text}, **headers)


def test_why_not_a_ranked_vendor_gives_its_rank_and_components(client, pool_run):
    top = pool_run.results.select_related("vendor").get(rank=1).vendor
    response = why_not(client, pool_run, top.name)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment for HTMX
    assert "is on the shortlist: ranked #1 of" in html
    assert 'class="bar-label">Expertise' in html


def test_why_not_an_excluded_vendor_says_why_in_words(client, pool_run):
    outsider = Vendor.objects.filter(is_active=True).exclude(match_results__run=pool_run).first()
    outsider.domains.clear()
    html = why_not(client, pool_run, outsider.slug).content.decode()
    assert "was left out:" in html
    assert "it does not work in the requirement" in html


def test_why_not_a_vendor_missing_a_must_have_names_the_skill(client, pool_run):
    from django.utils.html import escape

    from vendors.models import Skill, VendorSkill

    pool_run.parameters["required_skills"][0]["must_have"] = True
    pool_run.save(update_fields=["parameters"])
    required = pool_run.parameters["required_skills"][0]
    code = required["code"]
    lacking = Vendor.objects.filter(is_active=True).exclude(match_results__run=pool_run).first()
    VendorSkill.objects.filter(vendor=lacking, skill__code=code).delete()
    html = why_not(client, pool_run, lacking.slug).content.decode()
    assert "lacks a must-have skill" in html
    name = escape(Skill.objects.get(code=code).name)
    assert f"{name}: needs {required['min_proficiency']}, has none." in html


def test_why_not_an_unlisted_vendor_compares_it_with_the_cut_off(client, pool, settings):
    settings.MATCH_TOP_K = 3
    manager = manager_of(pool)
    client.force_login(manager)
    run = executed_run(pool, user=manager)
    listed = set(run.results.values_list("vendor_id", flat=True))
    answers = []
    for vendor in Vendor.objects.filter(is_active=True).exclude(pk__in=listed)[:15]:
        html = why_not(client, run, vendor.slug).content.decode()
        answers.append(html)
        if "below the shortlist" in html:
            assert "the last of the 3 vendors shown scored" in html
            assert 'class="bar-label">Cost' in html
            break
    else:
        pytest.fail("no vendor below the shortlist among the first 15 unlisted: " + answers[-1])


def test_why_not_handles_unknown_and_ambiguous_names(client, manager):
    VendorFactory(name="Alpha Analytics", slug="alpha-analytics")
    VendorFactory(name="Alpha Advisory", slug="alpha-advisory")
    run = succeeded_run(requirement_for(manager), count=1)
    assert "No vendor matches" in why_not(client, run, "zzz-nobody").content.decode()
    html = why_not(client, run, "Alpha").content.decode()
    assert "Several vendors match" in html
    assert "alpha-analytics" in html and "alpha-advisory" in html


def test_why_not_never_reveals_a_deactivated_vendor_the_run_does_not_list(client, manager):
    listed = VendorFactory(name="Gamma Listed", slug="gamma-listed")
    run = succeeded_run(requirement_for(manager), vendors=[listed])
    VendorFactory(name="Gamma Hidden", slug="gamma-hidden", is_active=False)
    Vendor.objects.filter(pk=listed.pk).update(is_active=False)  # deactivated after the run
    assert "No vendor matches" in why_not(client, run, "gamma-hidden").content.decode()
    html = why_not(client, run, "Gamma").content.decode()
    assert "Gamma Hidden" not in html
    assert "Gamma Listed" in html and "is on the shortlist" in html  # the only match: answered


def test_why_not_without_javascript_renders_a_whole_page(client, manager):
    run = succeeded_run(requirement_for(manager), count=1)
    html = why_not(client, run, run.results.get().vendor.slug, htmx=False).content.decode()
    assert "<html" in html and "is on the shortlist" in html


def test_why_not_escapes_vendor_names(client, manager):
    vendor = VendorFactory(name=XSS, slug="evil")
    run = succeeded_run(requirement_for(manager), vendors=[vendor])
    html = why_not(client, run, "evil").content.decode()
    assert XSS not in html and "&lt;script&gt;" in html


# -- who may see what ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, owner):
    run = succeeded_run(requirement_for(owner), count=1)
    for url in run_urls(run).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["outsider", "vendor_member", "staff_user"])
def test_other_organizations_vendors_and_staff_get_404_everywhere(client, owner, who, request):
    requirement = requirement_for(owner)
    run = succeeded_run(requirement, count=1)
    client.force_login(request.getfixturevalue(who))
    for name, url in run_urls(run).items():
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("requirements:run_start", args=[requirement.pk])).status_code == 404
    assert MatchRun.objects.count() == 1


def test_a_run_is_only_reachable_under_its_own_requirement(client, manager):
    mine = requirement_for(manager)
    other = requirement_for(manager)
    run = succeeded_run(mine, count=1)
    assert client.get(reverse("requirements:run", args=[other.pk, run.pk])).status_code == 404
