"""Input serializers that refuse what they do not know.

DRF silently drops keys a serializer has no field for: a misspelt
`budget_hourly_rat` would be ignored and the requirement saved without the
change the integrator meant. Input serializers mix in `StrictFieldsMixin`
so an unknown key is a 400 naming it, and nothing is written."""

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

UNKNOWN_FIELD_MESSAGE = "Unknown field."
# Sent by DRF's browsable API forms alongside the data; never a field.
IGNORED_KEYS = frozenset({"csrfmiddlewaretoken"})


class StrictFieldsMixin:
    """Rejects keys of the input that name no field of the serializer, read-only
    ones aside (a client may send back what it read). Nested serializers that mix
    it in check their own level, so `skills[0].wieght` is reported where it is.
    The unknown-field errors are merged with the other field errors."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {
                key: [ErrorDetail(UNKNOWN_FIELD_MESSAGE, code="unknown_field")]
                for key in data
                if key not in self.fields and key not in IGNORED_KEYS
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
