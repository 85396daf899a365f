"""Writes for assets: create, update, archive, restore from history, import from CSV.

Every write goes through `_save`, which names the actor on the history entry django-simple-history
records for the save (the API authenticates inside the view, after any middleware could see it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
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

MAX_IMPORT_ROWS = 5000
IMPORT_COLUMNS: tuple[str, ...] = (
    "name", "asset_type", "manufacturer", "model", "serial_number", "install_date", "warranty_expiry",
    "status", "location_note", "attributes",
)  # fmt: skip
REQUIRED_IMPORT_COLUMNS = ("name", "asset_type")
MAX_LENGTHS = {"name": 200, "manufacturer": 100, "model": 100, "serial_number": 100}


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


def _serial_taken(team: Team, serial_number: str, exclude_id: Any = None) -> bool:
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
    if (changed is None or "serial_number" in changed) and _serial_taken(
        team, asset.serial_number, exclude_id=None if asset._state.adding else asset.pk
    ):
        raise _duplicate_serial(asset.serial_number)


# Saving with history -------------------------------------------------------------------------------
# The webhook each saved change emits (a restore changes the asset: asset.updated).
WEBHOOK_EVENTS = {
    AssetHistoryAction.CREATED: EventType.ASSET_CREATED,
    AssetHistoryAction.UPDATED: EventType.ASSET_UPDATED,
    AssetHistoryAction.ARCHIVED: EventType.ASSET_ARCHIVED,
    AssetHistoryAction.RESTORED: EventType.ASSET_UPDATED,
}


def _save(asset: Asset, actor: Actor, action: AssetHistoryAction, restored_from: uuid.UUID | None = None) -> None:
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
    _save(asset, actor, AssetHistoryAction.CREATED)
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
        _save(locked, actor, AssetHistoryAction.UPDATED)
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
        _save(locked, actor, AssetHistoryAction.ARCHIVED)
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
        _save(locked, actor, AssetHistoryAction.RESTORED, restored_from=entry.history_id)
    return locked


# CSV import ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportProblem:
    """One reason a CSV import was refused: the file's line number, the column (if any), and why."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class AssetImportError(InvalidInputError):
    """A CSV import refused as a whole; `problems` lists every bad row by line."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        issues = [(f"lines.{p.line}" + (f".{p.column}" if p.column else ""), p.message) for p in problems]
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported.", issues=issues)


def _parse_date(raw: str) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw else None


def _import_row(team: Team, site: Site, line: int, row: dict[str, str], types: dict[str, AssetType]) -> Any:
    """Build one unsaved asset from a CSV row, or return the row's problems."""
    problems: list[ImportProblem] = []
    values = {column: (row.get(column) or "").strip() for column in IMPORT_COLUMNS}
    for column in REQUIRED_IMPORT_COLUMNS:
        if not values[column]:
            problems.append(ImportProblem(line, column, "This column is required."))
    dates: dict[str, dt.date | None] = {}
    for column in ("install_date", "warranty_expiry"):
        try:
            dates[column] = _parse_date(values[column])
        except ValueError:
            problems.append(ImportProblem(line, column, "Use the date format YYYY-MM-DD."))
    status = values["status"] or AssetStatus.ACTIVE
    if status not in AssetStatus.values:
        problems.append(ImportProblem(line, "status", f"Must be one of {', '.join(AssetStatus.values)}."))
    attributes: Any = {}
    if values["attributes"]:
        try:
            attributes = json.loads(values["attributes"])
        except ValueError:
            problems.append(ImportProblem(line, "attributes", "Must be a JSON object."))
    asset_type = types.get(values["asset_type"])
    if values["asset_type"] and asset_type is None:
        problems.append(ImportProblem(line, "asset_type", f"No asset type with key '{values['asset_type']}'."))
    if asset_type is not None:
        for path, message in attribute_issues(asset_type, attributes):
            problems.append(ImportProblem(line, path, message))
    install, warranty = dates.get("install_date"), dates.get("warranty_expiry")
    if install and warranty and warranty < install:
        problems.append(ImportProblem(line, "warranty_expiry", "The warranty cannot expire before installation."))
    for column in ("name", "manufacturer", "model", "serial_number"):
        limit = MAX_LENGTHS[column]
        if len(values[column]) > limit:
            problems.append(ImportProblem(line, column, f"At most {limit} characters."))
    if problems:
        return problems
    return Asset(
        team=team,
        site=site,
        name=values["name"],
        asset_type=values["asset_type"],
        manufacturer=values["manufacturer"],
        model=values["model"],
        serial_number=values["serial_number"],
        install_date=install,
        warranty_expiry=warranty,
        status=status,
        location_note=values["location_note"],
        attributes=attributes,
    )


def import_assets(*, team: Team, actor: Actor, site: Site, csv_text: str) -> list[Asset]:
    """Create assets at `site` from CSV text (header row first); any bad row refuses the whole file.

    Columns: name and asset_type (required), manufacturer, model, serial_number, install_date and
    warranty_expiry (YYYY-MM-DD), status, location_note, attributes (a JSON object). Problems are
    reported by the file's line number; each created asset gets its own history entry.
    """
    if site.team_id != team.pk:
        raise InvalidInputError("No such site in your team.", "siteId")
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    missing = [name for name in REQUIRED_IMPORT_COLUMNS if name not in header]
    if not header or unknown or missing:
        detail = (f"unknown columns: {', '.join(unknown)}. " if unknown else "") + (
            f"missing columns: {', '.join(missing)}. " if missing else ""
        )
        raise AssetImportError([ImportProblem(1, "", f"Bad header row; {detail}Expected {', '.join(IMPORT_COLUMNS)}.")])
    types = {asset_type.key: asset_type for asset_type in AssetType.objects.filter(team=team)}
    problems: list[ImportProblem] = []
    assets: list[Asset] = []
    serials: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if len(assets) + len(problems) >= MAX_IMPORT_ROWS:
                raise AssetImportError([ImportProblem(line, "", f"At most {MAX_IMPORT_ROWS} rows per file.")])
            if None in row:
                problems.append(ImportProblem(line, "", "More values than columns in the header."))
                continue
            if not any((value or "").strip() for value in row.values()):
                continue  # blank lines are not assets
            built = _import_row(team, site, line, row, types)
            if isinstance(built, list):
                problems.extend(built)
                continue
            serial = built.serial_number.upper()
            if serial and serial in serials:
                problems.append(ImportProblem(line, "serial_number", f"Also on line {serials[serial]} of this file."))
            elif _serial_taken(team, built.serial_number):
                problems.append(ImportProblem(line, "serial_number", "An asset with this serial number exists."))
            if serial:
                serials.setdefault(serial, line)
            assets.append(built)
    except csv.Error as exc:
        problems.append(ImportProblem(reader.line_num, "", f"Not valid CSV: {exc}"))
    if problems:
        raise AssetImportError(problems)
    if not assets:
        raise AssetImportError([ImportProblem(1, "", "The file has no rows to import.")])
    with transaction.atomic():
        for asset in assets:
            _save(asset, actor, AssetHistoryAction.CREATED)
    return assets
