"""The rows of `GET /v1/jobs` and `GET /v1/jobs/{id}`: plain rows, no model instances, one query.

The job's columns and its related names (type, people, client, site, asset, project, API key) come
in one statement, joined on primary keys. Joined, PostgreSQL spent longer choosing the join order
than running the query when it planned it on every request; the hot list's statement is now
prepared (`core.api.statements`, `core.api.fast.wire_rows_of`), so it is planned once per connection.
Rows are built camelCase and JSON-ready, exactly as `JobSerializer` documents them and `to_wire`
would send them, free text left empty as `null` (a test compares both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, QuerySet

from core.api.fast import iso_date, iso_datetime, str_or_none, wire_times
from jobs.models import Job

JOB_COLUMNS = (
    "id", "job_type_id", "status", "result_type", "payload", "result", "notes", "scheduled_date", "assigned_to_id",
    "client_id", "site_id", "asset_id", "project_id", "created_by_user_id", "created_by_key_id", "cancel_reason",
)  # fmt: skip
TIME_COLUMNS = (
    "scheduled_start", "scheduled_end", "created_at", "updated_at", "assigned_at", "started_at", "completed_at",
    "cancelled_at",
)  # fmt: skip


# Computed columns: the timestamps as the API prints them (`wire_<name>`, formatted by PostgreSQL) and
# the related names.
RELATED_COLUMNS = {
    **wire_times(*TIME_COLUMNS),
    "rel_type_key": F("job_type__key"),
    "rel_engineer_name": F("assigned_to__full_name"),
    "rel_engineer_email": F("assigned_to__email"),
    "rel_client_name": F("client__name"),
    "rel_site_name": F("site__name"),
    "rel_asset_name": F("asset__name"),
    "rel_asset_serial": F("asset__serial_number"),
    "rel_project_name": F("project__name"),
    "rel_project_status": F("project__status"),
    "rel_key_name": F("created_by_key__name"),
    "rel_creator_name": F("created_by_user__full_name"),
    "rel_creator_email": F("created_by_user__email"),
}


def job_values(queryset: QuerySet[Job]) -> QuerySet[Job, dict[str, Any]]:
    """The columns `job_rows` builds a job from: the job's own and its related names, joined."""
    return queryset.values(*JOB_COLUMNS, **RELATED_COLUMNS)


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
    """Build the API's rows from `job_values` rows."""

    def person(user_id: str | None, full_name: str | None, email: str | None) -> dict[str, Any] | None:
        if user_id is None:
            return None
        return {"id": user_id, "name": full_name or email, "email": email}

    def created_by(row: dict[str, Any]) -> dict[str, Any]:
        if (key_id := row["created_by_key_id"]) is not None:
            return {"type": "apiKey", "id": key_id, "name": row["rel_key_name"]}
        if (user_id := row["created_by_user_id"]) is not None:
            return {"type": "user", "id": user_id, "name": row["rel_creator_name"] or row["rel_creator_email"]}
        return {"type": "system", "id": None, "name": "system"}

    def brief(key: str | None, **fields: Any) -> dict[str, Any] | None:
        if key is None:
            return None
        return {"id": key, **{name: value if value != "" else None for name, value in fields.items()}}

    built = []
    for r in map(_with_str_ids, rows):
        built.append(
            {
                "id": r["id"],
                "jobTypeId": r["job_type_id"],
                "jobType": r["rel_type_key"],
                "status": r["status"],
                "resultType": r["result_type"],
                "payload": r["payload"],
                "result": r["result"],
                "notes": r["notes"] or None,  # "no value" is null (core.wire.to_wire)
                "scheduledDate": iso_date(r["scheduled_date"]),
                "scheduledStart": iso_datetime(r["wire_scheduled_start"]),
                "scheduledEnd": iso_datetime(r["wire_scheduled_end"]),
                "assignedTo": person(r["assigned_to_id"], r["rel_engineer_name"], r["rel_engineer_email"]),
                "clientId": r["client_id"],
                "client": brief(r["client_id"], name=r["rel_client_name"]),
                "siteId": r["site_id"],
                "site": brief(r["site_id"], name=r["rel_site_name"]),
                "assetId": r["asset_id"],
                "asset": brief(r["asset_id"], name=r["rel_asset_name"], serialNumber=r["rel_asset_serial"]),
                "projectId": r["project_id"],
                "project": brief(r["project_id"], name=r["rel_project_name"], status=r["rel_project_status"]),
                "createdBy": created_by(r),
                "createdAt": iso_datetime(r["wire_created_at"]),
                "updatedAt": iso_datetime(r["wire_updated_at"]),
                "assignedAt": iso_datetime(r["wire_assigned_at"]),
                "startedAt": iso_datetime(r["wire_started_at"]),
                "completedAt": iso_datetime(r["wire_completed_at"]),
                "cancelledAt": iso_datetime(r["wire_cancelled_at"]),
                "cancelReason": r["cancel_reason"] or None,
            }
        )
    return built
