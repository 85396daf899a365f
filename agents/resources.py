"""MCP resources: the static context an agent reads before acting. Each needs the scope its data needs."""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from agents.rest import RestAnswer
from agents.tools import call_rest, compact

JSON = "application/json"
MAX_PAGES = 20  # 2,000 types is far beyond any team; the resource stays bounded


def _data(answer: RestAnswer) -> Any:
    if not answer.ok:
        error = (answer.body or {}).get("error") or {}
        issues = "; ".join(issue.get("message", "") for issue in error.get("issues", []))
        raise ResourceError(f"{answer.status} {error.get('name', 'Error')}: {issues}")
    return answer.body["data"] if isinstance(answer.body, dict) and "data" in answer.body else answer.body


async def _all_pages(path: str) -> list[Any]:
    rows: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        query: dict[str, Any] = {"limit": 100, **({"lastEvaluatedKey": cursor} if cursor else {})}
        answer = await call_rest("GET", path, query=query)
        rows.extend(_data(answer))
        cursor = answer.body.get("lastEvaluatedKey")
        if not cursor:
            break
    return rows


async def team_profile() -> str:
    """The team (name, currency, timezone), its members and roles, and the calling token (scope team.read)."""
    return compact(_data(await call_rest("GET", "/v1/team")))


async def job_types() -> str:
    """Every job type of the team with the JSON Schema its job payloads must match (scope jobs.read)."""
    return compact(await _all_pages("/v1/job-types"))


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
