"""MCP resources: the static context an agent reads before acting. Each needs the scope its data needs.

Records are shown as the API shows them: read and serialized through the resource registry
(`core.registry`) where the model is registered, else answered by the REST view itself.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver.exceptions import ResourceError
from rest_framework.exceptions import AuthenticationFailed

from accounts.scopes import Scope, grants
from agents.rest import RestAnswer
from agents.tools import call_rest, compact
from core import registry
from core.api.authentication import authenticate_token
from core.wire import to_wire

JSON = "application/json"
MAX_PAGES = 20  # 2,000 types is far beyond any team; the resource stays bounded


def _data(answer: RestAnswer) -> Any:
    if not answer.ok:
        error = (answer.body or {}).get("error") or {}
        issues = "; ".join(issue.get("message", "") for issue in error.get("issues", []))
        raise ResourceError(f"{answer.status} {error.get('name', 'Error')}: {issues}")
    return answer.body["data"] if isinstance(answer.body, dict) and "data" in answer.body else answer.body


def _registered_rows(token: str, scope: Scope, model_label: str, limit: int) -> list[Any]:
    """The caller team's `model_label` records, newest first, as `GET /v1/...` shows each (at most `limit`)."""
    close_old_connections()
    try:
        try:
            principal = authenticate_token(token)
        except AuthenticationFailed as exc:
            raise ResourceError(f"401 UnauthorizedError: {exc.detail}") from None
        if not grants(principal.scopes, scope):
            raise ResourceError(f"403 ForbiddenError: This operation requires the '{scope}' scope.")
        resource = registry.resource_for(model_label)
        rows = resource.selector(team=principal.team).order_by("-created_at", "-id")[:limit]
        shown = [resource.serialize(team=principal.team, obj=row) for row in rows]
        return to_wire(shown)
    finally:
        close_old_connections()


async def _registered(scope: Scope, model_label: str) -> list[Any]:
    access = get_access_token()
    if access is None:  # the transport refuses unauthenticated requests before any resource is read
        raise PermissionError("No bearer token on this MCP request.")
    read = sync_to_async(_registered_rows, thread_sensitive=True)
    return await read(access.token, scope, model_label, MAX_PAGES * 100)


async def team_profile() -> str:
    """The team (name, currency, timezone), its members and roles, and the calling token (scope team.read)."""
    return compact(_data(await call_rest("GET", "/v1/team")))


async def job_types() -> str:
    """Every job type of the team with the JSON Schema its job payloads must match (scope jobs.read)."""
    return compact(await _registered(Scope.JOBS_READ, "jobs.jobtype"))


async def asset_types() -> str:
    """The team's asset types, with how many assets each has, and asset statuses (scope assets.read)."""
    options = _data(await call_rest("GET", "/v1/assets/filter-options"))
    return compact({key: value for key, value in options.items() if key in ("assetTypes", "statuses")})


async def api_contract() -> str:
    """The OpenAPI 3.1 document of the REST API that every tool mirrors."""
    return compact(_data(await call_rest("GET", "/v1/openapi.json")))


RESOURCES = [
    ("shocking://team", "team", "Team profile", team_profile),
    ("shocking://job-types", "job-types", "Job types and payload schemas", job_types),
    ("shocking://asset-types", "asset-types", "Asset types", asset_types),
    ("shocking://openapi.json", "openapi", "The REST API contract (OpenAPI)", api_contract),
]


def register(server: MCPServer) -> None:
    for uri, name, title, function in RESOURCES:
        server.resource(uri, name=name, title=title, description=function.__doc__, mime_type=JSON)(function)
