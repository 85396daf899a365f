"""Reads for assets: team-scoped querysets, history diffs, filter facets, and job summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

from accounts.models import Team
from assets.models import Asset, AssetStatus, AssetType, HistoricalAsset
from jobs.models import Job, JobStatus

OPEN_JOB_STATUSES = (JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)

# The fields a history entry's `changes` report, in this order, by model attname (the API names them).
# Archiving's actor columns are left out: the entry's own actor is who archived.
DIFF_FIELDS: tuple[str, ...] = (
    "name", "site_id", "asset_type", "manufacturer", "model", "serial_number", "install_date", "warranty_expiry",
    "status", "location_note", "attributes", "archived", "archived_at",
)  # fmt: skip


def assets_for(*, team: Team) -> QuerySet[Asset]:
    """The team's assets, each with its site and who archived it."""
    return Asset.objects.for_team(team).select_related("site", "archived_by_user", "archived_by_key")


def asset_types_for(*, team: Team) -> QuerySet[AssetType]:
    """The team's asset types."""
    return AssetType.objects.for_team(team)


def history_for_asset(*, team: Team, asset_id: Any) -> QuerySet[Any]:
    """The history entries of one of the team's assets, with their actors loaded."""
    return HistoricalAsset.objects.filter(team=team, id=asset_id).select_related("history_user", "history_api_key")


# History diffs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldChange:
    """One field's change: the model attname (`attributes.<dotted path>` inside attributes), before, after."""

    field: str
    before: Any
    after: Any


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    """A JSON document as `{dotted path: leaf}`; empty objects and arrays are leaves themselves."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}"))
        return flat
    if isinstance(value, list) and value:
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}.{index}"))
        return flat
    return {prefix: value}


def diff_entries(before: Any | None, after: Any) -> list[FieldChange]:
    """Field-by-field changes from one history entry to the next (`before` None: the asset was created).

    `attributes` is compared leaf by leaf (`attributes.refrigerant`, `attributes.ports.0.kw`), so every
    `from`/`to` is a JSON scalar (or an empty object/array); a key that appears or disappears has null
    on its missing side.
    """
    changes: list[FieldChange] = []
    for attname in DIFF_FIELDS:
        old = getattr(before, attname) if before is not None else None
        new = getattr(after, attname)
        if attname == "attributes":
            old_flat = _flatten(old, attname) if old not in (None, {}) else {}
            new_flat = _flatten(new, attname) if new not in (None, {}) else {}
            for path in sorted(set(old_flat) | set(new_flat)):
                if path not in new_flat or path not in old_flat or old_flat[path] != new_flat[path]:
                    changes.append(FieldChange(path, old_flat.get(path), new_flat.get(path)))
            continue
        if before is None and new in (None, "", False):
            continue  # a new asset's empty fields are not news
        if old != new:
            changes.append(FieldChange(attname, old, new))
    return changes


def attach_changes(entries: Sequence[Any]) -> None:
    """Set `entry.changes` on each entry of one asset's history page, in a constant number of queries.

    Each entry is compared with the entry just before it in time; for the oldest entry on the page that
    one is fetched with a single keyset query (it may be on the next page, or not exist).
    """
    if not entries:
        return
    ordered = sorted(entries, key=lambda e: (e.history_date, e.history_id))
    oldest = ordered[0]
    predecessor = (
        HistoricalAsset.objects.filter(id=oldest.id)
        .filter(TupleLessThan(Tuple(F("history_date"), F("history_id")), (oldest.history_date, oldest.history_id)))
        .order_by("-history_date", "-history_id")
        .first()
    )
    for entry in ordered:
        entry.changes = diff_entries(predecessor, entry)
        predecessor = entry


# Filter options ----------------------------------------------------------------------------------------
def _ordered(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (-row["count"], str(row.get("name") or row.get("value") or "")))


def filter_options(*, team: Team, archived: bool = False) -> dict[str, Any]:
    """The values each list filter can take for the team, with how many assets have each.

    One grouped query per facet. Facets count the assets the list shows by default (not archived, or
    the archived ones when `archived`); the `archived` facet itself counts both. Enumerated facets
    (asset types, statuses) list every value, zero counts included; the others list values in use.
    """
    assets = Asset.objects.filter(team=team, archived=archived)
    sites = assets.values("site_id", "site__name").annotate(count=Count("id"))
    clients = assets.values("site__client_id", "site__client__name").annotate(count=Count("id"))
    manufacturers = assets.exclude(manufacturer="").values("manufacturer").annotate(count=Count("id"))
    statuses = {row["status"]: row["count"] for row in assets.values("status").annotate(count=Count("id"))}
    in_use = {row["asset_type"]: row["count"] for row in assets.values("asset_type").annotate(count=Count("id"))}
    types = {t.key: t.name for t in AssetType.objects.filter(team=team).only("key", "name")}
    # Assets whose type key has no AssetType row (only possible through raw data) still show up.
    for key in in_use:
        types.setdefault(key, key)
    archived_counts = Asset.objects.filter(team=team).aggregate(
        yes=Count("id", filter=Q(archived=True)), no=Count("id", filter=Q(archived=False))
    )
    return {
        "sites": _ordered({"id": r["site_id"], "name": r["site__name"], "count": r["count"]} for r in sites),
        "clients": _ordered(
            {"id": r["site__client_id"], "name": r["site__client__name"], "count": r["count"]} for r in clients
        ),
        "asset_types": _ordered({"value": k, "name": n, "count": in_use.get(k, 0)} for k, n in types.items()),
        "statuses": [{"value": s, "count": statuses.get(s, 0)} for s in AssetStatus.values],
        "manufacturers": _ordered({"value": r["manufacturer"], "count": r["count"]} for r in manufacturers),
        "archived": [
            {"value": False, "count": archived_counts["no"]},
            {"value": True, "count": archived_counts["yes"]},
        ],
    }


# Jobs at an asset --------------------------------------------------------------------------------------
def job_summary(*, asset: Asset) -> dict[str, Any]:
    """How many of the asset's jobs are open, and its most recently completed job (or None)."""
    jobs = Job.objects.filter(team_id=asset.team_id, asset=asset)
    open_count = jobs.filter(status__in=OPEN_JOB_STATUSES).count()
    last = (
        jobs.filter(status=JobStatus.COMPLETED)
        .select_related("job_type")
        .order_by(F("completed_at").desc(nulls_last=True), "-id")
        .first()
    )
    return {"open_jobs_count": open_count, "last_completed_job": last}
