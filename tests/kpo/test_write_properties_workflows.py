"""What the schema allows, the server accepts, and every page reading it back can show
(issue: robust input): engagements, requests for proposal, webhooks, the taxonomy, client
organizations and users.

Bodies come from the OpenAPI schema itself (tests/openapi_strategies.py), as in
test_write_properties.py. Each flow sends its drawn bodies in the order the product uses
them (propose, accept, change, close, review; invite, answer, evaluate, award), answers
with the exact success code, and reads the result back through the API and the pages that
compute on it: spend, converted costs, weighted scores, punctuality, matching.

What JSON Schema cannot say comes in as named rules, each one the server documents:
- values that live in the database (ids, codes, currencies with an exchange rate) or follow
  a standard the schema only names (ISO codes, IANA time zones, a Standard Webhooks
  secret) are `overrides`;
- cross-field rules (an end after the start, a reason with an FTE change, a deadline one
  hour to 180 days ahead, one answer per question, one score per criterion, a submitted
  proposal complete) are drawn to hold, or filtered on;
- the state machines move by their legal next step.

Every example runs in a savepoint rolled back at its end: examples share the test's
transaction, and rows one left behind (a code, a username, an open engagement) would
change what the next may do."""

from __future__ import annotations

import base64
import datetime as dt
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagements.integrations import webhooks
from engagements.models import CLIENT_ROLES, VENDOR_ROLES, ClientOrganization, MatchResult, Requirement
from engagements.rfp.services import MAX_DEADLINE_AHEAD, MIN_DEADLINE_AHEAD
from kpo.bounds import HOURS_MAX, RATE_MAX
from kpo.codes import country_names, currency_names, timezone_names
from kpo.models import User
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.engagements.integrations.helpers import propose
from tests.factories import (
    ClientMembershipFactory,
    VendorFactory,
    VendorMembershipFactory,
    VendorSkillFactory,
)
from tests.kpo.test_write_properties import api, assert_matchable
from tests.openapi_strategies import _Walker, body, component
from vendors.models import Certification, ExchangeRate, ExpertiseArea, Skill, VendorCertification

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
SHORTLIST_ENTRY = frozenset({"match_result", "requirement", "vendor"})  # set from the database, one shape or the other
UPLOAD_ONLY = frozenset({"attachment"})  # a file, sent as multipart: a JSON body has none
ORGANIZATION = frozenset({"client", "vendor"})


@contextmanager
def rolled_back() -> Iterator[None]:
    """One example's writes, undone at its end (a savepoint in the test's transaction)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def shows(user, path: str) -> None:
    """The page at `path` answers 200 to `user`, signed in."""
    browser = Client()
    browser.force_login(user)
    response = browser.get(path)
    assert response.status_code == 200, (path, response.status_code)


def rated_currencies() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(ExchangeRate.objects.values_list("currency", flat=True)))


def required(name: str, field: str, *, item: bool = False) -> st.SearchStrategy[Any]:
    """The values the schema documents for one field of `name` (or, with `item`, for an item
    of that list field), never null: for a field a documented rule requires although the
    schema makes it optional (a submitted proposal has its terms). `body` cannot require an
    optional field, so this walks the field's node with the strategies module's own walker
    rather than copy it."""
    node = component(name)["properties"][field]
    node = node["items"] if item else node
    return _Walker({}, {}, frozenset()).value({**node, "nullable": False}, field)


def unique_code(prefix: str) -> st.SearchStrategy[str]:
    """A code no row holds yet (skills and certifications are looked up by code)."""
    return st.uuids().map(lambda found: f"{prefix}-{found.hex}")


def same_decimal(returned: str | None, sent: str | None) -> bool:
    return (returned is None and sent is None) or Decimal(returned) == Decimal(sent)


# -- engagements ---------------------------------------------------------------------------


def dates_in_order(document: dict, *, start: str | None = None, end: str | None = None) -> bool:
    """An engagement ends on or after its start (a 400 otherwise, docs/integration.md);
    `start` and `end` are the current ones a partial change keeps."""
    start, end = document.get("start_date", start), document.get("end_date", end)
    return end is None or start is None or end >= start


def change_allowed(change: dict, current: dict) -> bool:
    """A change names a field (PatchedEngagementUpdate's description), an FTE change has a
    reason (docs/integration.md: 400 without one), and the dates stay in order."""
    if not change:
        return False
    fte_changes = "fte" in change and Decimal(change["fte"]) != Decimal(current["fte"])
    if fte_changes and not change.get("reason", "").strip():
        return False
    return dates_in_order(change, start=current["start_date"], end=current["end_date"])


@PROPERTY
@given(data=st.data())
def test_any_engagement_the_schema_allows_is_proposed_run_closed_reviewed_and_reported(data):
    with rolled_back():
        manager = ClientMembershipFactory().user
        requirement = requirement_for(manager)
        result = succeeded_run(requirement, count=1).results.get()
        # The largest saving a shortlist entry can hold in its own currency: the spend report adds it up.
        MatchResult.objects.filter(pk=result.pk).update(estimated_savings=RATE_MAX * HOURS_MAX)
        vendor = VendorMembershipFactory(vendor=result.vendor).user
        terms = data.draw(
            body("EngagementCreate", overrides={"currency": rated_currencies()}, omit=SHORTLIST_ENTRY).filter(
                dates_in_order
            )
        )
        entry = data.draw(
            st.sampled_from([{"match_result": result.pk}, {"requirement": requirement.pk, "vendor": result.vendor_id}])
        )

        created = api(manager).post("/api/v1/engagements/", {**terms, **entry}, format="json")

        assert created.status_code == 201, (terms, created.json())
        engagement = created.json()
        assert engagement["status"] == "proposed"
        assert same_decimal(engagement["agreed_rate"], terms["agreed_rate"])
        assert same_decimal(engagement["fte"], terms["fte"])
        assert (engagement["start_date"], engagement["end_date"]) == (terms["start_date"], terms.get("end_date"))
        assert engagement["external_id"] == terms.get("external_id", "").strip()
        url = f"/api/v1/engagements/{engagement['id']}/"

        milestone = data.draw(body("MilestoneCreate"))
        added = api(manager).post(f"{url}milestones/", milestone, format="json")
        assert added.status_code == 201, (milestone, added.json())
        assert added.json()["due_date"] == milestone["due_date"]

        accept = data.draw(body("EngagementTransition", overrides={"action": st.just("accept")}))
        accepted = api(vendor).post(f"{url}transition/", accept, format="json")
        assert accepted.status_code == 200, (accept, accepted.json())
        assert accepted.json()["status"] == "active"
        milestone_url = f"{url}milestones/{added.json()['id']}/"
        assert api(vendor).post(f"{milestone_url}deliver/").status_code == 200
        assert api(manager).post(f"{milestone_url}accept/").status_code == 200  # punctuality, in the client's zone

        change = data.draw(
            body("PatchedEngagementUpdate", partial=True).filter(lambda found: change_allowed(found, engagement))
        )
        changed = api(manager).patch(url, change, format="json")
        assert changed.status_code == 200, (change, changed.json())
        for field in ("start_date", "end_date"):
            assert changed.json()[field] == change.get(field, engagement[field])
        assert same_decimal(changed.json()["fte"], change.get("fte", engagement["fte"]))
        shows(manager, "/")  # spend and savings of the active engagement, in the client's currency

        complete = data.draw(body("EngagementTransition", overrides={"action": st.just("complete")}))
        completed = api(manager).post(f"{url}transition/", complete, format="json")
        assert completed.status_code == 200, (complete, completed.json())
        assert completed.json()["status"] == "completed"
        review = data.draw(body("ReviewCreate"))
        reviewed = api(manager).post(f"{url}review/", review, format="json")
        assert reviewed.status_code == 201, (review, reviewed.json())

        assert api(manager).get(f"{url}review/").json()["rating"] == review["rating"]
        assert api(vendor).get(url).status_code == 200
        assert api(manager).get(f"{url}milestones/").status_code == 200
        shows(manager, "/")
        shows(manager, f"/engagements/{engagement['id']}/")
        shows(manager, f"/vendors/{result.vendor.slug}/")  # the new rating
        shows(vendor, f"/portal/engagements/{engagement['id']}/")
        shows(vendor, "/")


# -- requests for proposal -----------------------------------------------------------------


def deadlines() -> st.SearchStrategy[str]:
    """From one hour to 180 days ahead (README: requests for proposal), with any UTC offset;
    ten minutes inside either end, so the request's own time does not cross it."""
    now = timezone.now()
    margin = 600
    ahead = st.integers(
        int(MIN_DEADLINE_AHEAD.total_seconds()) + margin, int(MAX_DEADLINE_AHEAD.total_seconds()) - margin
    )
    offsets = st.integers(-12 * 60, 14 * 60).map(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)))
    return st.builds(
        lambda seconds, zone: (now + dt.timedelta(seconds=seconds)).astimezone(zone).isoformat(), ahead, offsets
    )


def rfp_request(data, run, vendor_ids: list[int]) -> dict:
    return data.draw(
        body(
            "RfpCreate",
            overrides={
                "match_run": st.just(run.pk),
                "vendors[]": st.sampled_from(vendor_ids),
                "deadline": deadlines(),
            },
            unique={"criteria": lambda row: row["name"].strip().casefold()},  # names must differ (a 400 otherwise)
        )
    )


def proposal_currency() -> st.SearchStrategy[str]:
    """One with an exchange rate, or empty: the requirement's."""
    return rated_currencies() | st.just("")


def draft(data, questions: int) -> dict:
    """A draft: anything filled in, at most one answer per question."""
    answers = st.lists(required("ProposalJsonInput", "answers", item=True), max_size=questions)
    overrides = {"currency": proposal_currency(), "answers": answers, "submit": st.just(False)}
    return data.draw(body("ProposalJsonInput", overrides=overrides, omit=UPLOAD_ONLY))


def submission(data, questions: int) -> dict:
    """A submission: complete (README: "submitted only when complete"): the terms, an
    approach and an answer to every question."""
    drawn = data.draw(body("ProposalJsonInput", overrides={"currency": proposal_currency()}, omit=UPLOAD_ONLY))
    answer = required("ProposalJsonInput", "answers", item=True).filter(str.strip)
    complete = data.draw(
        st.fixed_dictionaries(
            {
                "hourly_rate": required("ProposalJsonInput", "hourly_rate"),
                "fte": required("ProposalJsonInput", "fte"),
                "start_date": required("ProposalJsonInput", "start_date"),
                "approach": required("ProposalJsonInput", "approach").filter(str.strip),
                "answers": st.lists(answer, min_size=questions, max_size=questions),
            }
        )
    )
    return {**drawn, **complete, "submit": True}


def bidders(manager, *, vendors: int = 3, currency: str = "EUR") -> tuple[Requirement, Any, dict[int, User]]:
    """A requirement of the most hours a requirement may have, a shortlist of `vendors` firms and a member of each."""
    requirement = requirement_for(manager, estimated_hours=HOURS_MAX, currency=currency)
    firms = [VendorFactory() for _ in range(vendors)]
    run = succeeded_run(requirement, vendors=firms)
    return requirement, run, {firm.pk: VendorMembershipFactory(vendor=firm).user for firm in firms}


@PROPERTY
@given(data=st.data())
def test_any_request_for_proposal_the_schema_allows_is_answered_evaluated_and_awarded(data):
    with rolled_back():
        manager = ClientMembershipFactory().user
        requirement, run, members = bidders(manager, currency=data.draw(rated_currencies()))
        request = rfp_request(data, run, sorted(members))

        created = api(manager).post("/api/v1/rfps/", request, format="json")

        assert created.status_code == 201, (request, created.json())
        rfp = created.json()
        assert rfp["status"] == "open" and rfp["sealed"] is True
        assert dt.datetime.fromisoformat(rfp["deadline"]) == dt.datetime.fromisoformat(request["deadline"])
        questions, criteria = len(rfp["questions"]), [row["id"] for row in rfp["criteria"]]
        invitations = {row["vendor"]["id"]: row["id"] for row in rfp["invitations"]}
        assert sorted(invitations) == sorted(request["vendors"])

        submitted = []
        for index, (firm, invitation) in enumerate(invitations.items()):
            url = f"/api/v1/invitations/{invitation}/"
            first = draft(data, questions)
            saved = api(members[firm]).put(f"{url}proposal/", first, format="json")
            assert saved.status_code == 200, (first, saved.json())
            assert saved.json()["status"] == "draft"
            if index == 0 or data.draw(st.booleans()):
                final = submission(data, questions)
                sent = api(members[firm]).put(f"{url}proposal/", final, format="json")
                assert sent.status_code == 200, (final, sent.json())
                proposal = sent.json()
                assert proposal["status"] == "submitted"
                assert same_decimal(proposal["hourly_rate"], final["hourly_rate"])
                assert proposal["currency"] == (final.get("currency") or requirement.currency)
                submitted.append(proposal["id"])
            else:
                reason = data.draw(body("InvitationDecline"))
                declined = api(members[firm]).post(f"{url}decline/", reason, format="json")
                assert declined.status_code == 200, (reason, declined.json())
                assert declined.json()["status"] == "declined"

        assert api(manager).get(f"/api/v1/rfps/{rfp['id']}/").json()["sealed"] is False  # everyone answered
        for proposal in submitted:
            rows = [
                data.draw(body("ScoreInput", overrides={"criterion": st.just(criterion)})) for criterion in criteria
            ]
            scores = {"scores": data.draw(st.permutations(rows))}
            scored = api(manager).put(f"/api/v1/proposals/{proposal}/scores/", scores, format="json")
            assert scored.status_code == 200, (scores, scored.json())
            assert scored.json()["my_weighted_score"] is not None
            shortlist = data.draw(body("ProposalShortlist"))
            listed = api(manager).post(f"/api/v1/proposals/{proposal}/shortlist/", shortlist, format="json")
            assert listed.status_code == 200, (shortlist, listed.json())
        compared = api(manager).get(f"/api/v1/rfps/{rfp['id']}/proposals/")
        assert compared.status_code == 200, compared.json()
        assert all(row["cost_in_requirement_currency"]["total"] is not None for row in compared.json())
        shows(manager, f"/rfps/{rfp['id']}/")  # side by side, costs converted, the cheapest highlighted

        award = data.draw(body("RfpAward", overrides={"proposal": st.sampled_from(submitted)}))
        awarded = api(manager).post(f"/api/v1/rfps/{rfp['id']}/award/", award, format="json")

        assert awarded.status_code == 200, (award, awarded.json())
        assert awarded.json()["rfp_status"] == "awarded"
        engagement = api(manager).get(f"/api/v1/engagements/{awarded.json()['engagement']}/").json()
        assert engagement["status"] == "active" and engagement["proposal"] == award["proposal"]
        shows(manager, f"/engagements/{engagement['id']}/")
        shows(manager, f"/rfps/{rfp['id']}/")
        shows(manager, "/")
        for firm, invitation in invitations.items():
            assert api(members[firm]).get(f"/api/v1/invitations/{invitation}/").status_code == 200
            shows(members[firm], f"/portal/invitations/{invitation}/")
            shows(members[firm], "/")


@PROPERTY
@given(data=st.data())
def test_any_request_for_proposal_the_schema_allows_can_be_drafted_declined_and_cancelled(data):
    with rolled_back():
        manager = ClientMembershipFactory().user
        _requirement, run, members = bidders(manager, vendors=2)
        request = rfp_request(data, run, sorted(members))
        created = api(manager).post("/api/v1/rfps/", request, format="json")
        assert created.status_code == 201, (request, created.json())
        rfp = created.json()
        invitations = {row["vendor"]["id"]: row["id"] for row in rfp["invitations"]}
        for firm, invitation in invitations.items():
            if data.draw(st.booleans()):
                first = draft(data, len(rfp["questions"]))
                saved = api(members[firm]).put(f"/api/v1/invitations/{invitation}/proposal/", first, format="json")
                assert saved.status_code == 200, (first, saved.json())
            else:
                reason = data.draw(body("InvitationDecline"))
                declined = api(members[firm]).post(f"/api/v1/invitations/{invitation}/decline/", reason, format="json")
                assert declined.status_code == 200, (reason, declined.json())
                assert declined.json()["decline_reason"] == reason["reason"].strip()

        cancel = data.draw(body("RfpCancel"))
        cancelled = api(manager).post(f"/api/v1/rfps/{rfp['id']}/cancel/", cancel, format="json")

        assert cancelled.status_code == 200, (cancel, cancelled.json())
        assert cancelled.json()["status"] == "cancelled"
        shows(manager, f"/rfps/{rfp['id']}/")
        for firm, invitation in invitations.items():
            assert api(members[firm]).get(f"/api/v1/invitations/{invitation}/").json()["rfp"]["status"] == "cancelled"
            shows(members[firm], f"/portal/invitations/{invitation}/")


# -- webhooks ------------------------------------------------------------------------------

PUBLIC_ADDRESS = "93.184.215.14"  # example.com's, a global unicast address


@pytest.fixture
def public_names(settings, monkeypatch):
    """The webhook guard resolves the host and refuses private addresses. This machine has
    no DNS: names under example.com resolve to a public address, as on the internet; any
    other name is looked up as usual."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    lookup = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC_ADDRESS, port or 443))]
        return lookup(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def webhook_secrets() -> st.SearchStrategy[str]:
    """Standard Webhooks secrets: whsec_ and the base64 of 24 to 64 bytes (the field's description)."""
    raw = st.binary(min_size=webhooks.SECRET_MIN_BYTES, max_size=webhooks.SECRET_MAX_BYTES)
    return raw.map(lambda found: webhooks.SECRET_PREFIX + base64.b64encode(found).decode())


@PROPERTY
@given(data=st.data())
def test_any_webhook_endpoint_the_schema_allows_is_registered_changed_and_sent_events(public_names, data):
    with rolled_back():
        manager = ClientMembershipFactory().user
        registration = data.draw(body("WebhookEndpointInput", overrides={"secret": webhook_secrets()}))

        created = api(manager).post("/api/v1/webhooks/", registration, format="json")

        assert created.status_code == 201, (registration, created.json())
        endpoint = created.json()
        assert endpoint["events"] == sorted(registration["events"])
        assert endpoint["secret"] == registration.get("secret", endpoint["secret"])
        url = f"/api/v1/webhooks/{endpoint['id']}/"
        change = data.draw(body("PatchedWebhookEndpointInput", overrides={"secret": webhook_secrets()}, partial=True))
        changed = api(manager).patch(url, change, format="json")
        assert changed.status_code == 200, (change, changed.json())
        now = api(manager).get(url).json()
        assert now["url"] == change.get("url", registration["url"])
        assert now["events"] == sorted(change.get("events", registration["events"]))

        propose(manager)  # an engagement.updated event of the endpoint's organization
        deliveries = api(manager).get(f"{url}deliveries/")
        assert deliveries.status_code == 200, deliveries.json()
        sent = [row["event"] for row in deliveries.json()["results"]]
        assert sent == (["engagement.updated"] if "engagement.updated" in now["events"] else [])


# -- taxonomy ------------------------------------------------------------------------------


def domains() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(ExpertiseArea.objects.values_list("code", flat=True)))


@PROPERTY
@given(data=st.data())
def test_any_skill_the_schema_allows_is_created_changed_and_matched(staff_user, owner, data):
    with rolled_back():
        entry = data.draw(body("Skill", overrides={"code": unique_code("skill"), "domain": domains()}))
        created = api(staff_user).post("/api/v1/taxonomy/skills/", entry, format="json")
        assert created.status_code == 201, (entry, created.json())
        change = data.draw(
            body("PatchedSkill", overrides={"code": unique_code("skill"), "domain": domains()}, partial=True)
        )

        changed = api(staff_user).patch(f"/api/v1/taxonomy/skills/{entry['code']}/", change, format="json")

        assert changed.status_code == 200, (change, changed.json())
        code = change.get("code", entry["code"])
        read = api(owner).get(f"/api/v1/taxonomy/skills/{code}/")
        assert read.status_code == 200 and read.json()["domain"] == change.get("domain", entry["domain"])
        skill = Skill.objects.get(code=code)
        vendor = VendorFactory()
        vendor.domains.add(skill.domain)
        VendorSkillFactory(vendor=vendor, skill=skill)
        assert_matchable(owner, vendor)
        shows(owner, f"/vendors/{vendor.slug}/")


@PROPERTY
@given(data=st.data())
def test_any_certification_the_schema_allows_is_created_changed_and_matched(staff_user, owner, data):
    with rolled_back():
        entry = data.draw(body("Certification", overrides={"code": unique_code("cert")}))
        created = api(staff_user).post("/api/v1/taxonomy/certifications/", entry, format="json")
        assert created.status_code == 201, (entry, created.json())
        change = data.draw(body("PatchedCertification", overrides={"code": unique_code("cert")}, partial=True))

        url = f"/api/v1/taxonomy/certifications/{entry['code']}/"
        changed = api(staff_user).patch(url, change, format="json")

        assert changed.status_code == 200, (change, changed.json())
        code = change.get("code", entry["code"])
        assert api(owner).get(f"/api/v1/taxonomy/certifications/{code}/").status_code == 200
        vendor = VendorFactory()
        vendor.domains.add(ExpertiseArea.objects.get(code="finance"))
        VendorCertification.objects.create(vendor=vendor, certification=Certification.objects.get(code=code))
        assert_matchable(owner, vendor)
        shows(owner, f"/vendors/{vendor.slug}/")


# -- client organizations and users --------------------------------------------------------


def organization_references() -> dict:
    return {
        "slug": st.uuids().map(lambda found: f"c-{found.hex}"),  # unique
        "country": st.sampled_from(sorted(country_names())),
        "timezone": st.sampled_from(sorted(timezone_names())),
        "currency": st.sampled_from(sorted(currency_names())),
    }


def local_time(text: str) -> dt.time:
    """As the server reads HH:MM[:SS] (LocalTimeField: strptime, which takes any Unicode digit
    the schema's `\\d` does)."""
    shape = "%H:%M:%S" if text.count(":") == 2 else "%H:%M"
    return dt.datetime.strptime(text, shape).time()


def working_day_in_order(document: dict, *, start: str, end: str) -> bool:
    """The working day ends after it starts (a 400 otherwise); a time left out keeps the
    current one (the model's default on creation)."""
    return local_time(document.get("working_hours_end", end)) > local_time(document.get("working_hours_start", start))


def password_accepted(document: dict) -> bool:
    """Django's password validators, which the server runs (UserCreate's serializer)."""
    candidate = User(**{key: document.get(key, "") for key in ("username", "email", "first_name", "last_name")})
    try:
        validate_password(document["password"], user=candidate)
    except ValidationError:
        return False
    return True


@PROPERTY
@given(data=st.data())
def test_any_client_organization_and_user_the_schema_allows_are_created_signed_in_and_matched(staff_user, data):
    with rolled_back():
        fields = ClientOrganization._meta
        default = {
            "start": fields.get_field("working_hours_start").get_default().isoformat(),
            "end": fields.get_field("working_hours_end").get_default().isoformat(),
        }
        organization = data.draw(
            body("ClientOrganization", overrides=organization_references()).filter(
                lambda found: working_day_in_order(found, **default)
            )
        )
        created = api(staff_user).post("/api/v1/clients/", organization, format="json")
        assert created.status_code == 201, (organization, created.json())
        current = created.json()
        change = data.draw(
            body("PatchedClientOrganization", overrides=organization_references(), partial=True).filter(
                lambda found: working_day_in_order(
                    found, start=current["working_hours_start"], end=current["working_hours_end"]
                )
            )
        )
        url = f"/api/v1/clients/{current['id']}/"
        changed = api(staff_user).patch(url, change, format="json")
        assert changed.status_code == 200, (change, changed.json())
        assert api(staff_user).get(url).json()["timezone"] == change.get("timezone", organization["timezone"])

        client_side = data.draw(st.booleans())  # a manager of the new organization, or a vendor firm's member
        roles = st.sampled_from(CLIENT_ROLES if client_side else VENDOR_ROLES)
        person = data.draw(body("UserCreate", overrides={"role": roles}, omit=ORGANIZATION).filter(password_accepted))
        person |= {"client": current["id"]} if client_side else {"vendor": VendorFactory().pk}

        registered = api(staff_user).post("/api/v1/users/", person, format="json")

        assert registered.status_code == 201, (person, registered.json())
        browser = Client()
        signed_in = browser.post(
            "/accounts/login/", {"username": registered.json()["username"], "password": person["password"]}
        )
        assert signed_in.status_code == 302, signed_in.content  # to the home page: the password works
        assert browser.get("/").status_code == 200  # the dashboard, in the organization's time zone
        user = User.objects.get(pk=registered.json()["id"])
        if client_side:
            vendor = VendorFactory()
            vendor.domains.add(ExpertiseArea.objects.get(code="finance"))
            assert_matchable(user, vendor)  # working-hour overlap with the organization's day
