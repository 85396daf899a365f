"""Serializers for flows: templates, groups, flows with their delivery log, and the flow metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import InputSerializer
from core.api.timerange import TimeRangeQuerySerializer
from core.timerange import Interval
from flows.models import Flow, FlowAttempt, FlowGroup, FlowKind, FlowStatus, FlowTemplate, RecipientRule
from jobs.models import ResultType

DOCUMENT_LINK_SALT = "flows.document"


def document_token(flow: Flow) -> str:
    """A signed, short-lived token for one stored document (a regenerated document needs a new one)."""
    return signing.dumps({"f": str(flow.pk), "d": flow.document.name}, salt=DOCUMENT_LINK_SALT)


def flow_for_token(token: str) -> tuple[str, str] | None:
    """The (flow id, document name) a token grants, or None when it is forged or expired."""
    try:
        granted = signing.loads(token, salt=DOCUMENT_LINK_SALT, max_age=settings.FLOWS_DOCUMENT_LINK_SECONDS)
        return str(granted["f"]), str(granted["d"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


# --- Templates -------------------------------------------------------------------------------------


class FlowTemplateSerializer(serializers.ModelSerializer[FlowTemplate]):
    job_type_id = serializers.UUIDField(read_only=True)
    fixed_recipients = serializers.ListField(child=serializers.EmailField(), read_only=True)
    result_types = serializers.ListField(child=serializers.ChoiceField(choices=ResultType.choices), read_only=True)

    class Meta:
        model = FlowTemplate
        fields = (
            "id", "job_type_id", "name", "kind", "subject", "body", "recipient_rule", "fixed_recipients",
            "result_types", "active", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class FlowTemplateCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=FlowKind.choices)
    subject = serializers.CharField(
        max_length=500, help_text="Django template, e.g. `Service report for {{ site.name }}`."
    )
    body = serializers.CharField(
        max_length=100_000,
        help_text="Django template (HTML) for the document's content. Context: job, payload, result, site, "
        "client, asset, team, document.",
    )
    recipient_rule = serializers.ChoiceField(
        choices=RecipientRule.choices, required=False, default=RecipientRule.CLIENT
    )
    fixed_recipients = serializers.ListField(
        child=serializers.EmailField(), required=False, default=list, max_length=20
    )
    result_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ResultType.choices),
        required=False,
        default=list,
        help_text="Send only for these results; empty means every result.",
    )
    active = serializers.BooleanField(required=False, default=True)


class FlowTemplateUpdateSerializer(FlowTemplateCreateSerializer):
    """Any subset of the fields; the others keep their values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


# --- Flows and groups ------------------------------------------------------------------------------


class FlowAttemptSerializer(serializers.ModelSerializer[FlowAttempt]):
    recipients = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = FlowAttempt
        fields = (
            "id", "number", "stage", "send_request", "outcome", "error", "recipients", "message_id",
            "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields


class DocumentLinkSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(help_text="Signed download link; works without a token until `expiresAt`.")
    expires_at = serializers.DateTimeField()
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField(allow_null=True)
    rendered_at = serializers.DateTimeField(allow_null=True)


class FlowSummarySerializer(serializers.ModelSerializer[Flow]):
    group_id = serializers.UUIDField()
    template_id = serializers.UUIDField(allow_null=True)
    recipients = serializers.ListField(child=serializers.CharField())
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = Flow
        fields = (
            "id", "group_id", "template_id", "kind", "name", "status", "attempts", "last_error", "subject",
            "recipients", "has_document", "rendered_at", "sent_at", "next_attempt_at", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_has_document(self, flow: Flow) -> bool:
        return bool(flow.document)


class FlowSerializer(FlowSummarySerializer):
    job_id = serializers.UUIDField(source="group.job_id")
    send_request = serializers.IntegerField(help_text="Send requests so far: the completion is 1, each resend adds 1.")
    document = serializers.SerializerMethodField()
    log = FlowAttemptSerializer(many=True, read_only=True)

    class Meta(FlowSummarySerializer.Meta):
        fields = (*FlowSummarySerializer.Meta.fields, "job_id", "send_request", "document", "log")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    @extend_schema_field(DocumentLinkSerializer(allow_null=True))
    def get_document(self, flow: Flow) -> dict[str, Any] | None:
        if not flow.document:
            return None
        path = reverse("flow-document", kwargs={"id": flow.pk}) + f"?token={document_token(flow)}"
        request = self.context.get("request")
        expires = timezone.now() + dt.timedelta(seconds=settings.FLOWS_DOCUMENT_LINK_SECONDS)
        return {
            "url": request.build_absolute_uri(path) if request is not None else path,
            "expires_at": expires,
            "content_type": "application/pdf",
            "size_bytes": flow.document_size,
            "rendered_at": flow.rendered_at,
        }


class FlowGroupSerializer(serializers.ModelSerializer[FlowGroup]):
    job_id = serializers.UUIDField()
    flows = FlowSummarySerializer(many=True, read_only=True)

    class Meta:
        model = FlowGroup
        fields = ("id", "job_id", "status", "job_completed_at", "flows", "created_at", "updated_at")
        read_only_fields = fields


class RegenerateSerializer(InputSerializer):
    send = serializers.BooleanField(
        required=False, default=False, help_text="Also email the new document (a new send request)."
    )


class ResendSerializer(InputSerializer):
    """Resending takes no fields; an empty object (or no body) is fine."""


# --- Metrics ---------------------------------------------------------------------------------------


class FlowMetricsQuerySerializer(TimeRangeQuerySerializer):
    """`dateFrom`, `dateTo` (on the flows' `createdAt`) and `interval`, read as every metrics endpoint reads them."""


def _counts_serializer(name: str, keys: list[str]) -> type[serializers.Serializer[Any]]:
    fields = {key: serializers.IntegerField() for key in keys}
    return type(name, (serializers.Serializer,), fields)


FlowStatusCountsSerializer = _counts_serializer("FlowStatusCountsSerializer", FlowStatus.values)
FlowKindCountsSerializer = _counts_serializer("FlowKindCountsSerializer", FlowKind.values)


class FlowMetricsPointSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateField(
        help_text="First day of the bucket, in the team's timezone (weeks start on Monday)."
    )
    created = serializers.IntegerField()
    sent = serializers.IntegerField(help_text="Of those created in the bucket, how many are SENT now.")
    failed = serializers.IntegerField(help_text="Of those created in the bucket, how many are FAILED now.")


class FlowMetricsSerializer(serializers.Serializer[Any]):
    date_from = serializers.DateTimeField()
    date_to = serializers.DateTimeField()
    interval = serializers.ChoiceField(choices=Interval.choices)
    timezone = serializers.CharField(help_text="The team's timezone, in which the series' buckets are cut.")
    total = serializers.IntegerField()
    by_status = FlowStatusCountsSerializer()
    by_kind = FlowKindCountsSerializer()
    send_attempts = serializers.IntegerField(help_text="Finished delivery attempts.")
    send_succeeded = serializers.IntegerField()
    send_success_rate = serializers.FloatField(allow_null=True, help_text="sendSucceeded / sendAttempts.")
    median_seconds_to_sent = serializers.FloatField(
        allow_null=True, help_text="Median time from the job's completion to the document's delivery."
    )
    series = FlowMetricsPointSerializer(many=True)
