from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import Asset
from core.api.serializers import (
    ActorSerializer,
    ClientBriefSerializer,
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
from jobs.models import Job, JobEvent, JobType, ResultType
from projects.models import Client, Project, ProjectStatus, Site

FREE_FORM = {"type": "object", "additionalProperties": True}


class JobTypeSerializer(serializers.ModelSerializer[JobType]):
    payload_schema = JSONObjectField(allow_null=True, help_text="JSON Schema (2020-12) for job payloads.")

    class Meta:
        model = JobType
        fields = ("id", "key", "name", "description", "payload_schema", "active", "created_at", "updated_at")


class JobTypeCreateSerializer(InputSerializer):
    key = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    payload_schema = JSONObjectField(required=False, allow_null=True, default=None)
    active = serializers.BooleanField(required=False, default=True)


class JobEventSerializer(serializers.ModelSerializer[JobEvent]):
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
    serial_number = serializers.CharField()


class JobSerializer(serializers.ModelSerializer[Job]):
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
            "scheduled_date", "assigned_to", "client_id", "client", "site_id", "site", "asset_id", "asset",
            "project_id", "project",
            "created_by", "created_at", "updated_at", "assigned_at", "started_at", "completed_at",
            "cancelled_at", "cancel_reason",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ActorSerializer)
    def get_created_by(self, job: Job) -> dict[str, Any]:
        return actor_data(job.created_by_user, job.created_by_key)


class JobDetailSerializer(JobSerializer):
    events = JobEventSerializer(many=True, read_only=True)

    class Meta(JobSerializer.Meta):
        fields = (*JobSerializer.Meta.fields, "events")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]


class JobCreateSerializer(InputSerializer):
    job_type_id = TeamPrimaryKeyField(JobType, required=False, help_text="The job type's id (or give `jobType`).")
    job_type = serializers.SlugField(required=False, help_text="The job type's key (or give `jobTypeId`).")
    payload = JSONObjectField(required=False, default=dict)
    scheduled_date = serializers.DateField(required=False, allow_null=True, default=None)
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


class JobCompleteSerializer(InputSerializer):
    result_type = serializers.ChoiceField(choices=ResultType.choices)
    result = JSONObjectField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class JobCancelSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
