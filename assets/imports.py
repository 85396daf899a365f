"""Importing assets from a CSV file for one site: every row valid, or nothing imported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.models import Actor, Team
from assets.models import Asset, AssetHistoryAction, AssetStatus, AssetType
from assets.services import attribute_issues, save_with_history, serial_taken
from core.exceptions import InvalidInputError
from projects.models import Site

MAX_IMPORT_ROWS = 5000
IMPORT_COLUMNS: tuple[str, ...] = (
    "name", "asset_type", "manufacturer", "model", "serial_number", "install_date", "warranty_expiry",
    "status", "location_note", "attributes",
)  # fmt: skip
REQUIRED_IMPORT_COLUMNS = ("name", "asset_type")
MAX_LENGTHS = {"name": 200, "manufacturer": 100, "model": 100, "serial_number": 100}


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
            elif serial_taken(team, built.serial_number):
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
            save_with_history(asset, actor, AssetHistoryAction.CREATED)
    return assets
