"""The OpenAPI schema states every bound the API enforces (kpo/bounds.py).

drf-spectacular reads most bounds from the fields (min_value, max_length, validators) but
not from a nested serializer's `max_length` / `min_length` (DRF's ListSerializer enforces
them), nor from related fields: an id is a positive integer below 2^63, a code looked up
by slug is as long as the code field at most. This AutoSchema adds those, so what a
generated client is told is what the server checks (tests/kpo/test_schema_bounds.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from kpo.bounds import ID_MAX


class BoundedAutoSchema(AutoSchema):
    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
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
