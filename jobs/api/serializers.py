from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import Asset
from core.api.serializers import (
    ActorSerializer,
    ClientBriefSerializer,
    FieldsBuiltOnce,
    InputSerializer,
    JSONObjectField,
    SiteBriefSerializer,
    TeamMemberField,
    TeamPrimaryKeyField,
    UserSummarySerializer,
    actor_data,
)
from core.exceptions import InvalidInputError
from jobs import selectors
from jobs.attachments import SignatureInput, signed_link
from jobs.models import Job, JobAttachment, JobEvent, JobSignature, JobType, ResultType
from projects.models import Client, Project, ProjectStatus, Site

FREE_FORM = {"type": "object", "additionalProperties": True}


RESULT_SCHEMA_HELP = "JSON Schema (2020-12) for the `result` given when a job of this type is completed."


class JobTypeSerializer(serializers.ModelSerializer[JobType]):
    payload_schema = JSONObjectField(allow_null=True, help_text="JSON Schema (2020-12) for job payloads.")
    result_schema = JSONObjectField(allow_null=True, help_text=RESULT_SCHEMA_HELP)

    class Meta:
        model = JobType
        fields = (
            "id", "key", "name", "description", "payload_schema", "result_schema", "active", "created_at",
            "updated_at",
        )  # fmt: skip


class JobTypeCreateSerializer(InputSerializer):
    key = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    payload_schema = JSONObjectField(required=False, allow_null=True, default=None)
    result_schema = JSONObjectField(required=False, allow_null=True, default=None, help_text=RESULT_SCHEMA_HELP)
    active = serializers.BooleanField(required=False, default=True)


class JobTypeUpdateSerializer(InputSerializer):
    """Only the fields sent change; the key is fixed once created."""

    name = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    payload_schema = JSONObjectField(required=False, allow_null=True)
    result_schema = JSONObjectField(required=False, allow_null=True, help_text=RESULT_SCHEMA_HELP)
    active = serializers.BooleanField(required=False)


class JobEventSerializer(FieldsBuiltOnce, serializers.ModelSerializer[JobEvent]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = JobEvent
        fields = ("id", "from_status", "to_status", "at", "actor", "note")

    @extend_schema_field(ActorSerializer)
    def get_actor(self, event: JobEvent) -> dict[str, Any]:
        return actor_data(event.actor_user, event.actor_key)


class ProjectBriefSerializer(serializers.Serializer[Any]):
    """A project as other objects (e.g. a job) embed it."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=ProjectStatus.choices)


class AssetBriefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    serial_number = serializers.CharField(allow_blank=True)  # null when the asset has none


class JobSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Job]):
    job_type_id = serializers.UUIDField()
    client = ClientBriefSerializer(allow_null=True, help_text="Short summary of `clientId`.")
    site = SiteBriefSerializer(allow_null=True, help_text="Short summary of `siteId`.")
    asset = AssetBriefSerializer(allow_null=True, help_text="Short summary of `assetId`.")
    project = ProjectBriefSerializer(allow_null=True, help_text="Short summary of `projectId`.")
    job_type = serializers.CharField(source="job_type.key", help_text="The job type's key.")
    assigned_to = UserSummarySerializer(allow_null=True)
    created_by = serializers.SerializerMethodField()
    payload = JSONObjectField()
    result = JSONObjectField(allow_null=True)

    class Meta:
        model = Job
        fields = (
            "id", "job_type_id", "job_type", "status", "result_type", "payload", "result", "notes",
            "scheduled_date", "scheduled_start", "scheduled_end", "assigned_to", "client_id", "client", "site_id",
            "site", "asset_id", "asset", "project_id", "project",
            "created_by", "created_at", "updated_at", "assigned_at", "started_at", "completed_at",
            "cancelled_at", "cancel_reason",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ActorSerializer)
    def get_created_by(self, job: Job) -> dict[str, Any]:
        return actor_data(job.created_by_user, job.created_by_key)


class FileLinkSerializer(serializers.Serializer[Any]):
    url = serializers.CharField(help_text="Signed download link; works without a token until `expiresAt`.")
    expires_at = serializers.DateTimeField()


class JobAttachmentSerializer(FieldsBuiltOnce, serializers.ModelSerializer[JobAttachment]):
    job_id = serializers.UUIDField()
    file = serializers.SerializerMethodField(help_text="The photo as uploaded.")
    thumbnail = serializers.SerializerMethodField(help_text="A JPEG at most 320 px a side (null for HEIC).")
    uploaded_by = serializers.SerializerMethodField()

    class Meta:
        model = JobAttachment
        fields = (
            "id", "job_id", "caption", "content_type", "size", "original_name", "width", "height",
            "at_completion", "file", "thumbnail", "uploaded_by", "created_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(FileLinkSerializer)
    def get_file(self, attachment: JobAttachment) -> dict[str, Any]:
        return signed_link(
            "job-attachment-file", attachment.pk, attachment.file.name or "", self.context.get("request")
        )

    @extend_schema_field(FileLinkSerializer(allow_null=True))
    def get_thumbnail(self, attachment: JobAttachment) -> dict[str, Any] | None:
        if not attachment.thumbnail:
            return None
        return signed_link(
            "job-attachment-file", attachment.pk, attachment.thumbnail.name or "", self.context.get("request")
        )

    @extend_schema_field(ActorSerializer)
    def get_uploaded_by(self, attachment: JobAttachment) -> dict[str, Any]:
        return actor_data(attachment.uploaded_by_user, attachment.uploaded_by_key)


class JobSignatureSerializer(FieldsBuiltOnce, serializers.ModelSerializer[JobSignature]):
    image = serializers.SerializerMethodField(help_text="The signature as a PNG.")

    class Meta:
        model = JobSignature
        fields = ("id", "signer_name", "signed_at", "image")
        read_only_fields = fields

    @extend_schema_field(FileLinkSerializer)
    def get_image(self, signature: JobSignature) -> dict[str, Any]:
        return signed_link("job-signature-image", signature.pk, signature.image.name or "", self.context.get("request"))


class JobDetailSerializer(JobSerializer):
    events = JobEventSerializer(many=True, read_only=True)
    attachments = JobAttachmentSerializer(many=True, read_only=True, help_text="Photos, oldest first.")
    signature = serializers.SerializerMethodField(help_text="The customer's signature taken at completion.")

    class Meta(JobSerializer.Meta):
        fields = (*JobSerializer.Meta.fields, "events", "attachments", "signature")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    @extend_schema_field(JobSignatureSerializer(allow_null=True))
    def get_signature(self, job: Job) -> dict[str, Any] | None:
        signature = getattr(job, "signature", None)
        return None if signature is None else dict(JobSignatureSerializer(signature, context=self.context).data)


WINDOW_HELP = "ISO 8601 with a time zone, answered in UTC (`Z`); both ends or neither, end after start."


class JobCreateSerializer(InputSerializer):
    job_type_id = TeamPrimaryKeyField(JobType, required=False, help_text="The job type's id (or give `jobType`).")
    job_type = serializers.SlugField(required=False, help_text="The job type's key (or give `jobTypeId`).")
    payload = JSONObjectField(required=False, default=dict)
    scheduled_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Defaults to the window's day in the team's zone."
    )
    scheduled_start = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=WINDOW_HELP)
    scheduled_end = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=WINDOW_HELP)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    client_id = TeamPrimaryKeyField(Client, required=False, allow_null=True, default=None)
    site_id = TeamPrimaryKeyField(Site, required=False, allow_null=True, default=None)
    asset_id = TeamPrimaryKeyField(Asset, required=False, allow_null=True, default=None)
    project_id = TeamPrimaryKeyField(Project, required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_id, by_key = attrs.pop("job_type_id", None), attrs.pop("job_type", None)
        if (by_id is None) == (by_key is None):
            raise serializers.ValidationError({"job_type_id": ["Give exactly one of jobTypeId or jobType."]})
        if by_key is not None:
            try:
                by_id = selectors.job_type_by_key_or_id(team=self.context["team"], value=by_key)
            except InvalidInputError as error:  # reported on this serializer's field
                raise serializers.ValidationError({"job_type": [str(error)]}) from None
        attrs["job_type"] = by_id
        for relation in ("client", "site", "asset", "project"):
            attrs[relation] = attrs.pop(f"{relation}_id", None)
        return attrs


class JobAssignSerializer(InputSerializer):
    engineer_id = TeamMemberField(help_text="A user id of an active member of the team.")


class JobStartSerializer(InputSerializer):
    """Starting takes no fields; an empty object (or no body) is fine."""


class SignatureInputSerializer(InputSerializer):
    signer_name = serializers.CharField(max_length=200)
    image_png = serializers.CharField(
        max_length=1_400_000, help_text="The signature as a base64 PNG (at most 1 MiB decoded; a data: URL is fine)."
    )

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)
        return SignatureInput(signer_name=attrs["signer_name"], image_png=attrs["image_png"])


class JobCompleteSerializer(InputSerializer):
    result_type = serializers.ChoiceField(choices=ResultType.choices)
    result = JSONObjectField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    signature = SignatureInputSerializer(required=False, help_text="The customer's signature.")
    attachment_ids = serializers.ListField(
        child=TeamPrimaryKeyField(JobAttachment),
        required=False,
        max_length=50,
        source="attachments",
        help_text="Photos uploaded to this job before, taken at completion.",
    )


class JobRescheduleSerializer(InputSerializer):
    """Only the fields given change; see the service for how a date and a window combine."""

    scheduled_date = serializers.DateField(required=False, allow_null=True)
    scheduled_start = serializers.DateTimeField(required=False, allow_null=True, help_text=WINDOW_HELP)
    scheduled_end = serializers.DateTimeField(required=False, allow_null=True, help_text=WINDOW_HELP)


class JobAttachmentUploadSerializer(InputSerializer):
    """A multipart/form-data upload: the photo in `file`, an optional caption."""

    file = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC (recognised by content), at most 10 MiB.")
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class JobCancelSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
