"""The OpenAPI schema as integrators read it: valid (openapi-spec-validator), lint-clean under
Spectral's `spectral:oas` rules (less the exceptions listed in .spectral.yaml), every answer the
machinery can send declared on every operation, and the why-not answer typed as it really is."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator
from rest_framework.test import APIClient

from engagements.matching import runs
from engagements.models import MatchRun, Membership
from kpo.api.contract import served_schema
from tests.engagements.matching.test_match_runs import pool  # noqa: F401 (a fixture)
from tests.openapi import assert_matches_component
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

SPECTRAL = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "spectral"
METHODS = ("get", "put", "post", "delete", "patch")


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_is_valid_openapi_3():
    errors = [error.message for error in OpenAPIV30SpecValidator(served_schema()).iter_errors()]
    assert errors == []


def test_the_validator_finds_an_invalid_schema():
    broken = served_schema()
    broken["paths"]["/api/v1/vendors/"]["get"]["responses"]["200"].pop("description")
    assert list(OpenAPIV30SpecValidator(broken).iter_errors())


def spectral(schema: dict, tmp_path: Path) -> list[dict]:
    document, report = tmp_path / "schema.json", tmp_path / "spectral.json"
    document.write_text(json.dumps(schema), encoding="utf-8")
    completed = subprocess.run(
        [str(SPECTRAL), "lint", "--ruleset", str(Path(settings.BASE_DIR) / ".spectral.yaml")]
        + ["--format", "json", "--output", str(report), "--fail-severity", "hint", str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.exists(), completed.stdout + completed.stderr
    return json.loads(report.read_text(encoding="utf-8") or "[]")


def test_spectral_reports_no_error_and_no_warning(tmp_path):
    problems = spectral(served_schema(), tmp_path)
    assert [(p["code"], ".".join(map(str, p["path"])), p["message"]) for p in problems] == []


def test_spectral_reports_an_undescribed_operation(tmp_path):
    broken = served_schema()
    broken["paths"]["/api/v1/vendors/"]["get"].pop("description")
    assert {p["code"] for p in spectral(broken, tmp_path)} == {"operation-description"}


def test_every_operation_declares_the_answers_the_machinery_sends():
    schema = served_schema()
    missing = []
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"429", "503"}
        if operation.get("security") and any(operation["security"]):
            expected.add("401")
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        if method == "post" and path != "/api/v1/auth/token/":
            expected |= {"409", "422"}
        missing += [f"{method.upper()} {path}: {code}" for code in sorted(expected - set(responses))]
        for code in ("429", "503"):
            if code in responses:
                assert "Retry-After" in responses[code].get("headers", {}), f"{method} {path} {code}"
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                assert response.get("content", {}).get("application/json", {}).get("schema"), f"{method} {path} {code}"
    assert missing == []


def test_error_answers_use_the_two_documented_error_schemas():
    schema = served_schema()
    error, field_errors = "#/components/schemas/Error", "#/components/schemas/FieldErrors"
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            body = response["content"]["application/json"]["schema"] if code >= "400" else None
            if code == "400":
                refs = [part["$ref"] for part in body["anyOf"]]
                assert error in refs and (field_errors in refs or path == "/api/v1/vendors/import/"), (method, path)
            elif body is not None:
                assert "$ref" in body, (method, path, code)
    assert_matches_component(
        {"name": ["This field is required."], "rates": [{}, {"currency": ["Bad."]}]}, "FieldErrors"
    )
    assert_matches_component({"weights": {"cost": ["Too high."]}, "languages": {"0": ["Unknown."]}}, "FieldErrors")
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_component({"name": "not a list"}, "FieldErrors")


def test_every_post_that_honours_idempotency_keys_says_so():
    schema = served_schema()
    for path, method, operation in operations(schema):
        if method != "post" or path == "/api/v1/auth/token/":  # anonymous: no key is kept
            continue
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in names, path
        success = [r for code, r in operation["responses"].items() if code.startswith("2")]
        assert success and all("Idempotent-Replayed" in r.get("headers", {}) for r in success), path
        assert "Retry-After" in operation["responses"]["409"]["headers"], path


def test_a_nullable_reference_admits_null_for_a_strict_validator():
    """openapi-schema-validator's OAS 3.0 rules (openapi-core's): `nullable` beside `allOf`
    does not reach the referenced component, so drf-spectacular's form refused null."""
    schema = served_schema()
    cost = schema["components"]["schemas"]["MatchResult"]["properties"]["estimated_cost"]
    validator = OAS30Validator({**cost, "components": schema["components"]})
    assert validator.is_valid(None)
    assert validator.is_valid({"amount": "1200.00", "currency": "EUR"})
    assert not validator.is_valid({"amount": 1200})
    assert not validator.is_valid("1200.00")


def test_every_paged_list_declares_the_parameters_its_links_carry():
    schema = served_schema()
    for path, _method, operation in operations(schema):
        paged = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "Paginated" not in paged.get("$ref", ""):
            continue
        names = {p["name"] for p in operation.get("parameters", [])}
        assert "cursor" in names, path
        page = schema["components"]["schemas"][paged["$ref"].rsplit("/", 1)[-1]]
        if "last_change_seq" in page["properties"]:  # sync mode: `next` carries `since`
            assert "since" in names, path


def test_a_run_types_its_exclusions_and_parameters():
    run_schema = served_schema()["components"]["schemas"]["MatchRun"]["properties"]
    assert run_schema["exclusions"]["additionalProperties"] == {"type": "integer", "minimum": 0}
    assert_matches_component({"selection_method": "balanced", "top_k": 10}, "MatchParameters")
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_component({"top_k": "ten"}, "MatchParameters")


def test_the_why_not_schema_fits_a_real_answer_of_each_status(pool, settings):  # noqa: F811
    settings.MATCH_TOP_K = 3
    excluded = Vendor.objects.filter(is_active=True).first()
    excluded.domains.clear()
    run = MatchRun.objects.create(requirement=pool)
    runs.match_run_execute(run_id=run.pk, task_id="t")
    run.refresh_from_db()
    manager = Membership.objects.get(client=pool.client).user
    api = APIClient()
    api.force_authenticate(manager)
    listed = set(run.results.values_list("vendor_id", flat=True))
    by_status = {}
    for vendor in Vendor.objects.filter(is_active=True).order_by("pk"):
        answer = api.get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": vendor.pk}).json()
        by_status.setdefault(answer["status"], answer)
        if vendor.pk in listed:
            assert answer["status"] == "ranked"
    pending = MatchRun.objects.create(requirement=pool)
    by_status["unknown"] = api.get(f"/api/v1/match-runs/{pending.pk}/why-not/", {"vendor": excluded.pk}).json()

    assert set(by_status) == {"ranked", "below_shortlist", "excluded", "unknown"}
    assert by_status["excluded"]["reason"]
    assert by_status["ranked"]["explanation"]["components"]
    for answer in by_status.values():
        assert_matches_component(answer, "MatchWhyNot")
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_component({**by_status["excluded"], "reason": "no_such_reason"}, "MatchWhyNot")
    with pytest.raises(jsonschema.ValidationError):
        explanation = {**by_status["ranked"]["explanation"], "undocumented": 1}
        assert_matches_component({**by_status["ranked"], "explanation": explanation}, "MatchWhyNot")


def test_exclusion_reason_codes_have_one_list():
    from engagements.matching.reasons import EXCLUSION_REASONS
    from engagements.matching.scoring import EXCLUSION_REASON_CODES

    assert set(EXCLUSION_REASON_CODES) == set(EXCLUSION_REASONS)


def test_spectral_is_pinned_and_installed_by_the_project():
    assert json.loads((Path(settings.BASE_DIR) / "package.json").read_text())["devDependencies"][
        "@stoplight/spectral-cli"
    ][0].isdigit()
    assert SPECTRAL.exists(), "npm ci --no-audit --no-fund installs it (make install-dev)"


def test_the_csv_upload_documents_its_raw_variant():
    operation = served_schema()["paths"]["/api/v1/vendors/import/"]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    assert "text/csv" in operation["description"]


def test_the_schema_names_its_server_contact_and_tags():
    schema = served_schema()
    assert schema["servers"] and schema["info"]["contact"]
    defined = {tag["name"]: tag.get("description") for tag in schema["tags"]}
    used = {tag for _, _, operation in operations(schema) for tag in operation.get("tags", [])}
    assert used <= set(defined) and all(defined.values())
