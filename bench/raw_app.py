"""The raw ceiling: the same jobs page with one psycopg query and orjson, no framework at all."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import psycopg

QUERY = """
SELECT j.id, j.job_type_id, t.key, j.status, j.result_type, j.payload, j.result, j.notes, j.scheduled_date,
       j.assigned_to_id, j.client_id, j.site_id, j.asset_id, j.project_id, j.created_at, j.updated_at,
       j.assigned_at, j.started_at, j.completed_at, j.cancelled_at, j.cancel_reason
FROM jobs_job j JOIN jobs_jobtype t ON t.id = j.job_type_id
WHERE j.team_id = %s ORDER BY j.created_at DESC, j.id DESC LIMIT 26
"""
COLUMNS = ["id", "jobTypeId", "jobType", "status", "resultType", "payload", "result", "notes", "scheduledDate",
           "assignedTo", "clientId", "siteId", "assetId", "projectId", "createdAt", "updatedAt", "assignedAt",
           "startedAt", "completedAt", "cancelledAt", "cancelReason"]  # fmt: skip

_connection: psycopg.Connection[Any] | None = None


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _connection
    if _connection is None:
        _connection = psycopg.connect(os.environ["RAW_DSN"], autocommit=True)
    rows = _connection.execute(QUERY, (os.environ["RAW_TEAM_ID"],)).fetchall()
    body = orjson.dumps({"success": True, "data": [dict(zip(COLUMNS, row, strict=True)) for row in rows[:25]],
                         "lastEvaluatedKey": "x" if len(rows) > 25 else None})  # fmt: skip
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
