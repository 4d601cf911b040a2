"""The OpenAPI schema states every bound the API enforces (kpo/bounds.py).

drf-spectacular reads most bounds from the fields (min_value, max_length, validators) but
not from a nested serializer's `max_length` / `min_length` (DRF's ListSerializer enforces
them), nor from related fields: an id is a positive integer below 2^63, a code looked up
by slug is as long as the code field at most. A decimal is a string (COERCE_DECIMAL_TO_STRING)
whose pattern allows a sign and any value of its digits: its range is stated as `minimum` and
`maximum` (numbers, as drf-spectacular writes them for a number-typed decimal), and the sign
leaves the pattern when the value cannot be negative. A string that may not be blank has a
minLength of 1 (DRF also trims it first; docs/integration.md says so). This AutoSchema adds those, so what a
generated client is told is what the server checks (tests/kpo/test_schema_bounds.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from kpo.bounds import ID_MAX


class BoundedAutoSchema(AutoSchema):
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
            isinstance(field, serializers.CharField)
            and not (field.allow_blank or field.read_only)
            and schema.get("type") == "string"
        ):
            # DRF refuses "" (and, trimming, a string of spaces) where blank is not allowed.
            schema.setdefault("minLength", 1)
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


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
