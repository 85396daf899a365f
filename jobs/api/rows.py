"""The hot list path of `GET /v1/jobs`: plain rows, no model instances, no joins.

The page is one query over `jobs_job` alone; the related summaries (type, people, client, site,
asset, project, API key) come in one small query per relation, by id. Rows are built camelCase and
JSON-ready, exactly as `JobSerializer` documents them (a test compares both). With a join per
relation, PostgreSQL spent far longer planning the query than running it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, QuerySet

from accounts.models import APIKey, User
from assets.models import Asset
from core.api.fast import iso_date, iso_datetime, str_or_none
from jobs.models import Job, JobType
from projects.models import Client, Project, Site

JOB_COLUMNS = (
    "id", "job_type_id", "status", "result_type", "payload", "result", "notes", "scheduled_date",
    "assigned_to_id", "client_id", "site_id", "asset_id", "project_id", "created_by_user_id",
    "created_by_key_id", "created_at", "updated_at", "assigned_at", "started_at", "completed_at",
    "cancelled_at", "cancel_reason",
)  # fmt: skip


def job_values(queryset: QuerySet[Job]) -> QuerySet[Job, dict[str, Any]]:
    return queryset.values(*JOB_COLUMNS)


def _by_id(model: type[Model], ids: Iterable[Any], *fields: str) -> dict[Any, dict[str, Any]]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row["id"]: row for row in model._default_manager.filter(id__in=wanted).values("id", *fields)}


def job_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Build the page's rows; one query per relation that any row on the page uses."""
    types = _by_id(JobType, (r["job_type_id"] for r in rows), "key")
    people = _by_id(User, [r[k] for r in rows for k in ("assigned_to_id", "created_by_user_id")], "full_name", "email")
    keys = _by_id(APIKey, (r["created_by_key_id"] for r in rows), "name")
    clients = _by_id(Client, (r["client_id"] for r in rows), "name")
    sites = _by_id(Site, (r["site_id"] for r in rows), "name")
    assets = _by_id(Asset, (r["asset_id"] for r in rows), "name", "serial_number")
    projects = _by_id(Project, (r["project_id"] for r in rows), "name", "status")

    def person(user_id: Any) -> dict[str, str] | None:
        user = people.get(user_id)
        if user is None:
            return None
        return {"id": str(user_id), "name": user["full_name"] or user["email"], "email": user["email"]}

    def created_by(row: dict[str, Any]) -> dict[str, Any]:
        if (key := keys.get(row["created_by_key_id"])) is not None:
            return {"type": "apiKey", "id": str(key["id"]), "name": key["name"]}
        if (user := person(row["created_by_user_id"])) is not None:
            return {"type": "user", "id": user["id"], "name": user["name"]}
        return {"type": "system", "id": None, "name": "system"}

    def brief(table: dict[Any, dict[str, Any]], key: Any, **renames: str) -> dict[str, Any] | None:
        found = table.get(key)
        if found is None:
            return None
        return {"id": str(key), **{wire: found[column] for wire, column in renames.items()}}

    return [
        {
            "id": str(r["id"]),
            "jobTypeId": str(r["job_type_id"]),
            "jobType": types[r["job_type_id"]]["key"],
            "status": r["status"],
            "resultType": r["result_type"],
            "payload": r["payload"],
            "result": r["result"],
            "notes": r["notes"],
            "scheduledDate": iso_date(r["scheduled_date"]),
            "assignedTo": person(r["assigned_to_id"]),
            "clientId": str_or_none(r["client_id"]),
            "client": brief(clients, r["client_id"], name="name"),
            "siteId": str_or_none(r["site_id"]),
            "site": brief(sites, r["site_id"], name="name"),
            "assetId": str_or_none(r["asset_id"]),
            "asset": brief(assets, r["asset_id"], name="name", serialNumber="serial_number"),
            "projectId": str_or_none(r["project_id"]),
            "project": brief(projects, r["project_id"], name="name", status="status"),
            "createdBy": created_by(r),
            "createdAt": iso_datetime(r["created_at"]),
            "updatedAt": iso_datetime(r["updated_at"]),
            "assignedAt": iso_datetime(r["assigned_at"]),
            "startedAt": iso_datetime(r["started_at"]),
            "completedAt": iso_datetime(r["completed_at"]),
            "cancelledAt": iso_datetime(r["cancelled_at"]),
            "cancelReason": r["cancel_reason"],
        }
        for r in rows
    ]
