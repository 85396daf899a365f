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

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, QuerySet, Value
from django.db.models.functions import NullIf

from core.api.fast import Rows, as_dicts, iso_date, iso_datetime, str_or_none, wire_times
from jobs.models import Job

JOB_COLUMNS = (
    "id", "job_type_id", "status", "result_type", "payload", "result", "notes", "scheduled_date", "assigned_to_id",
    "client_id", "site_id", "asset_id", "project_id", "created_by_user_id", "created_by_key_id", "cancel_reason",
)  # fmt: skip
TIME_COLUMNS = (
    "scheduled_start", "scheduled_end", "created_at", "updated_at", "assigned_at", "started_at", "completed_at",
    "cancelled_at",
)  # fmt: skip


# The related names a job shows (alias → the related row's column), and those whose empty value is
# sent as null (the contract's "no value"; NULLIF in the statement).
RELATED_NAMES = {
    "rel_type_key": "job_type__key",
    "rel_engineer_name": "assigned_to__full_name",
    "rel_engineer_email": "assigned_to__email",
    "rel_client_name": "client__name",
    "rel_site_name": "site__name",
    "rel_asset_name": "asset__name",
    "rel_asset_serial": "asset__serial_number",
    "rel_project_name": "project__name",
    "rel_project_status": "project__status",
    "rel_key_name": "created_by_key__name",
    "rel_creator_name": "created_by_user__full_name",
    "rel_creator_email": "created_by_user__email",
}
EMPTY_AS_NULL = frozenset(
    {"rel_client_name", "rel_site_name", "rel_asset_name", "rel_asset_serial", "rel_project_name"}
)

# Computed columns: the timestamps as the API prints them (`wire_<name>`, formatted by PostgreSQL) and
# the related names.
RELATED_COLUMNS = {
    **wire_times(*TIME_COLUMNS),
    **{
        alias: NullIf(F(path), Value("")) if alias in EMPTY_AS_NULL else F(path)
        for alias, path in RELATED_NAMES.items()
    },
}


def job_values(queryset: QuerySet[Job]) -> QuerySet[Job, dict[str, Any]]:
    """The columns `job_rows` builds a job from: the job's own and its related names, joined."""
    return queryset.values(*JOB_COLUMNS, **RELATED_COLUMNS)


ID_COLUMNS = (
    "id", "job_type_id", "assigned_to_id", "client_id", "site_id", "asset_id", "project_id", "created_by_user_id",
    "created_by_key_id",
)  # fmt: skip


def _printed(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the ORM's (SQLite) with its ids, date and times printed as PostgreSQL's wire rows have them."""
    return {
        **row,
        **{column: str_or_none(row[column]) for column in ID_COLUMNS},
        "scheduled_date": iso_date(row["scheduled_date"]),
        **{f"wire_{name}": iso_datetime(row[f"wire_{name}"]) for name in TIME_COLUMNS},
    }


# The columns of `job_values`, in its statement's order (the job's, its times, its related names),
# and the same names as `job_rows` unpacks each row (checked here, at import).
JOB_ORDER = (*JOB_COLUMNS, *RELATED_COLUMNS)
_UNPACKED = (
    "id", "job_type_id", "status", "result_type", "payload", "result", "notes", "scheduled_date", "assigned_to_id",
    "client_id", "site_id", "asset_id", "project_id", "created_by_user_id", "created_by_key_id", "cancel_reason",
    "wire_scheduled_start", "wire_scheduled_end", "wire_created_at", "wire_updated_at", "wire_assigned_at",
    "wire_started_at", "wire_completed_at", "wire_cancelled_at",
    "rel_type_key", "rel_engineer_name", "rel_engineer_email", "rel_client_name", "rel_site_name", "rel_asset_name",
    "rel_asset_serial", "rel_project_name", "rel_project_status", "rel_key_name", "rel_creator_name",
    "rel_creator_email",
)  # fmt: skip
if JOB_ORDER != _UNPACKED:  # pragma: no cover - a column added above and not below
    raise ImproperlyConfigured("jobs.api.rows: job_rows unpacks other columns than job_values selects")


def _in_order(rows: Sequence[Any]) -> Sequence[tuple[Any, ...]]:
    """`rows` as tuples in `JOB_ORDER`: the hot list's `Rows` as they come; dicts (the detail's, a
    write's, the ORM's on SQLite, printed as PostgreSQL's wire rows are) put in that order."""
    if isinstance(rows, Rows) and rows.names == JOB_ORDER:
        return rows
    dicts = as_dicts(rows)
    if dicts and not isinstance(dicts[0]["id"], str):
        dicts = [_printed(row) for row in dicts]
    return [tuple(row[name] for name in JOB_ORDER) for row in dicts]


def job_rows(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Build the API's rows from `job_values` rows (`Rows` or dicts): a dict per job, nothing converted
    (every request of the list and the detail runs this, so it is written out flat, as
    bench/raw_app.py is, each row unpacked in `JOB_ORDER`)."""
    built = []
    for (
        id_, job_type_id, status, result_type, payload, result, notes, scheduled_date, engineer_id, client_id,
        site_id, asset_id, project_id, user_id, key_id, cancel_reason, scheduled_start, scheduled_end, created_at,
        updated_at, assigned_at, started_at, completed_at, cancelled_at, type_key, engineer_name, engineer_email,
        client_name, site_name, asset_name, asset_serial, project_name, project_status, key_name, creator_name,
        creator_email,
    ) in _in_order(rows):  # fmt: skip
        if key_id is not None:
            created_by = {"type": "apiKey", "id": key_id, "name": key_name}
        elif user_id is not None:
            created_by = {"type": "user", "id": user_id, "name": creator_name or creator_email}
        else:
            created_by = {"type": "system", "id": None, "name": "system"}
        built.append(
            {
                "id": id_,
                "jobTypeId": job_type_id,
                "jobType": type_key,
                "status": status,
                "resultType": result_type,
                "payload": payload,
                "result": result,
                "notes": notes or None,  # "no value" is null (core.wire.to_wire)
                "scheduledDate": scheduled_date,
                "scheduledStart": scheduled_start,
                "scheduledEnd": scheduled_end,
                "assignedTo": None
                if engineer_id is None
                else {"id": engineer_id, "name": engineer_name or engineer_email, "email": engineer_email},
                "clientId": client_id,
                "client": None if client_id is None else {"id": client_id, "name": client_name},
                "siteId": site_id,
                "site": None if site_id is None else {"id": site_id, "name": site_name},
                "assetId": asset_id,
                "asset": None
                if asset_id is None
                else {"id": asset_id, "name": asset_name, "serialNumber": asset_serial},
                "projectId": project_id,
                "project": None
                if project_id is None
                else {"id": project_id, "name": project_name, "status": project_status},
                "createdBy": created_by,
                "createdAt": created_at,
                "updatedAt": updated_at,
                "assignedAt": assigned_at,
                "startedAt": started_at,
                "completedAt": completed_at,
                "cancelledAt": cancelled_at,
                "cancelReason": cancel_reason or None,
            }
        )
    return built
