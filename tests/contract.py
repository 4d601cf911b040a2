"""The API contract, checked on every answer the suite receives.

tests/conftest.py puts `ContractMiddleware` outermost in the test settings, so every
/api/v1/ answer the test client, the live server (browser tests, the generated client)
and the worker-driven flows produce is checked against the OpenAPI schema that
/api/schema/ serves, with openapi-core:

- the status code is one the operation declares;
- the body has the declared media type and matches its schema, with no undeclared key;
- every declared required header is sent and matches its schema;
- every header with API meaning that is sent is declared (`GENERIC_HEADERS` lists the
  transport and browser-security headers every answer carries, which are not part of any
  operation's contract).

Not checked: HEAD and OPTIONS, the browsable API's HTML pages, a 404 for an address the API
does not have, and a 405 (or an outage's 503) for a method an address does not take.

A mismatch is recorded, and the autouse fixture in tests/conftest.py fails the test that
received it, naming the request, the status and what differs.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.request import RawPostDataException
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

API_PREFIX = "/api/v1/"

# Headers every answer may carry that belong to HTTP or the browser, not to an operation:
# framing and negotiation (Django, WhiteNoise), and the security headers of
# django.middleware.security / clickjacking / django-csp. Anything else the API sends must be declared.
GENERIC_HEADERS = frozenset(
    {
        "allow",
        "content-language",
        "content-length",
        "content-security-policy",
        "content-type",
        "cross-origin-opener-policy",
        "referrer-policy",
        "strict-transport-security",
        "vary",
        "x-content-type-options",
        "x-frame-options",
    }
)


@dataclass(frozen=True)
class Violation:
    request: str
    status: int
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.request} -> {self.status}:\n    " + "\n    ".join(self.problems)


_lock = threading.Lock()
_violations: list[Violation] = []


def take_violations() -> list[Violation]:
    """The mismatches recorded since the last call (and forgets them)."""
    with _lock:
        taken = list(_violations)
        _violations.clear()
    return taken


@cache
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _text(body: bytes | str, **parameters: str) -> str:
    return body.decode(parameters.get("charset", "utf-8")) if isinstance(body, bytes) else body


@cache
def _openapi() -> OpenAPI:
    document = copy.deepcopy(schema())
    # Answers come from whatever host the test talks to (testserver, a live server port).
    document["servers"] = [{"url": "/"}]
    config = Config(
        # An object schema that lists its properties admits no others: an undocumented key fails.
        additional_properties_default_policy="forbid",
        # A CSV download is text (openapi-core knows JSON, form and multipart bodies only).
        extra_media_type_deserializers={"text/csv": _text},
    )
    return OpenAPI.from_dict(document, config=config)


class _Request(DjangoOpenAPIRequest):
    """The request as openapi-core reads it. Only its route and method matter for checking the
    answer; a body already consumed as a stream (a multipart upload) reads as empty."""

    @property
    def body(self) -> bytes:
        try:
            return super().body
        except RawPostDataException:
            return b""


def _template(path: str) -> str:
    """A path with its parameters unnamed: Django's route says {pk} where the schema says {id}."""
    return re.sub(r"\{[^}]*\}", "{}", path)


@cache
def _paths() -> dict[str, dict[str, Any]]:
    return {_template(path): item for path, item in schema()["paths"].items()}


def _operation(request: HttpRequest) -> dict[str, Any] | None:
    pattern = _Request(request).path_pattern
    if pattern is None:
        return None
    return _paths().get(_template(pattern), {}).get((request.method or "").lower())


def _declared(operation: dict[str, Any], status: int) -> dict[str, Any]:
    responses = operation.get("responses", {})
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default") or {}


def problems_with(request: HttpRequest, response: HttpResponse | StreamingHttpResponse) -> list[str]:
    """What differs between this answer and the schema ([] when it conforms)."""
    if request.method in ("OPTIONS", "HEAD"):
        return []
    if str(response.get("Content-Type", "")).startswith("text/html"):
        # The browsable API: the same answer rendered as a page for a person, not the contract.
        return []
    errors = list(_openapi().iter_response_errors(_Request(request), DjangoOpenAPIResponse(response)))
    if any(isinstance(error, PathNotFound) for error in errors) and response.status_code == 404:
        return []  # an address the API does not have: no operation to check
    if any(isinstance(error, OperationNotFound) for error in errors) and response.status_code in (405, 503):
        return []  # a method the address does not take (or an outage met before routing)
    problems = [_describe(error) for error in errors]
    operation = _operation(request)
    if operation is not None:
        declared = {name.lower() for name in _declared(operation, response.status_code).get("headers", {})}
        for name in response.headers:
            if name.lower() not in GENERIC_HEADERS and name.lower() not in declared:
                problems.append(f"header {name} is sent but not declared for {response.status_code}")
    return problems


def _describe(error: Exception) -> str:
    """The error's name and, for a body or header off its schema, each place that differs."""
    parts = [f"{type(error).__name__}: {_short(error)}"]
    cause = error.__cause__
    while cause is not None:
        for detail in getattr(cause, "schema_errors", None) or ():
            where = "/".join(map(str, detail.absolute_path)) or "(top)"
            parts.append(f"  {where}: {_short(detail.message)}")
        if not getattr(cause, "schema_errors", None):
            parts.append(f"  {type(cause).__name__}: {_short(cause)}")
        cause = cause.__cause__
    return "\n    ".join(parts)


def _short(value: object, limit: int = 240) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


class ContractMiddleware:
    """Outermost middleware of the test settings: records every /api/v1/ answer that
    departs from the schema (it never changes the answer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            problems = problems_with(request, response)
            if problems:
                with _lock:
                    _violations.append(
                        Violation(f"{request.method} {request.get_full_path()}", response.status_code, tuple(problems))
                    )
        return response
