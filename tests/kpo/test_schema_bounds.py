"""Every field a client may send is bounded in the OpenAPI schema (kpo/bounds.py,
kpo/api/schema.py), so a client generated from it is told what the server enforces:
integers have a minimum and a maximum, numbers a maximum, decimal strings a minimum and a
maximum (and no sign in their pattern when they cannot be negative), strings a maxLength (or
an enum or a format with its own bounds), arrays a maxItems. Dates are bounded in their
description (OpenAPI has no date range)."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator

# Formats whose values are bounded by the format itself (or by the upload limit).
BOUNDED_FORMATS = {"date", "date-time", "time", "uuid", "binary", "uri"}


def unbounded_request_fields(schema: dict) -> list[str]:
    components = schema["components"]["schemas"]
    found: list[str] = []

    def walk(node: dict, path: str, seen: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            if name not in seen:
                walk(components[name], path, seen | {name})
            return
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key, []):
                walk(part, path, seen)
        if node.get("readOnly") or "enum" in node:
            return
        kind = node.get("type")
        if kind == "object":
            for name, child in node.get("properties", {}).items():
                walk(child, f"{path}.{name}", seen)
        elif kind == "array":
            if "maxItems" not in node:
                found.append(f"{path}: array without maxItems")
            walk(node.get("items", {}), f"{path}[]", seen)
        elif kind == "integer" and not {"minimum", "maximum"} <= node.keys():
            found.append(f"{path}: integer without minimum and maximum")
        elif kind == "string" and node.get("format") == "decimal":
            if not {"minimum", "maximum"} <= node.keys():
                found.append(f"{path}: decimal without minimum and maximum")
            elif node["minimum"] >= 0 and node.get("pattern", "").startswith("^-"):
                found.append(f"{path}: decimal of at least {node['minimum']} whose pattern allows a sign")
        elif kind == "number" and "maximum" not in node:
            found.append(f"{path}: number without maximum")
        elif kind == "string" and "maxLength" not in node and node.get("format") not in BOUNDED_FORMATS:
            found.append(f"{path}: string without maxLength")

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            for content in (body or {}).get("content", {}).values():
                walk(content["schema"], f"{method.upper()} {path}", frozenset())
    return found


def test_every_field_a_client_may_send_is_bounded_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert len(schema["paths"]) > 30  # the schema was read
    assert sorted(set(unbounded_request_fields(schema))) == []


def test_the_walker_sees_an_unbounded_field():
    schema = {
        "paths": {"/x/": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/c/X"}}}}}}},
        "components": {
            "schemas": {
                "X": {
                    "type": "object",
                    "properties": {
                        "n": {"type": "integer", "minimum": 1},
                        "s": {"type": "string"},
                        "a": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 2}},
                        "d": {"type": "string", "format": "decimal", "pattern": r"^-?\d{0,2}$"},
                        "e": {
                            "type": "string",
                            "format": "decimal",
                            "pattern": r"^-?\d{0,2}$",
                            "minimum": 0,
                            "maximum": 9,
                        },
                        "f": {
                            "type": "string",
                            "format": "decimal",
                            "pattern": r"^-?\d{0,2}$",
                            "minimum": -9,
                            "maximum": 9,
                        },
                    },
                }
            }
        },
    }
    assert unbounded_request_fields(schema) == [
        "POST /x/.n: integer without minimum and maximum",
        "POST /x/.s: string without maxLength",
        "POST /x/.d: decimal without minimum and maximum",
        "POST /x/.e: decimal of at least 0 whose pattern allows a sign",
    ]
