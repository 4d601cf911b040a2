"""Check an API answer against a component of our own OpenAPI schema (the one
/api/schema/ serves), so a test fails when the documented shape and the real
one part ways, for data Schemathesis cannot make up (a scored run, say)."""

from __future__ import annotations

from functools import cache

import jsonschema
from drf_spectacular.generators import SchemaGenerator


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: `nullable: true` becomes "or null", and an
    object with listed properties admits no others (an undocumented key fails)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if "properties" in converted:
        converted.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def _components() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return _json_schema(schema["components"])


def assert_matches_component(document, component: str) -> None:
    """Raises jsonschema.ValidationError naming the first mismatch."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": _components()}
    jsonschema.validate(document, schema, cls=jsonschema.Draft7Validator)
