"""API shapes for webhook endpoints and their delivery log (docs/webhooks.md).
Serializers validate and shape; engagements.integrations.webhooks writes."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from engagements.integrations import webhooks
from engagements.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


class _RejectUnknownFields:
    """An unknown key is a 400 naming it, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(key for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as read back: never its secret."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """The answer to a create: the secret, shown this once."""

    secret = serializers.CharField(help_text="whsec_ + base64; keep it: it is never shown again.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(_RejectUnknownFields, serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="http(s) URL that receives signed POSTs.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        allow_empty=False,
        min_length=1,  # what allow_empty=False enforces, stated in the schema (minItems)
        max_length=len(WebhookEvent.values),
        help_text="Events to receive: " + ", ".join(WebhookEvent.values) + ".",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    secret = serializers.CharField(
        max_length=128,
        required=False,
        write_only=True,
        help_text="Optional whsec_ + base64 of 24-64 bytes; generated when omitted.",
    )

    def validate_url(self, value: str) -> str:
        problem = webhooks.webhook_url_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Events must not repeat.")
        return value

    def validate_secret(self, value: str) -> str:
        problem = webhooks.webhook_secret_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class WebhookDeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    event = serializers.ChoiceField(choices=WebhookEvent.choices)
    event_id = serializers.SerializerMethodField(help_text="The webhook-id header of every attempt: msg_<hex>.")
    payload = serializers.JSONField(help_text='The body sent: {"type", "timestamp", "data"}.')

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields

    def get_event_id(self, delivery: WebhookDelivery) -> str:
        return f"msg_{delivery.event_id.hex}"
