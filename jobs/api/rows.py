"""The hot list path of `GET /v1/jobs`: plain rows, no model instances, two queries.

The page is one query over `jobs_job` alone; the related summaries (type, people, client, site,
asset, project, API key) come in one more, a `UNION ALL` of primary-key lookups (`core.api.fast`).
Rows are built camelCase and JSON-ready, exactly as `JobSerializer` documents them and `to_wire`
would send them, free text left empty as `null` (a test compares both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from accounts.models import APIKey, User
from assets.models import Asset
from core.api.fast import Summary, iso_date, iso_datetime, str_or_none, summaries
from jobs.models import Job, JobType
from projects.models import Client, Project, Site

JOB_COLUMNS = (
    "id", "job_type_id", "status", "result_type", "payload", "result", "notes", "scheduled_date",
    "scheduled_start", "scheduled_end", "assigned_to_id", "client_id", "site_id", "asset_id", "project_id",
    "created_by_user_id", "created_by_key_id", "created_at", "updated_at", "assigned_at", "started_at", "completed_at",
    "cancelled_at", "cancel_reason",
)  # fmt: skip


def job_values(queryset: QuerySet[Job]) -> QuerySet[Job, dict[str, Any]]:
    return queryset.values(*JOB_COLUMNS)


def _related(rows: Sequence[dict[str, Any]]) -> dict[str, dict[Any, tuple[Any, ...]]]:
    def ids(*columns: str) -> set[str]:
        return {r[c] for r in rows for c in columns if r[c] is not None}

    return summaries(
        Summary("type", JobType, ids("job_type_id"), ("key",)),
        Summary("person", User, ids("assigned_to_id", "created_by_user_id"), ("full_name", "email")),
        Summary("key", APIKey, ids("created_by_key_id"), ("name",)),
        Summary("client", Client, ids("client_id"), ("name",)),
        Summary("site", Site, ids("site_id"), ("name",)),
        Summary("asset", Asset, ids("asset_id"), ("name", "serial_number")),
        Summary("project", Project, ids("project_id"), ("name", "status")),
    )


ID_COLUMNS = (
    "id", "job_type_id", "assigned_to_id", "client_id", "site_id", "asset_id", "project_id", "created_by_user_id",
    "created_by_key_id",
)  # fmt: skip


def _with_str_ids(row: dict[str, Any]) -> dict[str, Any]:
    """Ids as strings (`wire_rows` gives them so already; the ORM's rows, on SQLite, as UUIDs)."""
    if isinstance(row["id"], str):
        return row
    return {**row, **{column: str_or_none(row[column]) for column in ID_COLUMNS}}


def job_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Build the page's rows from `job_values` rows: one more query, for every relation at once."""
    rows = [_with_str_ids(r) for r in rows]
    related = _related(rows)
    types, people, keys = related["type"], related["person"], related["key"]
    clients, sites, assets, projects = related["client"], related["site"], related["asset"], related["project"]

    def person(user_id: str | None) -> dict[str, str] | None:
        if user_id is None or (user := people.get(user_id)) is None:
            return None
        full_name, email = user
        return {"id": user_id, "name": full_name or email, "email": email}

    def created_by(row: dict[str, Any]) -> dict[str, Any]:
        key_id = row["created_by_key_id"]
        if key_id is not None and (key := keys.get(key_id)) is not None:
            return {"type": "apiKey", "id": key_id, "name": key[0]}
        if (user := person(row["created_by_user_id"])) is not None:
            return {"type": "user", "id": user["id"], "name": user["name"]}
        return {"type": "system", "id": None, "name": "system"}

    def brief(table: dict[str, tuple[Any, ...]], key: str | None, *names: str) -> dict[str, Any] | None:
        if key is None or (found := table.get(key)) is None:
            return None
        return {"id": key, **{name: value if value != "" else None for name, value in zip(names, found, strict=True)}}

    return [
        {
            "id": r["id"],
            "jobTypeId": r["job_type_id"],
            "jobType": types[r["job_type_id"]][0],
            "status": r["status"],
            "resultType": r["result_type"],
            "payload": r["payload"],
            "result": r["result"],
            "notes": r["notes"] or None,  # "no value" is null (core.wire.to_wire)
            "scheduledDate": iso_date(r["scheduled_date"]),
            "scheduledStart": iso_datetime(r["scheduled_start"]),
            "scheduledEnd": iso_datetime(r["scheduled_end"]),
            "assignedTo": person(r["assigned_to_id"]),
            "clientId": r["client_id"],
            "client": brief(clients, r["client_id"], "name"),
            "siteId": r["site_id"],
            "site": brief(sites, r["site_id"], "name"),
            "assetId": r["asset_id"],
            "asset": brief(assets, r["asset_id"], "name", "serialNumber"),
            "projectId": r["project_id"],
            "project": brief(projects, r["project_id"], "name", "status"),
            "createdBy": created_by(r),
            "createdAt": iso_datetime(r["created_at"]),
            "updatedAt": iso_datetime(r["updated_at"]),
            "assignedAt": iso_datetime(r["assigned_at"]),
            "startedAt": iso_datetime(r["started_at"]),
            "completedAt": iso_datetime(r["completed_at"]),
            "cancelledAt": iso_datetime(r["cancelled_at"]),
            "cancelReason": r["cancel_reason"] or None,
        }
        for r in rows
    ]
