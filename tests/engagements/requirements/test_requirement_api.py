"""Requirements through the API: scoped to the caller's organization, and bad
input answered with field errors that change nothing."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import Engagement, MatchResult, MatchRun, Requirement, Rfp
from engagements.requirements import services as requirements_services
from engagements.rfp import services as rfp_services
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import ClientMembershipFactory, RequirementFactory, RequirementSkillFactory

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def valid_payload(**overrides) -> dict:
    payload = {
        "title": "Month-end close support",
        "domain": "finance",
        "skills": [
            {"skill": "financial-reporting", "min_proficiency": 4, "weight": "3", "must_have": True},
            {"skill": "audit-support", "min_proficiency": 3},
        ],
        "seniority": "senior",
        "budget_hourly_rate": "55.00",
        "currency": "EUR",
        "estimated_hours": 800,
        "fte_needed": "2.0",
        "languages": ["en", "it"],
        "excluded_countries": ["RU"],
        "required_certifications": ["iso_27001"],
        "min_timezone_overlap_hours": "3",
    }
    payload.update(overrides)
    return payload


def test_a_manager_creates_a_requirement_for_their_organization(owner):
    response = api(owner).post("/api/v1/requirements/", valid_payload(), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    requirement = Requirement.objects.get(pk=body["id"])
    assert requirement.client == owner.membership.client
    assert body["skills"][0] == {
        "skill": "financial-reporting",
        "min_proficiency": 4,
        "weight": "3.00",
        "must_have": True,
    }
    assert body["required_certifications"] == ["iso_27001"]
    assert body["selection_method"] == "balanced"  # the finance domain's default
    assert set(body) >= {
        "id",
        "client",
        "title",
        "domain",
        "skills",
        "budget_hourly_rate",
        "currency",
        "weights",
        "status",
    }


def test_the_selection_method_defaults_by_domain(owner):
    payload = valid_payload(domain="legal", skills=[{"skill": "contract-review"}], required_certifications=[])
    body = api(owner).post("/api/v1/requirements/", payload, format="json").json()
    assert body["selection_method"] == "quality_cost_80_20"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"skills": []}, "skills"),
        ({"budget_hourly_rate": "0"}, "budget_hourly_rate"),
        ({"budget_hourly_rate": "-5"}, "budget_hourly_rate"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "SEK"}, "currency"),  # a real currency without an exchange rate
        ({"skills": [{"skill": "underwater-basket-weaving"}]}, "skills"),
        ({"weights": {"expertise": 0, "cost": 0, "location": 0, "quality": 0, "capacity": 0}}, "weights"),
        ({"weights": {"charisma": 10}}, "weights"),
        ({"min_timezone_overlap_hours": "25"}, "min_timezone_overlap_hours"),
        ({"languages": ["xx"]}, "languages"),
        ({"excluded_countries": ["Narnia"]}, "excluded_countries"),
        ({"location_classes": []}, "location_classes"),
        ({"location_classes": ["offshore"], "preferred_location_classes": ["onshore"]}, "preferred_location_classes"),
        ({"selection_method": "coin_toss"}, "selection_method"),
        ({"domain": "astrology"}, "domain"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_changes_nothing(owner, overrides, field):
    response = api(owner).post("/api/v1/requirements/", valid_payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Requirement.objects.exists()


def test_a_vendor_member_may_not_create_requirements(vendor_member):
    response = api(vendor_member).post("/api/v1/requirements/", valid_payload(), format="json")
    assert response.status_code == 403
    assert not Requirement.objects.exists()


def test_requirements_of_another_organization_are_404(owner, outsider):
    requirement = RequirementFactory(client=owner.membership.client)
    client = api(outsider)
    assert client.get(f"/api/v1/requirements/{requirement.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/requirements/{requirement.pk}/", {"title": "Mine now"}, format="json").status_code == 404
    )
    assert client.post(f"/api/v1/requirements/{requirement.pk}/match-runs/").status_code == 404
    assert client.get("/api/v1/requirements/").json()["results"] == []
    requirement.refresh_from_db()
    assert requirement.title != "Mine now"
    assert not MatchRun.objects.exists()


def test_anonymous_callers_are_refused(client):
    assert client.get("/api/v1/requirements/").status_code == 401  # no credentials
    assert client.post("/api/v1/requirements/1/match-runs/").status_code == 401


def test_a_manager_updates_skills_and_weights(owner):
    requirement = RequirementFactory(client=owner.membership.client)
    RequirementSkillFactory(requirement=requirement)
    response = api(owner).patch(
        f"/api/v1/requirements/{requirement.pk}/",
        {"skills": [{"skill": "sql", "min_proficiency": 2}], "weights": {"cost": 50}},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert [row["skill"] for row in response.json()["skills"]] == ["sql"]
    requirement.refresh_from_db()
    assert requirement.weights == {"cost": 50.0}


def test_a_run_is_refused_for_a_requirement_that_cannot_be_matched(owner):
    requirement = RequirementFactory(client=owner.membership.client)  # no skills
    response = api(owner).post(f"/api/v1/requirements/{requirement.pk}/match-runs/")
    assert response.status_code == 400
    assert "skills" in response.json()
    assert not MatchRun.objects.exists()


def test_starting_a_run_answers_202_with_its_location_and_enqueues_after_commit(
    owner, django_capture_on_commit_callbacks
):
    requirement = RequirementFactory(client=owner.membership.client)
    RequirementSkillFactory(requirement=requirement)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(owner).post(f"/api/v1/requirements/{requirement.pk}/match-runs/")
    assert response.status_code == 202
    run = MatchRun.objects.get()
    assert response["Location"].endswith(f"/api/v1/match-runs/{run.pk}/")
    assert response.json()["status"] == "pending"
    assert len(callbacks) == 1  # the task is sent only once the transaction commits
    assert run.dispatched_at is None


def test_match_runs_of_another_organization_are_404(owner, outsider, vendor_member):
    run = MatchRun.objects.create(requirement=RequirementFactory(client=owner.membership.client))
    assert api(owner).get(f"/api/v1/match-runs/{run.pk}/").status_code == 200
    assert api(outsider).get(f"/api/v1/match-runs/{run.pk}/").status_code == 404
    assert api(vendor_member).get(f"/api/v1/match-runs/{run.pk}/").status_code == 404
    assert api(outsider).get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": 1}).status_code == 404


def test_a_requirements_runs_are_listed_newest_first_in_cursor_pages_of_constant_cost(owner, outsider):
    requirement = RequirementFactory(client=owner.membership.client)
    runs = [succeeded_run(requirement, count=2) for _ in range(3)]
    url = f"/api/v1/requirements/{requirement.pk}/match-runs/"
    client = api(owner)

    with CaptureQueriesContext(connection) as one:
        client.get(url, {"page_size": 1})
    with CaptureQueriesContext(connection) as three:
        client.get(url, {"page_size": 3})
    assert len(one.captured_queries) == len(three.captured_queries)
    first = client.get(url, {"page_size": 2}).json()
    assert [run["id"] for run in first["results"]] == [runs[2].pk, runs[1].pk]
    assert all(len(run["results"]) == 2 for run in first["results"])
    rest = client.get(first["next"]).json()
    assert [run["id"] for run in rest["results"]] == [runs[0].pk] and rest["next"] is None
    assert api(outsider).get(url).status_code == 404


def test_the_match_run_has_the_contract_shape(owner):
    run = MatchRun.objects.create(requirement=RequirementFactory(client=owner.membership.client))
    body = api(owner).get(f"/api/v1/match-runs/{run.pk}/").json()
    assert set(body) >= {
        "id",
        "requirement",
        "status",
        "progress",
        "candidates_total",
        "candidates_eligible",
        "exclusions",
        "created_at",
        "started_at",
        "finished_at",
        "error",
        "results",
    }
    # Beyond the contract, as the README lists: the outcome in a sentence, and what the run used.
    finished = succeeded_run(run.requirement, count=2)
    body = api(owner).get(f"/api/v1/match-runs/{finished.pk}/").json()
    assert body["summary"] == finished.summary and "2 of 4" in body["summary"]
    assert body["parameters"]["selection_method"] == "balanced"


# -- delete -------------------------------------------------------------------------------


def test_a_manager_deletes_a_requirement_with_its_runs_and_a_sync_sees_the_tombstone(owner, outsider):
    requirement = requirement_for(owner)
    run = succeeded_run(requirement)
    other = requirement_for(outsider)
    client = api(owner)
    since = client.get("/api/v1/requirements/?since=0").json()["last_change_seq"]

    response = client.delete(f"/api/v1/requirements/{requirement.pk}/")

    assert response.status_code == 204
    assert not Requirement.objects.filter(pk=requirement.pk).exists()
    assert not MatchRun.objects.filter(pk=run.pk).exists()
    assert not MatchResult.objects.filter(run_id=run.pk).exists()
    assert client.get(f"/api/v1/requirements/{requirement.pk}/").status_code == 404
    assert client.delete(f"/api/v1/requirements/{requirement.pk}/").status_code == 404
    assert client.get(f"/api/v1/match-runs/{run.pk}/").status_code == 404
    sync = client.get(f"/api/v1/requirements/?since={since}").json()
    assert sync["results"] == []
    assert [(row["resource"], row["id"], row["reason"]) for row in sync["deleted"]] == [
        ("requirement", requirement.pk, "deleted")
    ]
    # Another organization's sync never learns of it.
    assert api(outsider).get(f"/api/v1/requirements/?since={since}").json()["deleted"] == []
    assert Requirement.objects.filter(pk=other.pk).exists()


def test_only_the_owning_organization_or_staff_delete_a_requirement(owner, outsider, vendor_member, staff_user):
    requirement = requirement_for(owner)
    assert api(outsider).delete(f"/api/v1/requirements/{requirement.pk}/").status_code == 404
    assert api(vendor_member).delete(f"/api/v1/requirements/{requirement.pk}/").status_code == 404
    assert APIClient().delete(f"/api/v1/requirements/{requirement.pk}/").status_code == 401
    assert Requirement.objects.filter(pk=requirement.pk).exists()
    assert api(staff_user).delete(f"/api/v1/requirements/{requirement.pk}/").status_code == 204
    assert not Requirement.objects.filter(pk=requirement.pk).exists()


def test_a_delete_with_a_stale_if_match_is_refused(owner):
    requirement = requirement_for(owner)
    client = api(owner)
    etag = client.get(f"/api/v1/requirements/{requirement.pk}/")["ETag"]
    assert (
        client.patch(f"/api/v1/requirements/{requirement.pk}/", {"title": "Renamed"}, format="json").status_code == 200
    )

    assert client.delete(f"/api/v1/requirements/{requirement.pk}/", HTTP_IF_MATCH=etag).status_code == 412
    assert Requirement.objects.filter(pk=requirement.pk).exists()
    fresh = client.get(f"/api/v1/requirements/{requirement.pk}/")["ETag"]
    assert client.delete(f"/api/v1/requirements/{requirement.pk}/", HTTP_IF_MATCH=fresh).status_code == 204


@pytest.mark.parametrize("in_use", ["engagement", "rfp", "pending_run", "running_run"])
def test_a_requirement_vendors_took_part_in_or_a_run_is_working_on_is_not_deleted(owner, in_use):
    requirement = requirement_for(owner)
    run = succeeded_run(requirement)
    if in_use == "engagement":
        engagement_for(run.results.first())
    elif in_use == "rfp":
        rfp_services.rfp_create(
            run=run,
            vendor_ids=[run.results.first().vendor_id],
            deadline=timezone.now() + timedelta(days=7),
            created_by=owner,
        )
    else:
        MatchRun.objects.create(requirement=requirement, status=in_use.removesuffix("_run"))
    before = (Requirement.objects.count(), MatchRun.objects.count(), MatchResult.objects.count())

    response = api(owner).delete(f"/api/v1/requirements/{requirement.pk}/")

    assert response.status_code == 409
    assert response.json()["detail"]
    assert (Requirement.objects.count(), MatchRun.objects.count(), MatchResult.objects.count()) == before


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("second", ["delete", "patch", "match_run", "engagement", "rfp"])
def test_a_request_that_waited_for_a_delete_answers_404_not_500(second):
    """A DELETE holds the requirement's row; a second DELETE (a retry), a PATCH, a
    new run, an engagement or an RFP waiting on that lock finds the requirement
    gone: 404, and nothing half-written."""
    owner = ClientMembershipFactory().user
    requirement = requirement_for(owner)
    run = succeeded_run(requirement, count=1)
    result = run.results.get()
    url = f"/api/v1/requirements/{requirement.pk}/"
    request = {
        "delete": ("delete", url, None),
        "patch": ("patch", url, {"title": "Too late"}),
        "match_run": ("post", f"{url}match-runs/", None),
        "engagement": (
            "post",
            "/api/v1/engagements/",
            {
                "match_result": result.pk,
                "agreed_rate": "30.00",
                "currency": requirement.currency,
                "fte": "1.0",
                "start_date": "2027-03-01",
            },
        ),
        "rfp": (
            "post",
            "/api/v1/rfps/",
            {"match_run": run.pk, "vendors": [result.vendor_id], "deadline": "2027-03-01T12:00:00Z"},
        ),
    }[second]
    holding, release, answers = threading.Event(), threading.Event(), []

    def first_delete():
        try:
            with transaction.atomic():
                requirements_services.requirement_delete(requirement=requirement)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    def second_request():
        try:
            method, path, body = request
            answers.append(getattr(api(owner), method)(path, body, format="json"))
        finally:
            connection.close()

    deleter = threading.Thread(target=first_delete)
    deleter.start()
    assert holding.wait(30)
    waiter = threading.Thread(target=second_request)
    waiter.start()
    deadline = time.monotonic() + 30
    while not _waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _waiting_for_a_lock(), "the second request never waited for the row"
    release.set()
    deleter.join(30)
    waiter.join(30)

    assert [response.status_code for response in answers] == [404], [r.content for r in answers]
    assert not Requirement.objects.filter(pk=requirement.pk).exists()
    assert not MatchRun.objects.exists()
    assert not Engagement.objects.exists() and not Rfp.objects.exists()
