"""Hypothesis strategies for request bodies, drawn from our own OpenAPI schema (the one
/api/schema/ serves): every value comes from the range the schema documents (minimum and
maximum, maxLength, maxItems, enums, formats), so a property test over them checks that
what the schema allows, the server accepts. `tests/kpo/test_write_properties.py` uses it.

What JSON Schema cannot say comes in as arguments, named by a path in the body
(`skills[].skill`):
- `overrides`: a strategy for a field whose valid values live in the database (a skill
  code, a currency with an exchange rate, an id) or follow a standard the schema only names
  (an ISO country, an IANA time zone);
- `unique`: a key that must not repeat within a list (one rate per seniority);
- `omit`: fields a client sends back but never sets (a derived rating).

Strings never hold NUL (PostgreSQL cannot store it; the API refuses it as a 400, documented
in docs/integration.md), and a string that must not be blank is not blank once trimmed (DRF
trims surrounding whitespace). Lists are drawn short (the bound itself is tested on its own,
by pushing past it), text is drawn up to its maxLength."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st

from kpo.bounds import DATE_MAX, DATE_MIN

LIST_DRAWN_MAX = 4  # items drawn per list (its documented maxItems is tested by going past it)
Strategies = Mapping[str, st.SearchStrategy[Any]]


@cache
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(name: str) -> dict:
    """The component `name`, as a client sends it: its request form (`VendorRequest`, without
    the read-only fields) where the schema has one."""
    schemas = openapi()["components"]["schemas"]
    return schemas.get(f"{name}Request") or schemas[name]


def resolve(node: dict) -> dict:
    while "$ref" in node:
        node = component(node["$ref"].split("/")[-1])
    if "allOf" in node and len(node["allOf"]) == 1:  # drf-spectacular's way of adding a default to a $ref
        return {**resolve(node["allOf"][0]), **{k: v for k, v in node.items() if k != "allOf"}}
    return node


def body(
    name: str,
    *,
    overrides: Strategies | None = None,
    unique: Mapping[str, Callable[[Any], Any]] | None = None,
    omit: frozenset[str] = frozenset(),
    partial: bool = False,
) -> st.SearchStrategy[dict]:
    """Bodies for the component `name`. `partial`: every field optional (a PATCH)."""
    walker = _Walker(dict(overrides or {}), dict(unique or {}), omit)
    return walker.object(component(name), "", partial=partial)


class _Walker:
    def __init__(self, overrides: dict, unique: dict, omit: frozenset[str]):
        self.overrides, self.unique, self.omit = overrides, unique, omit

    def value(self, node: dict, path: str) -> st.SearchStrategy[Any]:
        if path in self.overrides:
            return self.overrides[path]
        nullable = node.get("nullable", False)
        node = resolve(node)
        choices = node.get("oneOf") or node.get("anyOf")
        if choices:
            drawn = st.one_of([st.none() if part.get("enum") == [None] else self.value(part, path) for part in choices])
        else:
            drawn = self.plain(node, path)
        return st.none() | drawn if nullable or node.get("nullable") else drawn

    def plain(self, node: dict, path: str) -> st.SearchStrategy[Any]:
        if "enum" in node:
            return st.sampled_from([choice for choice in node["enum"] if choice not in (None, "")])
        kind = node.get("type")
        if kind == "object":
            return self.object(node, path)
        if kind == "array":
            return self.array(node, path)
        if kind == "integer":
            return st.integers(node["minimum"], node["maximum"])
        if kind == "boolean":
            return st.booleans()
        if kind == "string":
            return self.string(node, path)
        raise AssertionError(f"{path}: no strategy for {node}")

    def object(self, node: dict, path: str, *, partial: bool = False) -> st.SearchStrategy[dict]:
        fields = {
            name: child
            for name, child in node.get("properties", {}).items()
            if not resolve(child).get("readOnly") and _join(path, name) not in self.omit
        }
        required = set() if partial else set(node.get("required", ())) & fields.keys()
        return st.fixed_dictionaries(
            {name: self.value(fields[name], _join(path, name)) for name in sorted(required)},
            optional={
                name: self.value(child, _join(path, name)) for name, child in fields.items() if name not in required
            },
        )

    def array(self, node: dict, path: str) -> st.SearchStrategy[list]:
        items = self.value(node["items"], f"{path}[]")
        low = node.get("minItems", 0)
        high = max(low, min(node["maxItems"], LIST_DRAWN_MAX))
        key = self.unique.get(path)
        if key is None:
            item = resolve(node["items"])
            key = (lambda x: x) if item.get("type") != "object" else (lambda x: repr(sorted(x.items())))
        return st.lists(items, min_size=low, max_size=high, unique_by=key)

    def string(self, node: dict, path: str) -> st.SearchStrategy[str]:
        shape = node.get("format")
        if shape == "decimal":
            places = int(re.search(r"\\\.\\d\{0,(\d+)\}", node["pattern"]).group(1))  # type: ignore[union-attr]
            low, high = Decimal(str(node["minimum"])), Decimal(str(node["maximum"]))
            return st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False).map(
                lambda value: format(value, "f")
            )
        if shape == "date":
            return st.dates(DATE_MIN, DATE_MAX).map(lambda day: day.isoformat())
        if shape == "date-time":
            earliest, latest = datetime.combine(DATE_MIN, time()), datetime.combine(DATE_MAX, time(23, 59))
            return st.datetimes(earliest, latest, timezones=st.just(UTC)).map(lambda at: at.isoformat())
        if shape == "uri":
            return web_addresses(node.get("maxLength", 200))
        if shape == "email":
            return st.emails().filter(lambda address: len(address) <= node.get("maxLength", 254))
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True).filter(
                lambda text: len(text) <= node.get("maxLength", len(text))
            )
        low, high = node.get("minLength", 0), node.get("maxLength")
        assert high is not None, f"{path}: a string without maxLength"
        text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=low, max_size=high)
        return text.filter(lambda value: len(value.strip()) >= low) if low else text


def web_addresses(max_length: int) -> st.SearchStrategy[str]:
    """https addresses on a public name (the webhook guard refuses private hosts)."""
    path = st.text(string.ascii_letters + string.digits + "-_/", max_size=max(0, max_length - 30))
    return st.builds(lambda host, rest: f"https://{host}.example.com/{rest}", st.sampled_from(["erp", "hooks"]), path)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def past_a_bound(name: str) -> list[tuple[str, Any]]:
    """Every top-level field of the component `name`, each with the values just past what the schema
    documents for it: a number one step beyond its minimum or maximum, a string one longer
    than its maxLength or blank where it may not be, text holding NUL, a date outside the calendar's bounds,
    a list one item longer than its maxItems, a choice that is not one, a null where none is
    allowed, a value of the wrong JSON type (where DRF refuses it: a CharField turns a
    number into text)."""
    cases = [
        (field, value)
        for field, child in component(name).get("properties", {}).items()
        if not resolve(child).get("readOnly")
        for value in _outside(child)
    ]
    assert cases, f"{name}: no bounded field"
    return cases


def _outside(node: dict) -> list[Any]:
    nullable = node.get("nullable", False)
    node = resolve(node)
    nullable = nullable or node.get("nullable", False)
    values: list[Any] = [] if nullable else [None]
    if "oneOf" in node or "anyOf" in node:
        parts = [resolve(part) for part in node.get("oneOf") or node["anyOf"]]
        longest = max(part.get("maxLength", 0) for part in parts)
        return [*values, "x" * (longest + 1)]
    if "enum" in node:
        return [*values, "not-a-choice"]
    kind = node.get("type")
    if kind == "integer":
        return [*values, node["minimum"] - 1, node["maximum"] + 1, "many"]
    if kind == "boolean":
        return [*values, "maybe"]
    if kind == "array":
        return [*values, "not-a-list", ["x"] * (node["maxItems"] + 1)]
    if kind == "object":
        return [*values, ["not", "an", "object"]]
    shape = node.get("format")
    if shape == "decimal":
        places = int(re.search(r"\\\.\\d\{0,(\d+)\}", node["pattern"]).group(1))  # type: ignore[union-attr]
        step = Decimal(10) ** -places
        low, high = Decimal(str(node["minimum"])), Decimal(str(node["maximum"]))
        return [*values, format(low - step, "f"), format(high + step, "f"), "lots"]
    if shape == "date":
        return [*values, "1999-12-31", "2101-01-01", "31/12/2030"]
    if shape == "date-time":
        return [*values, "1999-12-31T23:00:00Z", "2101-01-01T00:00:00Z", "tomorrow"]
    values.append("nul\x00")  # PostgreSQL cannot store it: refused, never a 500
    if node.get("minLength"):
        values.append("")
    if "maxLength" in node:
        values.append("x" * (node["maxLength"] + 1))
    return values
