"""Shared by the engagement API tests (test_engagement_api_*): a shortlist to engage, a client, the URLs."""

from __future__ import annotations

from rest_framework.test import APIClient

from engagements.models import Engagement
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import VendorFactory, VendorMembershipFactory


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.json()["results"]


class Deal:
    """A requirement of the owner's organization, a shortlist of two vendors and
    an admin of each vendor firm."""

    def __init__(self, owner):
        self.owner = owner
        self.requirement = requirement_for(owner, title="Month-end close")
        self.vendors = [VendorFactory(name="Alpha Analytics"), VendorFactory(name="Bravo Research")]
        self.run = succeeded_run(self.requirement, vendors=self.vendors)
        self.results = list(self.run.results.order_by("rank"))
        self.members = [VendorMembershipFactory(vendor=vendor).user for vendor in self.vendors]

    def payload(self, **overrides) -> dict:
        payload = {
            "match_result": self.results[0].pk,
            "agreed_rate": "32.50",
            "currency": "EUR",
            "fte": "2.0",
            "start_date": "2026-10-01",
        }
        payload.update(overrides)
        return {key: value for key, value in payload.items() if value is not None}

    def propose(self, **overrides) -> dict:
        response = api(self.owner).post("/api/v1/engagements/", self.payload(**overrides), format="json")
        assert response.status_code == 201, response.data
        return response.json()

    def engagement(self, index: int = 0, **kwargs) -> Engagement:
        return engagement_for(self.results[index], **kwargs)


def url(engagement, suffix: str = "") -> str:
    pk = engagement["id"] if isinstance(engagement, dict) else engagement.pk
    return f"/api/v1/engagements/{pk}/{suffix}"
