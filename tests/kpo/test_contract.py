"""The contract check (tests/contract.py) that every API answer of the suite goes through:
it passes a real answer as served and names what differs in one that departs from the schema."""

from __future__ import annotations

import json

import pytest

from tests import contract
from tests.factories import VendorFactory
from tests.vendors.api_helpers import api, detail

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(staff_user):
    """A real answer (a vendor, 200 with its ETag) and the request it answered."""
    response = api(staff_user).get(detail(VendorFactory()))
    assert response.status_code == 200
    contract.take_violations()  # this one conforms; the tests below alter it
    return response


def altered(response, *, status=None, headers=(), body=None):
    if status is not None:
        response.status_code = status
    for name, value in headers:
        response[name] = value
    if body is not None:
        response.content = json.dumps(body).encode()
    return contract.problems_with(response.wsgi_request, response)


def test_a_real_answer_conforms(answer):
    assert contract.problems_with(answer.wsgi_request, answer) == []


def test_a_status_the_operation_does_not_declare_is_named(answer):
    del answer["ETag"]
    [problem] = altered(answer, status=418)
    assert "418" in problem


def test_a_header_the_operation_does_not_declare_is_named(answer):
    [problem] = altered(answer, headers=[("X-Debug-Sql", "12 queries")])
    assert problem == "header X-Debug-Sql is sent but not declared for 200"


def test_the_transport_and_security_headers_are_not_the_contract(answer):
    assert altered(answer, headers=[("X-Frame-Options", "DENY"), ("Vary", "Accept-Language")]) == []


def test_an_undocumented_key_is_named(answer):
    [problem] = altered(answer, body={**answer.json(), "internal_notes": "x"})
    assert "internal_notes" in problem


def test_a_missing_required_key_is_named(answer):
    body = answer.json()
    del body["change_seq"]
    [problem] = altered(answer, body=body)
    assert "change_seq" in problem


def test_a_value_off_its_type_is_named_with_its_place(answer):
    body = answer.json()
    body["rates"] = [{**body["rates"][0], "hourly_rate": 12.5}] if body["rates"] else [{"hourly_rate": 1}]
    [problem] = altered(answer, body=body)
    assert "rates/0" in problem


def test_an_error_body_off_the_error_schema_is_named(answer):
    del answer["ETag"]
    [problem] = altered(answer, status=404, body={"error": "gone"})
    assert "error" in problem


def test_a_header_declared_for_another_status_is_named(answer):
    [problem] = altered(answer, status=404, body={"detail": "Not found."})
    assert problem == "header ETag is sent but not declared for 404"


def test_an_answer_that_departs_is_recorded_by_the_middleware(staff_user, answer):
    request, response = answer.wsgi_request, answer
    response["X-Debug-Sql"] = "12 queries"
    contract.ContractMiddleware(lambda _request: response)(request)
    [violation] = contract.take_violations()
    assert violation.status == 200 and violation.request.startswith("GET /api/v1/vendors/")
    assert contract.take_violations() == []
