"""The read of `GET /v1/maintenance-plans` (and `/{id}`): plain rows, no model instances, three queries.

The page is one query over `plans_maintenanceplan` alone (`plan_values`, fetched by the view's
`fetch_rows`: `core.api.fast.wire_rows` on PostgreSQL); the client, site, job type and preferred
engineer of the whole page come in one more, a `UNION ALL` of primary-key lookups
(`core.api.fast.summaries`), and the plans' asset ids in a third. Rows are built camelCase and
JSON-ready, exactly as `MaintenancePlanSerializer` documents them and `to_wire` would send them:
empty text as `null`, `price` as the DecimalField prints it (a test compares both).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

from accounts.models import User
from core.api.fast import Summary, iso_date, iso_datetime, str_or_none, summaries
from jobs.models import JobType
from plans.models import MaintenancePlan
from projects.models import Client, Site

PLAN_COLUMNS = (
    "id", "name", "client_id", "site_id", "job_type_id", "default_payload", "rrule", "start_date", "end_date",
    "lead_time_days", "reminder_days", "preferred_engineer_id", "contract_id", "price", "status", "notes",
    "last_serviced_on", "next_due_on", "created_at", "updated_at",
)  # fmt: skip
ID_COLUMNS = ("id", "client_id", "site_id", "job_type_id", "preferred_engineer_id", "contract_id")


def plan_values(queryset: QuerySet[MaintenancePlan]) -> QuerySet[MaintenancePlan, dict[str, Any]]:
    """The plan's own columns, as `plan_rows` reads them (the queryset must not load relations)."""
    return queryset.values(*PLAN_COLUMNS)


def _with_str_ids(row: dict[str, Any]) -> dict[str, Any]:
    """Ids as strings (`wire_rows` gives them so already; the ORM's rows, on SQLite, as UUIDs)."""
    if isinstance(row["id"], str):
        return row
    return {**row, **{column: str_or_none(row[column]) for column in ID_COLUMNS}}


def _asset_ids(plan_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each plan's asset ids, sorted as `MaintenancePlanSerializer.get_asset_ids` sorts them (one query).

    Plain SQL on the link table, as `core.api.fast.summaries` reads its rows: through the ORM the
    same lookup cost 0.9 ms of CPU a page, most of it compiling the query; this, 0.3 ms.
    """
    found: dict[str, list[str]] = defaultdict(list)
    if not plan_ids:
        return found
    link = MaintenancePlan.assets.through._meta
    plan_field, asset_field = link.get_field("maintenanceplan"), link.get_field("asset")
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    plan_column, asset_column = quote(plan_field.column), quote(asset_field.column)
    placeholders = ", ".join(["%s"] * len(plan_ids))
    with connection.cursor() as cursor:
        cursor.execute(  # identifiers from model metadata, quoted; every value is a parameter
            f"SELECT {plan_column}, {asset_column} FROM {quote(link.db_table)} "  # noqa: S608
            f"WHERE {plan_column} IN ({placeholders})",
            [plan_field.get_db_prep_value(plan_id, connection) for plan_id in plan_ids],
        )
        for plan_id, asset_id in cursor.fetchall():
            found[str(uuid.UUID(str(plan_id)))].append(str(uuid.UUID(str(asset_id))))
    for ids in found.values():
        ids.sort()
    return found


def _price(value: Decimal | None) -> str | None:
    """As `DecimalField(decimal_places=2)` with `COERCE_DECIMAL_TO_STRING` prints it: `"120.00"`."""
    return None if value is None else f"{value:.2f}"


def plan_rows(rows: Sequence[dict[str, Any]], *, today: dt.date) -> list[dict[str, Any]]:
    """Build the page's plans from `plan_values` rows; `today` (the team's) decides `overdue`."""
    rows = [_with_str_ids(r) for r in rows]

    def ids(column: str) -> set[str]:
        return {r[column] for r in rows if r[column] is not None}

    related = summaries(
        Summary("client", Client, ids("client_id"), ("name",)),
        Summary("site", Site, ids("site_id"), ("name",)),
        Summary("type", JobType, ids("job_type_id"), ("key",)),
        Summary("person", User, ids("preferred_engineer_id"), ("full_name", "email")),
    )
    clients, sites, types, people = related["client"], related["site"], related["type"], related["person"]
    assets = _asset_ids([r["id"] for r in rows])
    today_text = today.isoformat()  # ISO dates compare as the dates do

    def brief(table: dict[Any, tuple[Any, ...]], key: str) -> dict[str, Any]:
        return {"id": key, "name": table[key][0] or None}

    def person(user_id: str | None) -> dict[str, Any] | None:
        if user_id is None or (user := people.get(user_id)) is None:
            return None
        full_name, email = user
        return {"id": user_id, "name": full_name or email or None, "email": email or None}

    built = []
    for r in rows:
        next_due_on = iso_date(r["next_due_on"])
        built.append(
            {
                "id": r["id"],
                "name": r["name"] or None,
                "client": brief(clients, r["client_id"]),
                "site": brief(sites, r["site_id"]),
                "assetIds": assets.get(r["id"], []),
                "jobTypeId": r["job_type_id"],
                "jobType": types[r["job_type_id"]][0] or None,
                "defaultPayload": r["default_payload"],  # the author's document, as stored
                "rrule": r["rrule"] or None,
                "startDate": iso_date(r["start_date"]),
                "endDate": iso_date(r["end_date"]),
                "leadTimeDays": r["lead_time_days"],
                "reminderDays": r["reminder_days"],
                "preferredEngineer": person(r["preferred_engineer_id"]),
                "contractId": r["contract_id"],
                "price": _price(r["price"]),
                "status": r["status"],
                "notes": r["notes"] or None,  # "no value" is null (core.wire.to_wire)
                "lastServicedOn": iso_date(r["last_serviced_on"]),
                "nextDueOn": next_due_on,
                "overdue": next_due_on is not None and next_due_on < today_text,
                "createdAt": iso_datetime(r["created_at"]),
                "updatedAt": iso_datetime(r["updated_at"]),
            }
        )
    return built
