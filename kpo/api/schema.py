"""The OpenAPI schema states every bound the API enforces (kpo/bounds.py).

drf-spectacular reads most bounds from the fields (min_value, max_length, validators) but
not from a nested serializer's `max_length` / `min_length` (DRF's ListSerializer enforces
them), nor from related fields: an id is a positive integer below 2^63, a code looked up
by slug is as long as the code field at most. A decimal is a string (COERCE_DECIMAL_TO_STRING)
whose pattern allows a sign and any value of its digits: its range is stated as `minimum` and
`maximum` (numbers, as drf-spectacular writes them for a number-typed decimal), and the sign
leaves the pattern when the value cannot be negative. A string that may not be blank has a
minLength of 1 (DRF also trims it first; docs/integration.md says so). This AutoSchema adds those, so what a
generated client is told is what the server checks (tests/kpo/test_schema_bounds.py).

It also declares, on every operation, the answers that come from the API's machinery rather
than from the view (tests/kpo/test_schema_lint.py): 401 where credentials are needed, 403
where roles apply (or a browser session's CSRF check can refuse a write), 404 with a path id or
a body that names other objects, 411, 413 and 415 with a body, 429 (throttling) and 503 (an
outage, kpo/outage.py) with Retry-After, 500 everywhere, and on a POST the Idempotency-Key
contract (kpo/idempotency.py). Every 400 has one body: field errors or {"detail"}
(kpo/api/errors.py).

A model serializer's answer lists every field as required (it always sends them all), and a
nullable reference is `oneOf: [$ref, null]` (postprocess_nullable_refs). tests/contract.py checks
every answer the suite receives against all of this."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from kpo.api.errors import FIELD_ERRORS_SCHEMA, FIELD_ERRORS_VALUE_SCHEMA, ErrorSerializer
from kpo.bounds import ID_MAX
from kpo.idempotency import MAX_KEY_LENGTH

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Permission classes that refuse no authenticated caller for its role.
_ROLE_FREE_PERMISSIONS = (permissions.IsAuthenticated, permissions.AllowAny)

RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}
NO_STORE = {
    "description": "`no-store`: the answer is not to be cached.",
    "schema": {"type": "string", "enum": ["no-store"]},
}
IDEMPOTENT_REPLAYED = {
    "description": "Present (`true`) when this is the stored answer to an earlier request with the same "
    "Idempotency-Key, replayed.",
    "schema": {"type": "string", "enum": ["true"]},
}
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "A key of your choice (1 to 255 printable characters) that makes a retry safe: for 24 hours the "
        "same key with the same request replays the first answer (with `Idempotent-Replayed: true`), with "
        "another request it answers 422, and while the first is still running 409 with Retry-After."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
# How each answer the machinery may send is described where the view says nothing of it.
MACHINERY_ANSWERS: dict[int, str] = {
    400: "The request is malformed: field errors (field name to messages), or `detail` for a body that is "
    "not valid JSON or an invalid Idempotency-Key.",
    401: "No valid credentials: no token, or one that is unknown, revoked or expired.",
    403: "The caller's role may not do this (or a browser session's CSRF check failed).",
    404: "Not found (also anything outside the caller's organization).",
    409: "The request conflicts with the current state, or a request with the same Idempotency-Key is still "
    "being processed (then with Retry-After).",
    413: "The request body is larger than the API accepts.",
    415: "The body's Content-Type is not one this operation takes.",
    422: "This Idempotency-Key was already used with a different request.",
    429: "Too many requests: wait for Retry-After seconds.",
    411: "A body was sent without Content-Length (chunked): send its length.",
    500: "An unexpected error on our side, logged with the request: not your request's fault; it may be retried.",
    503: "A backing service (the database) is unreachable: try again after Retry-After seconds.",
}


class BoundedAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            self._declare_machinery_answers(operation)
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("properties") and isinstance(serializer, serializers.ModelSerializer):
            # A model serializer sends every field it has, always (null where there is no value),
            # so a generated client need not guard each one as possibly unset; one that leaves keys
            # out names them in `optional_in_response`. (A plain serializer that documents stored
            # JSON states per field what is optional.) tests/contract.py checks every answer of the
            # suite against this.
            optional = set(getattr(serializer, "optional_in_response", ()))
            schema["required"] = sorted(name for name in schema["properties"] if name not in optional)
        return schema

    def _insert_field_validators(self, field: Any, schema: dict) -> None:
        super()._insert_field_validators(field, schema)
        # drf-spectacular wraps a blank-allowed, format-bound string in oneOf after mapping the
        # field, moving its default ("") into the branch that forbids it.
        for part in schema.get("oneOf", []):
            if "default" in part:
                schema.setdefault("default", part.pop("default"))
        if any(part.get("maxLength") == 0 for part in schema.get("oneOf", [])):
            # "" or a formatted string (a URL, an email): "" satisfies both branches for a
            # validator that treats `format` as an annotation (the JSON Schema default), which
            # oneOf forbids. Either branch may match: anyOf.
            schema["anyOf"] = schema.pop("oneOf")

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _answer(self, operation: dict, code: int, schema: dict, **headers: dict) -> dict:
        responses = operation["responses"]
        response = responses.setdefault(str(code), {"description": MACHINERY_ANSWERS[code]})
        if not response.get("content"):
            response["content"] = {"application/json": {"schema": schema}}
        if headers:
            response.setdefault("headers", {}).update(headers)
        return response

    def _answer_bad_request(self, operation: dict, field_errors: dict, error: dict) -> None:
        """A 400 is field errors unless the view documents a body of its own (the CSV import's
        report); either way it may be {"detail"} (a body that is not JSON, a bad Idempotency-Key)."""
        response = self._answer(operation, 400, {})
        content = response.setdefault("content", {}).setdefault("application/json", {})
        declared = content.get("schema") or {}
        specific = declared if "$ref" in declared and declared != error else field_errors
        content["schema"] = {"anyOf": [specific, error]}

    def _answer_idempotency_conflict(self, operation: dict, error: dict) -> None:
        declared = "409" in operation["responses"]
        response = self._answer(operation, 409, error, **{"Retry-After": RETRY_AFTER})
        if declared:
            response["description"] += (
                " Also: a request with the same Idempotency-Key is still being processed (with Retry-After)."
            )

    def _roles_apply(self, method: str) -> bool:
        if getattr(self.view, "refuses_roles", False):
            return True
        if method in UNSAFE_METHODS and any(
            isinstance(auth, SessionAuthentication) for auth in self.view.get_authenticators()
        ):
            return True  # CSRF: a browser session's write without the token is refused with 403
        for permission in self.view.get_permissions():
            if isinstance(permission, _ROLE_FREE_PERMISSIONS):
                continue
            if getattr(permission, "writes_only", False) and method not in UNSAFE_METHODS:
                continue
            return True
        return False

    def _declare_machinery_answers(self, operation: dict) -> None:
        method = self.method.upper()
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        self._component("FieldErrorValue", FIELD_ERRORS_VALUE_SCHEMA)
        field_errors = self._component("FieldErrors", FIELD_ERRORS_SCHEMA)
        authenticated = any(requirement for requirement in operation.get("security", []))
        takes_body = "requestBody" in operation
        parameters = operation.get("parameters", [])
        idempotent = method == "POST" and authenticated  # kpo/idempotency.py: POSTs of a known user

        if takes_body or idempotent or any(p["in"] == "query" for p in parameters) or "400" in operation["responses"]:
            self._answer_bad_request(operation, field_errors, error)
        if authenticated:
            self._answer(
                operation,
                401,
                error,
                **{
                    "WWW-Authenticate": {
                        "description": "The scheme to authenticate with.",
                        "schema": {"type": "string"},
                    }
                },
            )
            if "403" in operation["responses"] or self._roles_apply(method):
                self._answer(operation, 403, error)
        if any(p["in"] == "path" for p in parameters) or (takes_body and authenticated):
            # A body's references (a requirement, a vendor) are looked up as the caller may see them.
            self._answer(operation, 404, error)
        if takes_body:
            self._answer(operation, 411, error)
            self._answer(operation, 413, error)
            self._answer(operation, 415, error)
        if idempotent:
            if not any(p["name"] == IDEMPOTENCY_KEY_PARAMETER["name"] for p in parameters):
                operation["parameters"] = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
            self._answer_idempotency_conflict(operation, error)
            self._answer(operation, 422, error)
            # Any stored answer (below 500) can be replayed, with the header saying so.
            for code, response in operation["responses"].items():
                if code.isdigit() and int(code) < 500 and int(code) not in (401, 413, 422):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = IDEMPOTENT_REPLAYED
        if self.view.get_throttles():
            self._answer(operation, 429, error, **{"Retry-After": RETRY_AFTER})
        self._answer(operation, 500, error)
        self._answer(operation, 503, error, **{"Retry-After": RETRY_AFTER, "Cache-Control": NO_STORE})
        for code, response in operation["responses"].items():
            if code.isdigit() and int(code) >= 400 and not response.get("content"):
                # A view's error documented by its description alone: the body is the one error shape.
                response["content"] = {"application/json": {"schema": error}}
        operation["responses"] = dict(sorted(operation["responses"].items()))

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if "oneOf" in schema:
            # drf-spectacular puts a blank-allowed field's default ("") inside the branch that
            # forbids it (minLength 3, format email): the default belongs to the whole field.
            for part in schema["oneOf"]:
                if "default" in part:
                    schema.setdefault("default", part.pop("default"))
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            # DRF sets these on ListSerializer (3.15+); the stubs do not know them yet.
            max_items, min_items = getattr(field, "max_length", None), getattr(field, "min_length", None)
            if max_items is not None:
                schema.setdefault("maxItems", max_items)
            if min_items is not None:
                schema.setdefault("minItems", min_items)
        elif isinstance(field, serializers.ManyRelatedField) and schema.get("type") == "array":
            items = schema.get("items", {})
            if "$ref" not in items:
                schema["items"] = self._bound_related(field.child_relation, dict(items))
        elif isinstance(field, serializers.RelatedField):
            schema = self._bound_related(field, schema)
        elif isinstance(field, serializers.DecimalField) and schema.get("format") == "decimal":
            schema = self._bound_decimal(field, schema)
        elif (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not (field.allow_blank or field.read_only)
            and schema.get("type") == "string"
        ):
            # DRF refuses "" (and, trimming, a string of spaces) where blank is not allowed.
            schema.setdefault("minLength", 1)
        elif direction == "response" and schema.get("type") == "string" and _stored_may_be_blank(field):
            # What the API refuses to write blank may still be stored blank (a user made in the
            # admin without an email, a score saved without a comment): an answer may carry "".
            schema.pop("minLength", None)
            if "format" in schema or "pattern" in schema:
                schema = {"anyOf": [{"type": "string", "maxLength": 0}, schema]}
        return schema

    @staticmethod
    def _bound_decimal(field: serializers.DecimalField, schema: dict) -> dict:
        if field.max_digits is None or field.decimal_places is None:
            return schema
        largest = Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places
        high = min(largest, Decimal(field.max_value)) if field.max_value is not None else largest
        low = max(-largest, Decimal(field.min_value)) if field.min_value is not None else -largest
        schema.setdefault("minimum", _number(low))
        schema.setdefault("maximum", _number(high))
        pattern = schema.get("pattern", "")
        if low >= 0 and pattern.startswith("^-?"):
            schema["pattern"] = "^" + pattern[3:]
        return schema

    @staticmethod
    def _bound_related(field: serializers.RelatedField, schema: dict) -> dict:
        if isinstance(field, serializers.SlugRelatedField):
            queryset: Any = getattr(field, "queryset", None)
            model = queryset.model if queryset is not None else None
            if model is not None:
                length = getattr(model._meta.get_field(field.slug_field), "max_length", None)
                if length and schema.get("type") == "string":
                    schema.setdefault("maxLength", length)
        elif isinstance(field, serializers.PrimaryKeyRelatedField) and schema.get("type") == "integer":
            schema.setdefault("minimum", 1)
            schema.setdefault("maximum", ID_MAX)
        return schema


def _stored_may_be_blank(field: Any) -> bool:
    """Whether the text column a serializer field reads allows "" (Django's blank=True)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or "." in source:
        return False
    try:
        column = model._meta.get_field(source)
    except FieldDoesNotExist:  # a computed or method field
        return False
    return isinstance(column, (models.CharField, models.TextField)) and column.blank


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def postprocess_nullable_refs(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular writes a nullable reference as `allOf: [$ref]` beside `nullable: true`.
    In OAS 3.0 `nullable` does not reach into allOf, so a strict validator (openapi-core) refuses
    null there. Written as a choice between the component and null, every validator and generator
    reads it the same way: `oneOf: [$ref, {nullable: true, enum: [null]}]`."""

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            parts = node.get("allOf")
            if node.get("nullable") and isinstance(parts, list) and len(parts) == 1 and "$ref" in parts[0]:
                del node["allOf"], node["nullable"]
                node.pop("type", None)
                node["oneOf"] = [parts[0], {"nullable": True, "enum": [None]}]
            for value in node.values():
                visit(value)

    visit(result)
    return result


def postprocess_request_defaults(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """A request component's defaults are stated in words, not as `default`: openapi-typescript
    (7, default flags) makes a property with a `default` required in a component, so a client
    would have to send what the server fills in itself. Answers keep their `default`s."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            if "default" in field:
                default = field.pop("default")
                said = f"Default: `{json.dumps(default)}`."
                field["description"] = f"{field['description']} {said}" if field.get("description") else said
    return result
