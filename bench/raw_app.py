"""The raw ceiling: the same jobs page as `GET /v1/jobs`, with one psycopg query and orjson, no framework.

"The same page" means the same `data`: every field of every job, the related summaries (type,
engineer, client, site, asset, project, creator) included, "no value" as null as the API sends it;
`bench/run.py` checks that both bodies carry identical rows before it times them. PostgreSQL formats
the values, the join is one prepared statement (psycopg prepares it after a few runs, so its many-join
plan is not made again), and Python only zips rows into dicts. No authentication, rate limit, envelope middleware or routing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import psycopg

TS = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

QUERY = f"""
SELECT j.id::text, j.job_type_id::text, t.key, j.status, j.result_type, j.payload::text, j.result::text,
       NULLIF(j.notes, ''), j.scheduled_date::text, {TS.format("j.scheduled_start")}, {TS.format("j.scheduled_end")},
       j.assigned_to_id::text, u.full_name, u.email, j.client_id::text, NULLIF(c.name, ''),
       j.site_id::text, NULLIF(s.name, ''), j.asset_id::text, NULLIF(a.name, ''), NULLIF(a.serial_number, ''),
       j.project_id::text, NULLIF(p.name, ''), p.status,
       j.created_by_key_id::text, k.name, j.created_by_user_id::text, cu.full_name, cu.email,
       {TS.format("j.created_at")}, {TS.format("j.updated_at")}, {TS.format("j.assigned_at")},
       {TS.format("j.started_at")}, {TS.format("j.completed_at")}, {TS.format("j.cancelled_at")},
       NULLIF(j.cancel_reason, '')
FROM jobs_job j
JOIN jobs_jobtype t ON t.id = j.job_type_id
LEFT JOIN accounts_user u ON u.id = j.assigned_to_id
LEFT JOIN projects_client c ON c.id = j.client_id
LEFT JOIN projects_site s ON s.id = j.site_id
LEFT JOIN assets_asset a ON a.id = j.asset_id
LEFT JOIN projects_project p ON p.id = j.project_id
LEFT JOIN accounts_apikey k ON k.id = j.created_by_key_id
LEFT JOIN accounts_user cu ON cu.id = j.created_by_user_id
WHERE j.team_id = %s ORDER BY j.created_at DESC, j.id DESC LIMIT 26
"""

_connection: psycopg.Connection[Any] | None = None


def _json(text: str | None) -> Any:
    return None if text is None else orjson.Fragment(text)


def _row(r: tuple[Any, ...]) -> dict[str, Any]:
    (id_, type_id, type_key, status, result_type, payload, result, notes, scheduled, start, end, engineer_id, engineer_name,
     engineer_email, client_id, client_name, site_id, site_name, asset_id, asset_name, serial, project_id,
     project_name, project_status, key_id, key_name, user_id, user_name, user_email, created, updated, assigned,
     started, completed, cancelled, cancel_reason) = r  # fmt: skip
    if key_id is not None:
        created_by = {"type": "apiKey", "id": key_id, "name": key_name}
    elif user_id is not None:
        created_by = {"type": "user", "id": user_id, "name": user_name or user_email}
    else:
        created_by = {"type": "system", "id": None, "name": "system"}
    return {
        "id": id_,
        "jobTypeId": type_id,
        "jobType": type_key,
        "status": status,
        "resultType": result_type,
        "payload": _json(payload),
        "result": _json(result),
        "notes": notes,
        "scheduledDate": scheduled,
        "scheduledStart": start,
        "scheduledEnd": end,
        "assignedTo": None
        if engineer_id is None
        else {"id": engineer_id, "name": engineer_name or engineer_email, "email": engineer_email},
        "clientId": client_id,
        "client": None if client_id is None else {"id": client_id, "name": client_name},
        "siteId": site_id,
        "site": None if site_id is None else {"id": site_id, "name": site_name},
        "assetId": asset_id,
        "asset": None if asset_id is None else {"id": asset_id, "name": asset_name, "serialNumber": serial},
        "projectId": project_id,
        "project": None if project_id is None else {"id": project_id, "name": project_name, "status": project_status},
        "createdBy": created_by,
        "createdAt": created,
        "updatedAt": updated,
        "assignedAt": assigned,
        "startedAt": started,
        "completedAt": completed,
        "cancelledAt": cancelled,
        "cancelReason": cancel_reason,
    }


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _connection
    if _connection is None:
        _connection = psycopg.connect(os.environ["RAW_DSN"], autocommit=True)
    rows = _connection.execute(QUERY, (os.environ["RAW_TEAM_ID"],)).fetchall()
    body = orjson.dumps({"success": True, "data": [_row(row) for row in rows[:25]],
                         "lastEvaluatedKey": "x" if len(rows) > 25 else None})  # fmt: skip
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
