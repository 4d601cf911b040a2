"""Shapes of the token endpoints. The key appears in one response only: the
one that creates the token."""

from __future__ import annotations

from rest_framework import serializers

from kpo.api import tokens
from kpo.api.serializers import StrictFieldsMixin


class TokenCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="A label to recognize the token by."
    )
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=tokens.EXPIRY_MAX_DAYS,
        required=False,
        allow_null=True,
        help_text="Days until the token stops working. Omitted: the server's default term "
        "(API_TOKEN_DEFAULT_EXPIRY_DAYS, 90 days unless configured). null: the token never expires, "
        "an explicit choice that token lists show (expires_at null).",
    )


class TokenSerializer(serializers.Serializer):
    """A token as lists show it: never the key."""

    id = serializers.SerializerMethodField(help_text="Names the token in DELETE /api/v1/auth/tokens/{id}/.")
    name = serializers.CharField()
    token_prefix = serializers.SerializerMethodField(help_text="The first characters of the key.")
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry", allow_null=True)
    expired = serializers.SerializerMethodField()
    last_used_at = serializers.DateTimeField(allow_null=True, help_text="Recorded to the minute.")

    def get_id(self, token) -> str:
        return tokens.api_token_id(token)

    def get_token_prefix(self, token) -> str:
        return tokens.api_token_display_prefix(token)

    def get_expired(self, token) -> bool:
        return tokens.api_token_is_expired(token)


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The key. Shown in this response only: store it now.")

    def to_representation(self, created):
        return {"token": created.key, **TokenSerializer(created.token).data}
