from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import InputSerializer
from webhooks.models import ALL_EVENTS, DeliveryStatus, EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint

SUBSCRIBABLE = [(ALL_EVENTS, "Every event"), *EventType.choices]
EVENTS_HELP = 'Event types to receive, or ["*"] for every event (including types added later).'


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    enabled_events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE), help_text=EVENTS_HELP)
    secret_last4 = serializers.CharField(help_text="The last four characters of the current signing secret.")
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="While set and in the future, the previous secret also signs deliveries."
    )
    consecutive_failures = serializers.IntegerField(help_text="Failed attempts since the last 2xx answer.")
    failing_since = serializers.DateTimeField(allow_null=True, help_text="First failure since the last 2xx answer.")
    disabled_at = serializers.DateTimeField(allow_null=True, help_text="When the endpoint was disabled for failing.")

    class Meta:
        model = WebhookEndpoint
        fields = (
            "id", "url", "description", "enabled_events", "active", "secret_last4", "previous_secret_expires_at",
            "consecutive_failures", "failing_since", "disabled_at", "disabled_reason", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """The endpoint with its new signing secret: answered by create and rotate-secret only, once."""

    secret = serializers.SerializerMethodField(help_text="The signing secret (`whsec_…`). Shown only this once.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = (*WebhookEndpointSerializer.Meta.fields, "secret")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return str(self.context["secret"])


class WebhookDeletedSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    deleted = serializers.BooleanField()


class WebhookEndpointCreateSerializer(InputSerializer):
    url = serializers.URLField(max_length=2000, help_text="An https URL on the public internet.")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    enabled_events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        required=False,
        default=lambda: [ALL_EVENTS],
        allow_empty=False,
        max_length=len(SUBSCRIBABLE),
        help_text=EVENTS_HELP,
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateSerializer(InputSerializer):
    url = serializers.URLField(required=False, max_length=2000)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    enabled_events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        required=False,
        allow_empty=False,
        max_length=len(SUBSCRIBABLE),
        help_text=EVENTS_HELP,
    )
    active = serializers.BooleanField(required=False, help_text="true re-enables an endpoint disabled for failing.")


class NoFieldsSerializer(InputSerializer):
    """This action takes no fields; an empty object (or no body) is fine."""


class WebhookAttemptSerializer(serializers.ModelSerializer[WebhookAttempt]):
    response_body = serializers.CharField(help_text="The first 2 KiB of the answer's body.")

    class Meta:
        model = WebhookAttempt
        fields = ("number", "started_at", "duration_ms", "status_code", "response_body", "error", "succeeded")
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    endpoint_id = serializers.UUIDField()
    event_id = serializers.CharField(help_text="`evt_…`: the same for every delivery and redelivery of the event.")
    event_type = serializers.CharField(source="event.type", help_text="An event type, or `ping`.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", allow_null=True)
    payload = serializers.SerializerMethodField(help_text="The JSON body sent (signed byte for byte).")
    log = WebhookAttemptSerializer(source="attempt_log", many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id", "endpoint_id", "event_id", "event_type", "status", "attempts", "next_attempt_at",
            "last_status_code", "last_error", "delivered_at", "redelivery_of", "payload", "log",
            "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_payload(self, delivery: WebhookDelivery) -> Any:
        return json.loads(delivery.event.body)
