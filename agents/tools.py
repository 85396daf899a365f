"""MCP tools: one per REST operation, with a typed JSON input schema, answered by the REST view itself.

Arguments are snake_case (as MCP tools usually are); results are the REST resources unchanged
(camelCase), as compact JSON text plus structured content. Lists take `limit` and the
`last_evaluated_key` cursor of the previous page, exactly like `GET /v1/...`. A refusal (missing
scope, unknown id, bad input, a state the action does not allow) is a tool error carrying the
REST error: its status, name and issues — e.g. "This operation requires the 'jobs.write' scope."
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Annotated, Any, Literal

from asgiref.sync import sync_to_async
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from agents import rest
from jobs.models import JobStatus, ResultType
from webhooks.models import EventType

Limit = Annotated[int | None, Field(ge=1, le=100, description="Items per page, 1–100 (default 25).")]
Cursor = Annotated[
    str | None, Field(description="`lastEvaluatedKey` of the previous page, passed back exactly; omit for page one.")
]
SortOrder = Annotated[Literal["asc", "desc"] | None, Field(description="Default desc.")]
Millis = Annotated[int | None, Field(description="Unix time in milliseconds, inclusive, on createdAt.")]
Id = Annotated[uuid.UUID, Field(description="The record's id (a UUID).")]
OptionalId = Annotated[uuid.UUID | None, Field(description="A UUID of a record of your team.")]
Query = Annotated[str | None, Field(description="Case-insensitive text to look for.")]

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
FINAL = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def tool_result(answer: rest.RestAnswer) -> CallToolResult:
    """A REST answer as a tool result; an error envelope becomes a tool error with the same issues."""
    body = answer.body if isinstance(answer.body, dict) else {"data": answer.body}
    if answer.ok:
        structured = {key: value for key, value in body.items() if key not in ("success", "message")}
        return CallToolResult(
            content=[TextContent(type="text", text=compact(structured))], structured_content=structured
        )
    error = body.get("error") or {}
    issues = error.get("issues") or []
    structured = {
        "status": answer.status,
        "error": error.get("name", "Error"),
        "message": "; ".join(issue["message"] for issue in issues if issue.get("message")) or body.get("message", ""),
        "issues": issues,
        "requestId": body.get("request_id"),
    }
    return CallToolResult(
        content=[TextContent(type="text", text=compact(structured))], structured_content=structured, is_error=True
    )


async def call_rest(
    method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None
) -> rest.RestAnswer:
    """Run a /v1 operation with the token this MCP request was authenticated with."""
    access = get_access_token()
    if access is None:  # the transport refuses unauthenticated requests before any tool runs
        raise PermissionError("No bearer token on this MCP request.")
    return await sync_to_async(rest.call, thread_sensitive=True)(access.token, method, path, query=query, body=body)


async def _get(path: str, **params: Any) -> CallToolResult:
    return tool_result(await call_rest("GET", path, query=rest.wire_params(params)))


async def _post(path: str, **fields: Any) -> CallToolResult:
    return tool_result(await call_rest("POST", path, body=rest.wire_params(fields)))


# Jobs -------------------------------------------------------------------------------------------------
async def list_jobs(
    status: JobStatus | None = None,
    job_type: Annotated[str | None, Field(description="A job type's key or id.")] = None,
    result_type: ResultType | None = None,
    assigned_to: Annotated[uuid.UUID | None, Field(description="An engineer's user id.")] = None,
    site_id: OptionalId = None,
    project_id: OptionalId = None,
    date_from: Millis = None,
    date_to: Millis = None,
    sort_by: Literal["createdAt", "updatedAt", "scheduledDate"] | None = None,
    sort_order: SortOrder = None,
    limit: Limit = None,
    last_evaluated_key: Cursor = None,
) -> CallToolResult:
    """List the team's jobs, newest first, with filters; paginated (GET /v1/jobs, scope jobs.read)."""
    return await _get("/v1/jobs", **locals())


async def get_job(job_id: Id) -> CallToolResult:
    """Get one job with its event timeline (GET /v1/jobs/{id}, scope jobs.read)."""
    return await _get(f"/v1/jobs/{job_id}")


async def create_job(
    job_type: Annotated[str | None, Field(description="The job type's key (or give job_type_id).")] = None,
    job_type_id: Annotated[uuid.UUID | None, Field(description="The job type's id (or give job_type).")] = None,
    payload: Annotated[
        dict[str, Any] | None, Field(description="Job details; validated against the job type's payload schema.")
    ] = None,
    scheduled_date: Annotated[dt.date | None, Field(description="YYYY-MM-DD")] = None,
    notes: str | None = None,
    client_id: OptionalId = None,
    site_id: OptionalId = None,
    asset_id: OptionalId = None,
    project_id: OptionalId = None,
) -> CallToolResult:
    """Create a PENDING job (POST /v1/jobs, scope jobs.write). Read the job-types resource for payload schemas."""
    return await _post("/v1/jobs", **locals())


async def cancel_job(job_id: Id, reason: str | None = None) -> CallToolResult:
    """Cancel a job that has not completed (POST /v1/jobs/{id}/cancel, scope jobs.write)."""
    return await _post(f"/v1/jobs/{job_id}/cancel", reason=reason)


async def assign_job(
    job_id: Id, engineer_id: Annotated[uuid.UUID, Field(description="User id of an active team member.")]
) -> CallToolResult:
    """Assign or reassign an engineer before the job starts (POST /v1/jobs/{id}/assign, scope jobs.write)."""
    return await _post(f"/v1/jobs/{job_id}/assign", engineer_id=engineer_id)


async def start_job(job_id: Id) -> CallToolResult:
    """Start an assigned job (POST /v1/jobs/{id}/start, scope jobs.write)."""
    return await _post(f"/v1/jobs/{job_id}/start")


class Signature(BaseModel):
    """The customer's signature taken at completion."""

    signer_name: str = Field(max_length=200, description="Who signed.")
    image_png: str = Field(description="The signature as a base64 PNG, at most 1 MiB decoded.")


async def complete_job(
    job_id: Id,
    result_type: ResultType,
    result: Annotated[dict[str, Any] | None, Field(description="Free-form outcome details.")] = None,
    notes: str | None = None,
    signature: Signature | None = None,
    attachment_ids: Annotated[
        list[uuid.UUID] | None, Field(description="Photos uploaded to this job before, taken at completion.")
    ] = None,
) -> CallToolResult:
    """Complete a job in progress with its outcome, optionally the customer's signature and the photos taken
    (POST /v1/jobs/{id}/complete, scope jobs.write)."""
    signed = None if signature is None else {"signerName": signature.signer_name, "imagePng": signature.image_png}
    return await _post(
        f"/v1/jobs/{job_id}/complete",
        result_type=result_type,
        result=result,
        notes=notes,
        signature=signed,
        attachment_ids=attachment_ids,
    )


async def list_job_types(limit: Limit = None, last_evaluated_key: Cursor = None) -> CallToolResult:
    """List the team's job types with their payload schemas (GET /v1/job-types, scope jobs.read)."""
    return await _get("/v1/job-types", **locals())


async def get_job_type(job_type_id: Id) -> CallToolResult:
    """Get one job type and its payload JSON Schema (GET /v1/job-types/{id}, scope jobs.read)."""
    return await _get(f"/v1/job-types/{job_type_id}")


# Assets ---------------------------------------------------------------------------------------------
async def list_assets(
    site_id: OptionalId = None,
    client_id: OptionalId = None,
    asset_type: Annotated[str | None, Field(description="An asset type's key.")] = None,
    status: Annotated[str | None, Field(description="An asset status, see asset_filter_options.")] = None,
    manufacturer: str | None = None,
    q: Query = None,
    limit: Limit = None,
    last_evaluated_key: Cursor = None,
) -> CallToolResult:
    """List the team's assets with filters; paginated (GET /v1/assets, scope assets.read)."""
    return await _get("/v1/assets", **locals())


async def get_asset(asset_id: Id) -> CallToolResult:
    """Get one asset (GET /v1/assets/{id}, scope assets.read)."""
    return await _get(f"/v1/assets/{asset_id}")


async def get_asset_history(asset_id: Id, limit: Limit = None, last_evaluated_key: Cursor = None) -> CallToolResult:
    """An asset's change history: who changed what, when (GET /v1/assets/{id}/history, scope assets.read)."""
    return await _get(f"/v1/assets/{asset_id}/history", limit=limit, last_evaluated_key=last_evaluated_key)


async def asset_filter_options() -> CallToolResult:
    """The values the asset filters accept: types, statuses, manufacturers (GET /v1/assets/filter-options)."""
    return await _get("/v1/assets/filter-options")


# Projects, clients, sites ------------------------------------------------------------------------------
async def list_projects(
    client_id: OptionalId = None,
    site_id: OptionalId = None,
    status: Annotated[str | None, Field(description="A project status.")] = None,
    q: Query = None,
    limit: Limit = None,
    last_evaluated_key: Cursor = None,
) -> CallToolResult:
    """List the team's projects; paginated (GET /v1/projects, scope projects.read)."""
    return await _get("/v1/projects", **locals())


async def get_project(project_id: Id) -> CallToolResult:
    """Get one project (GET /v1/projects/{id}, scope projects.read)."""
    return await _get(f"/v1/projects/{project_id}")


async def list_clients(q: Query = None, limit: Limit = None, last_evaluated_key: Cursor = None) -> CallToolResult:
    """List the team's clients; paginated (GET /v1/clients, scope projects.read)."""
    return await _get("/v1/clients", **locals())


async def get_client(client_id: Id) -> CallToolResult:
    """Get one client (GET /v1/clients/{id}, scope projects.read)."""
    return await _get(f"/v1/clients/{client_id}")


async def list_sites(
    client_id: OptionalId = None, q: Query = None, limit: Limit = None, last_evaluated_key: Cursor = None
) -> CallToolResult:
    """List the team's sites; paginated (GET /v1/sites, scope projects.read)."""
    return await _get("/v1/sites", **locals())


async def get_site(site_id: Id) -> CallToolResult:
    """Get one site (GET /v1/sites/{id}, scope projects.read)."""
    return await _get(f"/v1/sites/{site_id}")


# Invoices -------------------------------------------------------------------------------------------
async def list_invoices(
    status: Annotated[str | None, Field(description="DRAFT, FINALIZED or APPROVED.")] = None,
    client_id: OptionalId = None,
    date_from: Millis = None,
    date_to: Millis = None,
    limit: Limit = None,
    last_evaluated_key: Cursor = None,
) -> CallToolResult:
    """List the team's invoices; paginated (GET /v1/invoices, scope invoices.read)."""
    return await _get("/v1/invoices", **locals())


async def get_invoice(invoice_id: Id) -> CallToolResult:
    """Get one invoice with its lines (GET /v1/invoices/{id}, scope invoices.read)."""
    return await _get(f"/v1/invoices/{invoice_id}")


async def draft_invoice(
    client_id: Annotated[uuid.UUID | None, Field(description="Required for a new draft.")] = None,
    invoice_id: Annotated[uuid.UUID | None, Field(description="Update this draft instead of creating one.")] = None,
    job_ids: Annotated[
        list[uuid.UUID] | None, Field(description="Completed jobs of the client to bill, one line each.")
    ] = None,
    issue_date: Annotated[dt.date | None, Field(description="YYYY-MM-DD")] = None,
    notes: str | None = None,
) -> CallToolResult:
    """Draft (or update a draft) invoice from a client's completed jobs (POST /v1/invoices/draft, invoices.write)."""
    return await _post("/v1/invoices/draft", **locals())


# Search, metrics, team -------------------------------------------------------------------------------
async def search(
    query: Annotated[str, Field(description="Words, a quoted phrase, -word to exclude, or an identifier.")],
    types: Annotated[
        list[Literal["job", "asset", "project", "client", "site", "invoice"]] | None,
        Field(description="Kinds of record to search; all those the token can read when omitted."),
    ] = None,
    limit: Annotated[int | None, Field(ge=1, le=50)] = None,
) -> CallToolResult:
    """Ranked search across jobs, assets, projects, clients, sites and invoices (POST /v1/search, search.read)."""
    return await _post("/v1/search", query=query, types=types, limit=limit)


async def job_metrics(
    date_from: Annotated[int | None, Field(description="Unix ms; default date_to − 30 days.")] = None,
    date_to: Annotated[int | None, Field(description="Unix ms; default now.")] = None,
    interval: Literal["day", "week", "month"] | None = None,
    job_type: Annotated[str | None, Field(description="A job type's key or id.")] = None,
) -> CallToolResult:
    """Job counts by status, type and result, rates, durations and a time series (GET /v1/metrics/jobs)."""
    return await _get("/v1/metrics/jobs", **locals())


# Events -----------------------------------------------------------------------------------------------
async def list_events(
    type: Annotated[list[EventType] | None, Field(description="Only events of these types.")] = None,
    object_id: Annotated[
        uuid.UUID | None, Field(description="Only events about this record (a job's, an invoice's … id).")
    ] = None,
    sort_order: Annotated[
        Literal["asc", "desc"] | None,
        Field(
            description="desc (default): newest first. asc: oldest first, to catch up; its last_evaluated_key is "
            "always set: keep it and call again with it later to get exactly what happened since."
        ),
    ] = None,
    limit: Limit = None,
    last_evaluated_key: Cursor = None,
) -> CallToolResult:
    """The team's domain events (job.completed, invoice.finalized, …), each with its record as it was then
    (GET /v1/events). Each kind shows only with its read scope: job.* scope jobs.read, flow.* scope flows.read,
    asset.* scope assets.read, project.* scope projects.read, invoice.* scope invoices.read, plan.* scope plans.read.
    """
    types = ",".join(type) if type else None  # the API takes several types comma-separated
    return await _get(
        "/v1/events",
        type=types,
        object_id=object_id,
        sort_order=sort_order,
        limit=limit,
        last_evaluated_key=last_evaluated_key,
    )


async def get_team() -> CallToolResult:
    """The team, its members and roles, and this token's name and scopes (GET /v1/team, scope team.read)."""
    return await _get("/v1/team")


async def list_maintenance_plans(
    client_id: OptionalId = None,
    status: Annotated[Literal["ACTIVE", "PAUSED", "ENDED"] | None, Field(description="Plan status.")] = None,
    next_due_to: Annotated[dt.date | None, Field(description="Next visit due on or before (YYYY-MM-DD).")] = None,
    limit: Limit = None,
    last_evaluated_key: Cursor = None,
) -> CallToolResult:
    """Maintenance plans (recurring service making its own jobs) with their next due date and overdue flag;
    paginated (GET /v1/maintenance-plans, scope plans.read)."""
    return await _get("/v1/maintenance-plans", **locals())


async def list_upcoming_visits(
    days: Annotated[int, Field(ge=0, le=366, description="How many days ahead (default 30).")] = 30,
) -> CallToolResult:
    """ACTIVE plans whose next visit is due within `days`, overdue first, at most 100 (scope plans.read)."""
    query = {"status": "ACTIVE", "sort_by": "nextDueOn", "sort_order": "asc", "limit": 100}
    return await _get("/v1/maintenance-plans", **query, next_due_to=dt.date.today() + dt.timedelta(days=days))


TOOLS: list[tuple[Any, ToolAnnotations]] = [
    (list_jobs, READ),
    (get_job, READ),
    (create_job, WRITE),
    (cancel_job, FINAL),
    (assign_job, WRITE),
    (start_job, WRITE),
    (complete_job, FINAL),
    (list_job_types, READ),
    (get_job_type, READ),
    (list_assets, READ),
    (get_asset, READ),
    (get_asset_history, READ),
    (asset_filter_options, READ),
    (list_projects, READ),
    (get_project, READ),
    (list_clients, READ),
    (get_client, READ),
    (list_sites, READ),
    (get_site, READ),
    (list_invoices, READ),
    (get_invoice, READ),
    (draft_invoice, WRITE),
    (search, READ),
    (job_metrics, READ),
    (list_events, READ),
    (get_team, READ),
    (list_maintenance_plans, READ),
    (list_upcoming_visits, READ),
]


def register(server: MCPServer) -> None:
    for function, hints in TOOLS:
        server.add_tool(function, annotations=hints, structured_output=False)
