"""Equipment installed at a client's site (boilers, heat pumps, meters, panels), with its full history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Upper
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.models import TeamOwnedModel

# Assets without an install date sort as if installed on this day: last in `desc`, first in `asc`.
UNKNOWN_INSTALL_SORT_DATE = dt.date(1, 1, 1)


class AssetStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DECOMMISSIONED = "DECOMMISSIONED"


class AssetHistoryAction(models.TextChoices):
    """What a history entry records (simple-history's `+ ~ -` made explicit)."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    ARCHIVED = "ARCHIVED"
    RESTORED = "RESTORED"
    DELETED = "DELETED"


class AssetType(TeamOwnedModel):
    """A kind of equipment the team services; its optional JSON Schema validates asset attributes."""

    key = models.SlugField(
        max_length=64, help_text="Stable identifier used by integrations, e.g. heat-pump. Cannot change once used."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    attributes_schema = models.JSONField(
        null=True, blank=True, help_text="JSON Schema (2020-12) that asset attributes of this type must match."
    )

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=("team", "key"), name="assettype_unique_team_key")]
        indexes = [models.Index(fields=("team", "created_at", "id"), name="assettype_team_created_idx")]

    def __str__(self) -> str:
        return self.name


def _indexes() -> list[models.Index]:
    """Every list query filters on (team, archived) and sorts: one range scan per sort."""
    sorts = {
        "created": F("created_at"),
        "updated": F("updated_at"),
        "name": F("name"),
        "installed": Coalesce(F("install_date"), Value(UNKNOWN_INSTALL_SORT_DATE)),
    }
    indexes = [models.Index(fields=("team", "created_at", "id"), name="asset_team_created_idx")]
    for sort_name, sort in sorts.items():
        expressions: list[Any] = [F("team"), F("archived"), sort, F("id")]
        indexes.append(models.Index(*expressions, name=f"asset_archived_{sort_name}_idx"))
    indexes.append(models.Index(fields=("team", "site", "archived"), name="asset_team_site_idx"))
    return indexes


class AssetHistoryFields(models.Model):
    """Extra columns on every history entry: the API key that acted, what kind of change, restored from."""

    history_api_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    history_action = models.CharField(max_length=16, choices=AssetHistoryAction.choices)
    history_restored_from = models.UUIDField(null=True, blank=True, help_text="The entry this one restored.")

    class Meta:
        abstract = True


class Asset(TeamOwnedModel):
    """A piece of equipment at a site. Every save writes a history entry (django-simple-history)."""

    site = models.ForeignKey("projects.Site", on_delete=models.PROTECT, related_name="assets")
    name = models.CharField(max_length=200)
    asset_type = models.CharField(max_length=64, help_text="The key of one of the team's asset types.")
    manufacturer = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    serial_number = models.CharField(max_length=100, blank=True, help_text="Unique in the team (case-insensitive).")
    install_date = models.DateField(null=True, blank=True)
    warranty_expiry = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=AssetStatus.choices, default=AssetStatus.ACTIVE)
    location_note = models.TextField(blank=True, help_text="Where on the site, e.g. 'Loft, left of the hatch'.")
    attributes = models.JSONField(default=dict, blank=True)
    archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(
        bases=[AssetHistoryFields],
        history_id_field=models.UUIDField(default=uuid.uuid4),
        excluded_fields=["updated_at"],
        user_related_name="+",
    )

    class Meta:
        ordering = ("name",)
        indexes = _indexes()
        constraints = [
            models.UniqueConstraint(
                F("team"),
                Upper("serial_number"),
                condition=~Q(serial_number=""),
                name="asset_unique_team_serial",
                violation_error_message="An asset with this serial number already exists in the team.",
            )
        ]

    def __str__(self) -> str:
        return self.name


HistoricalAsset: Any = Asset.history.model

_ACTION_BY_TYPE = {"+": AssetHistoryAction.CREATED, "~": AssetHistoryAction.UPDATED, "-": AssetHistoryAction.DELETED}


@receiver(pre_create_historical_record, sender=HistoricalAsset)
def _stamp_history_entry(sender: Any, instance: Asset, history_instance: Any, **kwargs: Any) -> None:
    """Copy what services put on the instance (API key, action, restored entry) onto the new entry."""
    history_instance.history_api_key = getattr(instance, "_history_api_key", None)
    history_instance.history_action = getattr(instance, "_history_action", None) or _ACTION_BY_TYPE.get(
        history_instance.history_type, AssetHistoryAction.UPDATED
    )
    history_instance.history_restored_from = getattr(instance, "_history_restored_from", None)
