"""Builders of the RFP API tests (test_rfp_api_*, and the webhook tests): a shortlist to invite, bids to submit."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import Proposal, Rfp
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import VendorFactory, VendorMembershipFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
APPROACH_A = "Alpha approach: a dedicated close team in Pune"
APPROACH_B = "Bravo approach: follow-the-sun analysts"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def in_days(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


class Bid:
    """One requirement, its shortlist of three vendors (A, B, C) and a member of each."""

    def __init__(self, owner, *, vendors: int = 3):
        self.owner = owner
        self.requirement = requirement_for(owner, title="Month-end close")
        self.vendors = [VendorFactory(name=f"Firm {chr(65 + i)}") for i in range(vendors)]
        self.run = succeeded_run(self.requirement, vendors=self.vendors)
        self.members = [VendorMembershipFactory(vendor=vendor).user for vendor in self.vendors]

    def payload(self, **overrides) -> dict:
        payload = {
            "match_run": self.run.pk,
            "vendors": [vendor.pk for vendor in self.vendors],
            "deadline": in_days(7),
            "title": "Close support 2026",
            "instructions": "Quote a blended senior rate.",
            "questions": ["How do you staff the team?", "Which ERP do you know?"],
            "criteria": [{"name": "Approach", "weight": 60}, {"name": "Cost", "weight": 40}],
        }
        payload.update(overrides)
        return payload

    def create(self, **overrides) -> dict:
        response = api(self.owner).post("/api/v1/rfps/", self.payload(**overrides), format="json")
        assert response.status_code == 201, response.data
        body = response.json()
        self.rfp_id = body["id"]
        self.invitations = {row["vendor"]["id"]: row["id"] for row in body["invitations"]}
        self.criteria = [row["id"] for row in body["criteria"]]
        return body

    def invitation(self, index: int) -> int:
        return self.invitations[self.vendors[index].pk]

    def submit(self, index: int, *, approach: str, rate: str = "40.00", **extra) -> dict:
        body = {
            "hourly_rate": rate,
            "currency": "USD",
            "fte": "2.0",
            "start_date": str(timezone.localdate() + timedelta(days=30)),
            "approach": approach,
            "answers": ["Two seniors and a lead.", "SAP and Oracle."],
            "submit": True,
            **extra,
        }
        fmt = "multipart" if "attachment" in extra else "json"
        response = api(self.members[index]).put(
            f"/api/v1/invitations/{self.invitation(index)}/proposal/", body, format=fmt
        )
        assert response.status_code == 200, response.data
        return response.json()

    def proposal(self, index: int) -> Proposal:
        return Proposal.objects.get(invitation_id=self.invitation(index))

    def open_bids(self) -> None:
        Rfp.objects.filter(pk=self.rfp_id).update(deadline=timezone.now() - timedelta(minutes=1))


def keys_of(document) -> set:
    """Every key anywhere in a decoded JSON document."""
    if isinstance(document, dict):
        return set(document).union(*(keys_of(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(keys_of(value) for value in document))
    return set()
