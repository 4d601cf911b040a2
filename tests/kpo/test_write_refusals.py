"""Anything outside what the schema documents is refused with a 400 JSON naming the field,
and writes nothing (issue: robust input).

For each write endpoint: a body the server accepts, with one top-level field replaced by a
value just past its documented bound (tests/openapi_strategies.past_a_bound reads the bound
from our own OpenAPI schema): one step beyond a minimum or maximum, one character or item
too many, blank, a date outside the calendar's bounds, a choice that is not one, a null, the
wrong JSON type; every such value of every field is sent. The answer is a 400 whose JSON names the field, and the table (or, for a
PATCH, the object as the API reads it) is unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from engagements.models import ClientOrganization, Engagement, MatchResult, Milestone, Requirement, Rfp, WebhookEndpoint
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import ClientMembershipFactory, UserFactory, VendorFactory, VendorMembershipFactory
from tests.openapi_strategies import past_a_bound
from vendors.models import Certification, Skill, Vendor

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@dataclass
class Write:
    method: str
    path: str
    user: Any
    body: dict
    component: str
    rows: type[Model] | None = None  # counted before and after; None: the object at `path` is read instead


def world() -> dict[str, Write]:
    """One accepted body per write endpoint, with the caller allowed to send it."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    manager = ClientMembershipFactory().user
    run = succeeded_run(requirement_for(manager), count=2)
    result = MatchResult.objects.filter(run=run).order_by("rank").first()
    engagement = engagement_for(result)
    member = VendorMembershipFactory(vendor=VendorFactory())
    deadline = (timezone.now() + timedelta(days=10)).isoformat()
    return {
        "requirement": Write("post", "/api/v1/requirements/", manager, {
            "title": "Month-end close", "domain": "finance", "skills": [{"skill": "financial-reporting"}],
            "budget_hourly_rate": "40.00", "currency": "EUR", "estimated_hours": 800, "fte_needed": "2.0",
        }, "Requirement", Requirement),
        "vendor": Write("post", "/api/v1/vendors/", staff, {"name": "Acme Analytics", "headquarters_country": "IN"},
                        "Vendor", Vendor),
        "profile": Write("patch", f"/api/v1/vendors/{member.vendor_id}/", member.user, {}, "PatchedVendor"),
        "exchange rate": Write("patch", "/api/v1/exchange-rates/INR/", staff, {}, "PatchedExchangeRate"),
        "skill": Write("post", "/api/v1/taxonomy/skills/", staff, {"code": "ifrs-17", "name": "IFRS 17",
                                                                     "domain": "finance"}, "Skill", Skill),
        "certification": Write("post", "/api/v1/taxonomy/certifications/", staff,
                               {"code": "soc-2", "name": "SOC 2"}, "Certification", Certification),
        "webhook": Write("post", "/api/v1/webhooks/", manager, {"url": "https://erp.example.com/hooks",
                                                                 "events": ["match_run.succeeded"]},
                         "WebhookEndpointInput", WebhookEndpoint),
        "client": Write("post", "/api/v1/clients/", staff, {"name": "Banca Nova", "country": "IT",
                                                             "timezone": "Europe/Rome", "currency": "EUR"},
                        "ClientOrganization", ClientOrganization),
        "user": Write("post", "/api/v1/users/", staff, {"username": "new-manager", "password": "a-long-pass-phrase-9",
                                                         "role": "manager", "client": manager.membership.client_id},
                      "UserCreate", type(staff)),
        "engagement": Write("post", "/api/v1/engagements/", manager, {
            "match_result": MatchResult.objects.filter(run=run).order_by("rank").last().pk,
            "agreed_rate": "35.00", "currency": "EUR", "fte": "1.0", "start_date": "2027-01-04",
        }, "EngagementCreate", Engagement),
        "milestone": Write("post", f"/api/v1/engagements/{engagement.pk}/milestones/", manager,
                           {"title": "First close", "due_date": "2027-02-01"}, "MilestoneCreate", Milestone),
        "rfp": Write("post", "/api/v1/rfps/", manager, {"match_run": run.pk, "vendors": [result.vendor_id],
                                                         "deadline": deadline}, "RfpCreate", Rfp),
    }  # fmt: skip


def test_every_accepted_body_is_accepted():
    """The bodies below are valid, so a refusal in the property is the field's doing."""
    for name, write in world().items():
        response = _send(write, write.body)
        assert response.status_code in {200, 201}, (name, response.json())


@pytest.fixture
def writes() -> dict[str, Write]:
    return world()


ENDPOINTS = [
    "requirement", "vendor", "profile", "exchange rate", "skill", "certification", "webhook", "client", "user",
    "engagement", "milestone", "rfp",
]  # fmt: skip


def test_every_endpoint_is_refused_past_its_bounds():
    assert sorted(ENDPOINTS) == sorted(world())


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_body_with_one_field_past_its_documented_bound_is_a_400_and_writes_nothing(writes, endpoint):
    write = writes[endpoint]
    cases = past_a_bound(write.component)
    before = _state(write)
    wrong = []
    for field, value in cases:
        response = _send(write, {**write.body, field: value})
        named = response["Content-Type"].startswith("application/json") and field in response.json()
        if response.status_code != 400 or not named:
            wrong.append((field, value if len(repr(value)) < 40 else f"{repr(value)[:40]}...", response.status_code))
    assert wrong == []
    assert len(cases) >= 3 * len({field for field, _ in cases}) // 2  # several values past each field
    assert _state(write) == before


def _send(write: Write, body: dict):
    client = APIClient()
    client.force_authenticate(write.user)
    return getattr(client, write.method)(write.path, body, format="json")


def _state(write: Write) -> object:
    if write.rows is not None:
        return write.rows.objects.count()
    client = APIClient()
    client.force_authenticate(write.user)
    document = client.get(write.path).json()
    return {key: value for key, value in document.items() if key not in {"updated_at"}}
