"""Wire shapes for clients, sites, project templates, projects and revisions (camelCase on the wire)."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from core.api.serializers import (
    ActorSerializer,
    ClientBriefSerializer,
    InputSerializer,
    OptionalEmailField,
    SiteBriefSerializer,
    TeamObjectField,
    TeamPrimaryKeyField,
    actor_data,
)
from core.exceptions import InvalidInputError
from jobs.models import Job, JobStatus, JobType, ResultType
from jobs.selectors import job_type_by_key_or_id
from projects.countries import COUNTRY_CODES
from projects.models import Client, ClientType, Project, ProjectRevision, ProjectStatus, ProjectTemplate, Site
from projects.selectors import project_progress
from projects.services import BILLING_ADDRESS_FIELDS, SITE_ADDRESS_FIELDS

FREE_FORM = {"type": "object", "additionalProperties": True}
currency_code = RegexValidator(r"^[A-Z]{3}$", "Must be an ISO 4217 currency code in capitals, e.g. GBP.")


def _rename(attrs: dict[str, Any], *relations: str) -> dict[str, Any]:
    """`client_id` (the wire name) → `client` (the service's argument), for the keys present."""
    for relation in relations:
        if f"{relation}_id" in attrs:
            attrs[relation] = attrs.pop(f"{relation}_id")
    return attrs


class UpdateInputMixin:
    """Turns a create serializer into its update twin: every field optional, no defaults, so only sent fields change."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields: dict[str, serializers.Field[Any, Any, Any, Any]] = super().get_fields()  # type: ignore[misc]
        for field in fields.values():
            field.required = False
            field.default = empty
        return fields


# Addresses ---------------------------------------------------------------------------------------
class AddressSerializer(serializers.Serializer[Any]):
    """A postal address; `country` is ISO 3166-1 alpha-2. A part not given is null."""

    line1 = serializers.CharField(allow_blank=True)
    line2 = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_blank=True, help_text="County, state or province.")
    postcode = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True, help_text="ISO 3166-1 alpha-2, e.g. GB; null when unknown.")


def address_data(row: Client | Site, fields: dict[str, str]) -> dict[str, str]:
    return {key: getattr(row, field) for key, field in fields.items()}


class AddressInputSerializer(InputSerializer):
    """Address parts to set; on update, parts left out keep their value."""

    line1 = serializers.CharField(required=False, allow_blank=True, max_length=200)
    line2 = serializers.CharField(required=False, allow_blank=True, max_length=200)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    region = serializers.CharField(required=False, allow_blank=True, max_length=100)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=20)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2, help_text="ISO 3166-1 alpha-2.")

    def validate_country(self, value: str) -> str:
        value = value.strip().upper()
        if value and value not in COUNTRY_CODES:
            raise serializers.ValidationError("Must be an ISO 3166-1 alpha-2 country code, e.g. GB.")
        return value


# Summaries embedded in other objects (other apps may reuse them, e.g. in a job) ----------------------
# Clients -----------------------------------------------------------------------------------------
class ClientSerializer(serializers.ModelSerializer[Client]):
    email = OptionalEmailField()
    billing_address = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = (
            "id", "name", "type", "email", "phone", "billing_address", "external_reference", "notes",
            "archived", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(AddressSerializer)
    def get_billing_address(self, client: Client) -> dict[str, str]:
        return address_data(client, BILLING_ADDRESS_FIELDS)


class ClientCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, help_text="Unique in the team, ignoring case.")
    type = serializers.ChoiceField(choices=ClientType.choices, default=ClientType.BUSINESS)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    billing_address = AddressInputSerializer(required=False)
    external_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="The client's id in another system."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    archived = serializers.BooleanField(required=False, default=False)


class ClientUpdateSerializer(UpdateInputMixin, ClientCreateSerializer):
    """Every field optional; only the fields sent change."""


# Sites -------------------------------------------------------------------------------------------
class SiteSerializer(serializers.ModelSerializer[Site]):
    client = ClientBriefSerializer()
    address = serializers.SerializerMethodField()
    contact_email = OptionalEmailField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)

    class Meta:
        model = Site
        fields = (
            "id", "client_id", "client", "name", "address", "latitude", "longitude", "access_notes",
            "contact_name", "contact_email", "contact_phone", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(AddressSerializer)
    def get_address(self, site: Site) -> dict[str, str]:
        return address_data(site, SITE_ADDRESS_FIELDS)


class SiteCreateSerializer(InputSerializer):
    client_id = TeamPrimaryKeyField(Client, help_text="The client whose site this is (fixed once created).")
    name = serializers.CharField(max_length=200)
    address = AddressInputSerializer(required=False)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180, default=None)
    access_notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _rename(attrs, "client")


class SiteUpdateSerializer(UpdateInputMixin, SiteCreateSerializer):
    """Every field optional; only the fields sent change. A site's client cannot change."""

    client_id = None  # type: ignore[assignment]


# Project templates -------------------------------------------------------------------------------
class ProjectTemplateStepSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(help_text="0-based order of the step.")
    job_type_id = serializers.UUIDField()
    job_type = serializers.CharField(source="job_type.key", help_text="The job type's key.")
    title = serializers.CharField(help_text="Becomes the created job's notes.")
    offset_days = serializers.IntegerField(help_text="The job is scheduled this many days after the project starts.")
    payload = serializers.JSONField()


class ProjectTemplateSerializer(serializers.ModelSerializer[ProjectTemplate]):
    steps = ProjectTemplateStepSerializer(many=True)

    class Meta:
        model = ProjectTemplate
        fields = ("id", "name", "description", "steps", "created_at", "updated_at")
        read_only_fields = fields


class ProjectTemplateStepInputSerializer(InputSerializer):
    job_type_id = TeamPrimaryKeyField(JobType, required=False, help_text="The job type's id (or give `jobType`).")
    job_type = serializers.SlugField(required=False, help_text="The job type's key (or give `jobTypeId`).")
    title = serializers.CharField(max_length=200)
    offset_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
    payload = serializers.JSONField(required=False, default=dict, help_text="The created job's payload.")

    def validate_payload(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("payload must be a JSON object.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_id, by_key = attrs.pop("job_type_id", None), attrs.pop("job_type", None)
        if (by_id is None) == (by_key is None):
            raise serializers.ValidationError({"job_type": ["Give exactly one of jobType or jobTypeId."]})
        if by_key is not None:
            try:
                by_id = job_type_by_key_or_id(team=self.context["team"], value=by_key)
            except InvalidInputError as error:  # reported on this field, with the step's index
                raise serializers.ValidationError({"job_type": [str(error)]}) from None
        attrs["job_type"] = by_id
        return attrs


class ProjectTemplateCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, help_text="Unique in the team, ignoring case.")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    steps = ProjectTemplateStepInputSerializer(many=True, allow_empty=False, help_text="1–100 steps, in order.")


# Projects ----------------------------------------------------------------------------------------
class ProjectProgressSerializer(serializers.Serializer[Any]):
    """The project's jobs counted by status; `percentComplete` leaves cancelled jobs out."""

    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    assigned = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)


class ProjectJobSerializer(serializers.Serializer[Any]):
    """A job as a project lists it."""

    id = serializers.UUIDField()
    job_type = serializers.CharField(help_text="The job type's key.")
    status = serializers.ChoiceField(choices=JobStatus.choices)
    result_type = serializers.ChoiceField(choices=ResultType.choices, allow_null=True)
    scheduled_date = serializers.DateField(allow_null=True)
    assigned_to_id = serializers.UUIDField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)


def job_summary(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "job_type": job.job_type.key,
        "status": job.status,
        "result_type": job.result_type,
        "scheduled_date": job.scheduled_date,
        "assigned_to_id": job.assigned_to_id,
        "notes": job.notes,
    }


class ProjectSerializer(serializers.ModelSerializer[Project]):
    client = ClientBriefSerializer()
    site = SiteBriefSerializer(allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    latest_revision_number = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = (
            "id", "name", "description", "status", "client_id", "client", "site_id", "site", "start_date",
            "target_date", "budget", "currency", "template_id", "notes", "progress", "latest_revision_number",
            "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="ISO 4217; null when there is no budget."))
    def get_currency(self, project: Project) -> str | None:
        return project.currency or None

    @extend_schema_field(ProjectProgressSerializer)
    def get_progress(self, project: Project) -> dict[str, int]:
        return project_progress(project)

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="null until a revision is made."))
    def get_latest_revision_number(self, project: Project) -> int | None:
        return project.last_revision_number or None


class ProjectDetailSerializer(ProjectSerializer):
    jobs = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = (*ProjectSerializer.Meta.fields, "jobs")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    @extend_schema_field(ProjectJobSerializer(many=True))
    def get_jobs(self, project: Project) -> list[dict[str, Any]]:
        jobs = getattr(project, "job_summaries", None)
        if jobs is None:
            jobs = project.jobs.select_related("job_type").order_by("scheduled_date", "created_at", "id")
        return [job_summary(job) for job in jobs]


class ProjectCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    client_id = TeamPrimaryKeyField(Client, help_text="The client (fixed once created).")
    site_id = TeamPrimaryKeyField(
        Site, required=False, allow_null=True, default=None, help_text="A site of the same client."
    )
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    status = serializers.ChoiceField(
        choices=ProjectStatus.choices, default=ProjectStatus.PLANNED, help_text="A new project is PLANNED or ACTIVE."
    )
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    currency = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=3,
        validators=[currency_code],
        help_text="ISO 4217; defaults to the team's currency when a budget is given.",
    )
    template_id = TeamPrimaryKeyField(
        ProjectTemplate,
        required=False,
        allow_null=True,
        default=None,
        help_text="Create the template's jobs, scheduled from startDate (then required).",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _rename(attrs, "client", "site", "template")


class ProjectUpdateSerializer(UpdateInputMixin, ProjectCreateSerializer):
    """Every field optional; only the fields sent change. The client and template cannot change."""

    client_id = None  # type: ignore[assignment]
    template_id = None  # type: ignore[assignment]
    status = serializers.ChoiceField(
        choices=ProjectStatus.choices,
        help_text="PLANNED → ACTIVE | ON_HOLD | CANCELLED; ACTIVE → ON_HOLD | COMPLETED | CANCELLED; "
        "ON_HOLD → ACTIVE | CANCELLED. Anything else is a 409.",
    )


class ProjectJobAddSerializer(InputSerializer):
    project_id = TeamObjectField(Project)
    job_id = TeamObjectField(Job, help_text="A job of your team that is in no other project.")


# Revisions ---------------------------------------------------------------------------------------
class RevisionCreateSerializer(InputSerializer):
    project_id = TeamObjectField(Project)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SnapshotProjectSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices)
    client_id = serializers.UUIDField()
    client_name = serializers.CharField()
    site_id = serializers.UUIDField(allow_null=True)
    site_name = serializers.CharField(allow_null=True)
    start_date = serializers.DateField(allow_null=True)
    target_date = serializers.DateField(allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    template_id = serializers.UUIDField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)


class RevisionSnapshotSerializer(serializers.Serializer[Any]):
    """The project and its jobs as they were when the revision was made."""

    project = SnapshotProjectSerializer()
    jobs = ProjectJobSerializer(many=True)
    progress = ProjectProgressSerializer()


class ProjectRevisionSerializer(serializers.ModelSerializer[ProjectRevision]):
    snapshot = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = ProjectRevision
        fields = ("id", "project_id", "number", "message", "snapshot", "created_by", "created_at")
        read_only_fields = fields

    @extend_schema_field(RevisionSnapshotSerializer)
    def get_snapshot(self, revision: ProjectRevision) -> Any:
        return revision.snapshot

    @extend_schema_field(ActorSerializer)
    def get_created_by(self, revision: ProjectRevision) -> dict[str, Any]:
        return actor_data(revision.created_by_user, revision.created_by_key)
