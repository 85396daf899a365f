"""Writes for asset types and assets: create, update, archive, restore (the CSV import: `assets.imports`).

Every asset write goes through `save_with_history`, which names the actor on the history entry
django-simple-history records for the save (the API authenticates inside the view, after any
middleware could see it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from accounts.models import Actor, APIKey, Team, User
from assets.models import Asset, AssetHistoryAction, AssetStatus, AssetType, HistoricalAsset
from core.exceptions import DomainError, InvalidInputError, StateConflictError
from projects.models import Site
from webhooks.models import EventType
from webhooks.services import record_event

# Fields a client may set, by model field name, with their API (camelCase) names for error paths.
EDITABLE_FIELDS: dict[str, str] = {
    "site": "siteId",
    "name": "name",
    "asset_type": "assetType",
    "manufacturer": "manufacturer",
    "model": "model",
    "serial_number": "serialNumber",
    "install_date": "installDate",
    "warranty_expiry": "warrantyExpiry",
    "status": "status",
    "location_note": "locationNote",
    "attributes": "attributes",
}

# What a restore copies back from a history entry (everything a client or an archive can change).
RESTORED_FIELDS: tuple[str, ...] = (
    "site_id", "name", "asset_type", "manufacturer", "model", "serial_number", "install_date",
    "warranty_expiry", "status", "location_note", "attributes", "archived", "archived_at",
    "archived_by_user_id", "archived_by_key_id",
)  # fmt: skip


# Validation ----------------------------------------------------------------------------------------
def check_attributes_schema(schema: Any, path: str = "attributesSchema") -> None:
    """Refuse (400 on `path`) anything that is not a valid JSON Schema object."""
    if not isinstance(schema, dict):
        raise InvalidInputError("The attributes schema must be a JSON Schema object.", path)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = ".".join(str(p) for p in exc.absolute_path)
        raise InvalidInputError(
            f"Not a valid JSON Schema: {exc.message}", ".".join(filter(None, [path, where]))
        ) from None


def asset_type_for(team: Team, key: str, path: str = "assetType") -> AssetType:
    """The team's asset type with this key (400 on `path` when there is none)."""
    asset_type = AssetType.objects.filter(team=team, key=key).first()
    if asset_type is None:
        raise InvalidInputError(f"No asset type with key '{key}' in your team.", path)
    return asset_type


def attribute_issues(asset_type: AssetType, attributes: Any, path: str = "attributes") -> list[tuple[str, str]]:
    """Every way `attributes` fails its type's JSON Schema, as `(dotted path, message)` pairs."""
    if not isinstance(attributes, dict):
        return [(path, "attributes must be a JSON object.")]
    if not asset_type.attributes_schema:
        return []
    validator = Draft202012Validator(asset_type.attributes_schema)
    errors = sorted(validator.iter_errors(attributes), key=lambda e: [str(p) for p in e.absolute_path])
    return [(".".join([path, *(str(p) for p in error.absolute_path)]), error.message) for error in errors[:50]]


def validate_attributes(asset_type: AssetType, attributes: Any) -> None:
    """Validate attributes against the type's schema: one 400 issue per failure under `attributes`."""
    issues = attribute_issues(asset_type, attributes)
    if issues:
        raise InvalidInputError(issues[0][1], issues=issues)


def _check_dates(install_date: dt.date | None, warranty_expiry: dt.date | None) -> None:
    if install_date and warranty_expiry and warranty_expiry < install_date:
        raise InvalidInputError("The warranty cannot expire before the asset was installed.", "warrantyExpiry")


def serial_taken(team: Team, serial_number: str, exclude_id: Any = None) -> bool:
    if not serial_number:
        return False
    clash = Asset.objects.filter(team=team).annotate(serial_upper=Upper("serial_number"))
    clash = clash.filter(serial_upper=serial_number.upper())
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    return clash.exists()


def _duplicate_serial(serial_number: str) -> StateConflictError:
    return StateConflictError(f"An asset with serial number '{serial_number}' already exists.", "serialNumber")


def _validate_state(asset: Asset, team: Team, changed: set[str] | None = None) -> None:
    """The rules a saved state must meet: known type, valid attributes, sane dates, unique serial.

    `changed` names the fields that differ from the stored row (None: a new asset, check everything),
    so that a row stored before a rule existed does not block unrelated edits.
    """
    if changed is None or changed & {"asset_type", "attributes"}:
        asset_type = asset_type_for(team, asset.asset_type)
        validate_attributes(asset_type, asset.attributes)
    _check_dates(asset.install_date, asset.warranty_expiry)
    if (changed is None or "serial_number" in changed) and serial_taken(
        team, asset.serial_number, exclude_id=None if asset._state.adding else asset.pk
    ):
        raise _duplicate_serial(asset.serial_number)


# Asset types ---------------------------------------------------------------------------------------
# What may change on an asset type, by model field name with its API name; the key never changes
# (assets name their type by it).
EDITABLE_TYPE_FIELDS: dict[str, str] = {
    "name": "name",
    "description": "description",
    "attributes_schema": "attributesSchema",
}


def create_asset_type(
    *, team: Team, actor: Actor, key: str, name: str, description: str = "", attributes_schema: Any = None
) -> AssetType:
    """Create an asset type: its key is unique in the team (a duplicate is a 409), its schema valid JSON Schema."""
    if attributes_schema is not None:
        check_attributes_schema(attributes_schema)
    try:
        with transaction.atomic():
            return AssetType.objects.create(
                team=team, key=key, name=name.strip(), description=description, attributes_schema=attributes_schema
            )
    except IntegrityError:
        raise StateConflictError(f"An asset type with key '{key}' already exists.", "key") from None


def update_asset_type(*, asset_type: AssetType, actor: Actor, **changes: Any) -> AssetType:
    """Change an asset type's name, description or attributes schema; its key cannot change (400).

    A new schema applies from then on: each asset is checked against it when it is next created,
    or when its attributes or type change (assets stored before are not rewritten or refused).
    """
    unknown = set(changes) - set(EDITABLE_TYPE_FIELDS)
    if unknown:
        raise InvalidInputError(
            "These fields cannot be changed.", issues=[(field, "This field cannot be changed.") for field in unknown]
        )
    if changes.get("attributes_schema") is not None:
        check_attributes_schema(changes["attributes_schema"])
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    with transaction.atomic():
        locked = AssetType.objects.select_for_update().get(pk=asset_type.pk)
        changed = [field for field, value in changes.items() if getattr(locked, field) != value]
        for field in changed:
            setattr(locked, field, changes[field])
        if changed:
            locked.save(update_fields=changed)
    return locked


# Saving with history -------------------------------------------------------------------------------
# The webhook each saved change emits (a restore changes the asset: asset.updated).
WEBHOOK_EVENTS = {
    AssetHistoryAction.CREATED: EventType.ASSET_CREATED,
    AssetHistoryAction.UPDATED: EventType.ASSET_UPDATED,
    AssetHistoryAction.ARCHIVED: EventType.ASSET_ARCHIVED,
    AssetHistoryAction.RESTORED: EventType.ASSET_UPDATED,
}


def save_with_history(
    asset: Asset, actor: Actor, action: AssetHistoryAction, restored_from: uuid.UUID | None = None
) -> None:
    """Save the asset; the history entry simple-history writes names `actor`, `action` and the source entry."""
    asset._history_user = actor.user  # type: ignore[attr-defined]
    asset._history_api_key = actor.api_key  # type: ignore[attr-defined]
    asset._history_action = action  # type: ignore[attr-defined]
    asset._history_restored_from = restored_from  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            asset.save()
            record_event(WEBHOOK_EVENTS[action], asset)
    except IntegrityError:
        # A concurrent write took the serial number between our check and the insert.
        raise _duplicate_serial(asset.serial_number) from None
    finally:
        for name in ("_history_user", "_history_api_key", "_history_action", "_history_restored_from"):
            asset.__dict__.pop(name, None)


def _normalise(changes: dict[str, Any]) -> dict[str, Any]:
    for text_field in ("name", "manufacturer", "model", "serial_number"):
        if isinstance(changes.get(text_field), str):
            changes[text_field] = changes[text_field].strip()
    return changes


# Business actions ----------------------------------------------------------------------------------
def create_asset(
    *,
    team: Team,
    actor: Actor,
    site: Site,
    name: str,
    asset_type: str,
    manufacturer: str = "",
    model: str = "",
    serial_number: str = "",
    install_date: dt.date | None = None,
    warranty_expiry: dt.date | None = None,
    status: str = AssetStatus.ACTIVE,
    location_note: str = "",
    attributes: dict[str, Any] | None = None,
) -> Asset:
    """Create an asset at one of the team's sites; a serial number already used in the team is a 409."""
    if site.team_id != team.pk:
        raise InvalidInputError("No such site in your team.", "siteId")
    fields = _normalise({"name": name, "manufacturer": manufacturer, "model": model, "serial_number": serial_number})
    asset = Asset(
        team=team,
        site=site,
        asset_type=asset_type,
        install_date=install_date,
        warranty_expiry=warranty_expiry,
        status=status,
        location_note=location_note,
        attributes={} if attributes is None else attributes,
        **fields,
    )
    _validate_state(asset, team)
    save_with_history(asset, actor, AssetHistoryAction.CREATED)
    return asset


def update_asset(*, asset: Asset, actor: Actor, **changes: Any) -> Asset:
    """Change some of an asset's fields (an archived asset is a 409). A no-op writes no history entry."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInputError("These fields cannot be changed.", issues=[(f, "Unknown field.") for f in unknown])
    changes = _normalise(changes)
    with transaction.atomic():
        locked = Asset.objects.select_for_update().select_related("site").get(pk=asset.pk)
        if locked.archived:
            raise StateConflictError("An archived asset cannot be changed; restore it first.", "archived")
        site = changes.get("site")
        if site is not None and site.team_id != locked.team_id:
            raise InvalidInputError("No such site in your team.", "siteId")
        changed: set[str] = set()
        for field, value in changes.items():
            attname = "site_id" if field == "site" else field
            new_value = value.pk if field == "site" else value
            if getattr(locked, attname) != new_value:
                setattr(locked, field, value)
                changed.add(field)
        if not changed:
            return locked
        _validate_state(locked, locked.team, changed)
        save_with_history(locked, actor, AssetHistoryAction.UPDATED)
    return locked


def archive_asset(*, asset: Asset, actor: Actor) -> Asset:
    """Archive an asset: it stays readable and restorable but can no longer be changed (409 if archived)."""
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.archived:
            raise StateConflictError("The asset is already archived.", "archived")
        locked.archived = True
        locked.archived_at = timezone.now()
        locked.archived_by_user = actor.user
        locked.archived_by_key = actor.api_key
        save_with_history(locked, actor, AssetHistoryAction.ARCHIVED)
    return locked


def restore_asset(*, asset: Asset, actor: Actor, history_id: uuid.UUID) -> Asset:
    """Set the asset back to the state recorded in one of its own history entries; a new entry records it.

    An entry of another asset is a 400 on `historyId`. When the recorded state can no longer be valid
    (its site is gone, its serial number is now another asset's, its type was removed), the restore
    is refused with a 409 and the asset is left as it is.
    """
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        entry = HistoricalAsset.objects.filter(history_id=history_id, id=locked.pk).first()
        if entry is None:
            raise InvalidInputError("This history entry does not belong to this asset.", "historyId")
        if entry.history_type == "-":
            raise InvalidInputError("A deletion entry cannot be restored.", "historyId")
        changed = {
            name.removesuffix("_id") for name in RESTORED_FIELDS if getattr(locked, name) != getattr(entry, name)
        }
        for attname in RESTORED_FIELDS:
            setattr(locked, attname, getattr(entry, attname))
        if not Site.objects.filter(team=locked.team_id, pk=locked.site_id).exists():
            raise StateConflictError("The entry's site no longer exists.", "historyId")
        # People and keys recorded on the entry may have been deleted since: keep the rest of the state.
        if locked.archived_by_user_id and not User.objects.filter(pk=locked.archived_by_user_id).exists():
            locked.archived_by_user_id = None
        if locked.archived_by_key_id and not APIKey.objects.filter(pk=locked.archived_by_key_id).exists():
            locked.archived_by_key_id = None
        try:
            _validate_state(locked, locked.team, changed)
        except DomainError as exc:
            raise StateConflictError(f"The entry's state is no longer valid: {exc}", "historyId") from None
        save_with_history(locked, actor, AssetHistoryAction.RESTORED, restored_from=entry.history_id)
    return locked
