from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import Asset, AssetHistoryAction, AssetStatus, AssetType
from core.api.serializers import ActorSerializer, InputSerializer, JSONObjectField, TeamPrimaryKeyField, actor_data
from core.wire import iso_datetime
from jobs.models import Job, ResultType
from projects.models import Site


class AssetTypeSerializer(serializers.ModelSerializer[AssetType]):
    key = serializers.SlugField(help_text="Assets name their type by this key (`assetType`); it never changes.")
    attributes_schema = JSONObjectField(
        allow_null=True, help_text="JSON Schema (2020-12) the `attributes` of assets of this type must match."
    )

    class Meta:
        model = AssetType
        fields = ("id", "key", "name", "description", "attributes_schema", "created_at", "updated_at")
        read_only_fields = fields


class AssetTypeCreateSerializer(InputSerializer):
    key = serializers.SlugField(max_length=64, help_text="Unique in the team, e.g. `heat-pump`; fixed once created.")
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    attributes_schema = JSONObjectField(
        required=False, allow_null=True, default=None, help_text="A JSON Schema (2020-12) object, or null for none."
    )


class AssetTypeUpdateSerializer(InputSerializer):
    """A partial update: only the fields sent change. The key cannot change (assets refer to it)."""

    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    attributes_schema = JSONObjectField(
        required=False, allow_null=True, help_text="Replaces the schema as a whole; null removes it."
    )


class AssetSerializer(serializers.ModelSerializer[Asset]):
    site_id = serializers.UUIDField()
    client_id = serializers.UUIDField(source="site.client_id", help_text="The client of the asset's site.")
    asset_type = serializers.CharField(help_text="The key of the asset's type.")
    attributes = JSONObjectField(help_text="Free-form; validated against the asset type's schema when it has one.")
    archived_by = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = (
            "id", "site_id", "client_id", "name", "asset_type", "manufacturer", "model", "serial_number",
            "install_date", "warranty_expiry", "status", "location_note", "attributes", "archived",
            "archived_at", "archived_by", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ActorSerializer(allow_null=True))
    def get_archived_by(self, asset: Asset) -> dict[str, Any] | None:
        if not asset.archived:
            return None
        return actor_data(asset.archived_by_user, asset.archived_by_key)


class CompletedJobSummarySerializer(serializers.ModelSerializer[Job]):
    job_type = serializers.CharField(source="job_type.key", help_text="The job type's key.")
    result_type = serializers.ChoiceField(choices=ResultType.choices, allow_null=True)

    class Meta:
        model = Job
        fields = ("id", "job_type", "completed_at", "result_type")
        read_only_fields = fields


class AssetDetailSerializer(AssetSerializer):
    open_jobs_count = serializers.SerializerMethodField(help_text="Jobs at this asset not yet completed/cancelled.")
    last_completed_job = serializers.SerializerMethodField()

    class Meta(AssetSerializer.Meta):
        fields = (*AssetSerializer.Meta.fields, "open_jobs_count", "last_completed_job")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    def get_open_jobs_count(self, asset: Asset) -> int:
        return int(self.context["job_summary"]["open_jobs_count"])

    @extend_schema_field(CompletedJobSummarySerializer(allow_null=True))
    def get_last_completed_job(self, asset: Asset) -> dict[str, Any] | None:
        job = self.context["job_summary"]["last_completed_job"]
        return None if job is None else dict(CompletedJobSummarySerializer(job).data)


class AssetCreateSerializer(InputSerializer):
    site_id = TeamPrimaryKeyField(Site, help_text="One of your team's sites.")
    name = serializers.CharField(max_length=200)
    asset_type = serializers.SlugField(max_length=64, help_text="The key of one of your team's asset types.")
    manufacturer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    model = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    serial_number = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Unique in the team when given."
    )
    install_date = serializers.DateField(required=False, allow_null=True, default=None)
    warranty_expiry = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=AssetStatus.choices, required=False, default=AssetStatus.ACTIVE)
    location_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    attributes = JSONObjectField(required=False, default=dict)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["site"] = attrs.pop("site_id")
        return attrs


class AssetUpdateSerializer(InputSerializer):
    """A partial update: only the fields sent change; `attributes` is replaced as a whole."""

    site_id = TeamPrimaryKeyField(Site, required=False, help_text="Move the asset to another of your sites.")
    name = serializers.CharField(max_length=200, required=False)
    asset_type = serializers.SlugField(max_length=64, required=False)
    manufacturer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    install_date = serializers.DateField(required=False, allow_null=True)
    warranty_expiry = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=AssetStatus.choices, required=False)
    location_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    attributes = JSONObjectField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "site_id" in attrs:
            attrs["site"] = attrs.pop("site_id")
        return attrs


class AssetArchiveSerializer(InputSerializer):
    """Archiving takes no fields; an empty object (or no body) is fine."""


class AssetRestoreSerializer(InputSerializer):
    history_id = serializers.UUIDField(help_text="The id of one of this asset's history entries.")


@extend_schema_field(OpenApiTypes.ANY)
class AnyJSONValueField(serializers.JSONField):
    """Any JSON value: a string, number, boolean, null, or an empty object/array."""


# A history change's field, from the model's attname (what the selector reports) to the API's name.
HISTORY_FIELD_NAMES = {
    "site_id": "siteId", "asset_type": "assetType", "serial_number": "serialNumber", "install_date": "installDate",
    "warranty_expiry": "warrantyExpiry", "location_note": "locationNote", "archived_at": "archivedAt",
}  # fmt: skip


class HistoryFieldNameField(serializers.CharField):
    def to_representation(self, value: str) -> str:
        return HISTORY_FIELD_NAMES.get(value, value)  # `attributes.<path>` keeps the keys as written


class ChangeValueField(AnyJSONValueField):
    """A before/after value as the asset's own fields are sent (timestamps, dates and ids as strings)."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return iso_datetime(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        return value


class FieldChangeSerializer(serializers.Serializer[Any]):
    field = HistoryFieldNameField(help_text="The camelCase field; attribute changes are dotted (`attributes.kw`).")
    to = ChangeValueField(source="after", help_text="The value after the change (null when the field was removed).")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        # `from` is a Python keyword, so the field is added by name.
        fields["from"] = ChangeValueField(source="before", help_text="The value before the change (null when new).")
        return {"field": fields["field"], "from": fields["from"], "to": fields["to"]}


class AssetHistoryEntrySerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="history_id", help_text="Pass as `historyId` to restore this state.")
    at = serializers.DateTimeField(source="history_date")
    action = serializers.ChoiceField(source="history_action", choices=AssetHistoryAction.choices)
    actor = serializers.SerializerMethodField()
    restored_from_id = serializers.UUIDField(
        source="history_restored_from", allow_null=True, help_text="For a RESTORED entry, the entry restored."
    )
    changes = FieldChangeSerializer(many=True)

    @extend_schema_field(ActorSerializer)
    def get_actor(self, entry: Any) -> dict[str, Any]:
        return actor_data(entry.history_user, entry.history_api_key)


class FacetValueSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()
    count = serializers.IntegerField()


class AssetTypeFacetSerializer(FacetValueSerializer):
    name = serializers.CharField()


class StatusFacetSerializer(serializers.Serializer[Any]):
    value = serializers.ChoiceField(choices=AssetStatus.choices)
    count = serializers.IntegerField()


class BooleanFacetSerializer(serializers.Serializer[Any]):
    value = serializers.BooleanField()
    count = serializers.IntegerField()


class RecordFacetSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class AssetFilterOptionsSerializer(serializers.Serializer[Any]):
    sites = RecordFacetSerializer(many=True, help_text="Values of `siteId`.")
    clients = RecordFacetSerializer(many=True, help_text="Values of `clientId`.")
    asset_types = AssetTypeFacetSerializer(many=True, help_text="Values of `assetType` (every type of the team).")
    statuses = StatusFacetSerializer(many=True, help_text="Values of `status` (every status).")
    manufacturers = FacetValueSerializer(many=True, help_text="Values of `manufacturer`.")
    archived = BooleanFacetSerializer(many=True, help_text="Values of `archived`, counted over all assets.")
