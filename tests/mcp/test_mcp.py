"""/mcp end to end: the official `mcp` client over Streamable HTTP against a live server."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from accounts.scopes import ALL_SCOPES
from accounts.services import revoke_api_key
from jobs.models import Job, JobStatus
from tests.conftest import Api, World
from tests.factories import APIKeyFactory, JobFactory, JobTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMA = {"type": "object", "properties": {"reading": {"type": "number"}}, "required": ["reading"]}


def run_client(server_url: str, token: str | None, session: Any) -> Any:
    """Connect the official client with `token` and run `await session(client)`."""

    async def main() -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(f"{server_url}/mcp", http_client=http)) as client,
        ):
            return await session(client)

    return anyio.run(main)


def text_of(result: Any) -> Any:
    return json.loads(result.content[0].text)


def test_initialize_and_list_everything(server_url: str, world: World) -> None:
    async def session(client: Client) -> Any:
        tools = await client.list_tools()
        resources = await client.list_resources()
        prompts = await client.list_prompts()
        return client.server_info, tools, resources, prompts

    info, tools, resources, prompts = run_client(server_url, world.a.token, session)
    assert info is not None and info.name == "shocking-energy"
    names = {tool.name for tool in tools.tools}
    assert {"list_jobs", "get_job", "create_job", "cancel_job", "assign_job", "start_job", "complete_job"} <= names
    assert {"list_assets", "get_asset_history", "list_projects", "list_clients", "list_sites"} <= names
    assert {"list_invoices", "get_invoice", "draft_invoice", "search", "job_metrics", "get_team"} <= names
    create = next(tool for tool in tools.tools if tool.name == "create_job")
    assert create.input_schema["type"] == "object"
    assert {"job_type", "payload", "scheduled_date", "site_id"} <= set(create.input_schema["properties"])
    complete = next(tool for tool in tools.tools if tool.name == "complete_job")
    assert set(complete.input_schema["required"]) == {"job_id", "result_type"}
    assert {str(resource.uri) for resource in resources.resources} == {
        "shocking://team",
        "shocking://job-types",
        "shocking://asset-types",
        "shocking://openapi.json",
    }
    assert {prompt.name for prompt in prompts.prompts} == {
        "summarise_week",
        "overdue_work_for_site",
        "draft_invoice_for_client",
    }


def test_create_a_job_with_a_tool_and_see_it_over_rest(server_url: str, world: World) -> None:
    JobTypeFactory(team=world.a.team, key="meter-read", payload_schema=SCHEMA)

    async def session(client: Client) -> Any:
        return await client.call_tool(
            "create_job", {"job_type": "meter-read", "payload": {"reading": 4.2}, "scheduled_date": "2026-03-15"}
        )

    result = run_client(server_url, world.a.token, session)
    assert not result.is_error, result
    job = result.structured_content["data"]
    assert text_of(result) == result.structured_content
    assert job["status"] == "PENDING" and job["payload"] == {"reading": 4.2}
    assert job["createdBy"]["type"] == "apiKey"

    over_rest = Api(world.a.token).get(f"/v1/jobs/{job['id']}")
    assert over_rest.status_code == 200
    assert over_rest.data["scheduledDate"] == "2026-03-15"
    assert Job.objects.get(pk=job["id"]).team == world.a.team


def test_lists_are_paginated_with_the_rest_cursor(server_url: str, world: World) -> None:
    for _ in range(3):
        JobFactory(team=world.a.team)
    JobFactory(team=world.b.team)

    async def session(client: Client) -> Any:
        first = await client.call_tool("list_jobs", {"limit": 2})
        second = await client.call_tool(
            "list_jobs", {"limit": 2, "last_evaluated_key": first.structured_content["lastEvaluatedKey"]}
        )
        return first, second

    first, second = run_client(server_url, world.a.token, session)
    assert len(first.structured_content["data"]) == 2 and first.structured_content["lastEvaluatedKey"]
    assert len(second.structured_content["data"]) == 1 and second.structured_content["lastEvaluatedKey"] is None
    seen = {job["id"] for job in first.structured_content["data"] + second.structured_content["data"]}
    assert seen == {str(job.pk) for job in Job.objects.filter(team=world.a.team)}


def test_the_job_lifecycle_through_tools(server_url: str, world: World) -> None:
    job = JobFactory(team=world.a.team)

    async def session(client: Client) -> Any:
        early = await client.call_tool("complete_job", {"job_id": str(job.pk), "result_type": "SUCCESS"})
        engineer = str(world.a.engineer.pk)
        assigned = await client.call_tool("assign_job", {"job_id": str(job.pk), "engineer_id": engineer})
        started = await client.call_tool("start_job", {"job_id": str(job.pk)})
        done = await client.call_tool(
            "complete_job", {"job_id": str(job.pk), "result_type": "PARTIAL", "result": {"fault_code": "E1"}}
        )
        fetched = await client.call_tool("get_job", {"job_id": str(job.pk)})
        return early, assigned, started, done, fetched

    early, assigned, started, done, fetched = run_client(server_url, world.a.token, session)
    # A refused business action (a DomainError in the service) is a tool error with the REST issues.
    assert early.is_error
    assert early.structured_content["status"] == 409 and early.structured_content["error"] == "ConflictError"
    assert early.structured_content["issues"][0]["path"] == "status"
    assert [r.structured_content["data"]["status"] for r in (assigned, started, done)] == [
        "ASSIGNED",
        "IN_PROGRESS",
        "COMPLETED",
    ]
    events = [event["toStatus"] for event in fetched.structured_content["data"]["events"]]
    assert events == ["ASSIGNED", "IN_PROGRESS", "COMPLETED"]  # the factory records no creation event
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.result == {"fault_code": "E1"}


def test_bad_input_and_other_teams_ids_are_tool_errors(server_url: str, world: World) -> None:
    theirs = JobFactory(team=world.b.team)

    async def session(client: Client) -> Any:
        missing = await client.call_tool("get_job", {"job_id": str(theirs.pk)})
        cancelled = await client.call_tool("cancel_job", {"job_id": str(theirs.pk), "reason": "mine now"})
        bad = await client.call_tool("create_job", {"job_type": "no-such-type"})
        malformed = await client.call_tool("get_job", {"job_id": "not-a-uuid"})
        return missing, cancelled, bad, malformed

    missing, cancelled, bad, malformed = run_client(server_url, world.a.token, session)
    for result in (missing, cancelled):
        assert result.is_error and result.structured_content["status"] == 404
    assert bad.is_error and bad.structured_content["status"] == 400
    assert bad.structured_content["issues"][0]["path"] == "jobType"
    assert malformed.is_error  # refused by the tool's input schema before any REST call
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.PENDING


def test_a_token_without_the_scope_gets_a_tool_error_naming_it(server_url: str, world: World) -> None:
    read_only = APIKeyFactory(team=world.a.team, scopes=["jobs.read"], created_by=world.a.owner).token
    JobTypeFactory(team=world.a.team, key="meter-read")

    async def session(client: Client) -> Any:
        listed = await client.call_tool("list_jobs", {})
        created = await client.call_tool("create_job", {"job_type": "meter-read"})
        invoices = await client.call_tool("list_invoices", {})
        return listed, created, invoices

    listed, created, invoices = run_client(server_url, read_only, session)
    assert not listed.is_error
    assert created.is_error and created.structured_content["status"] == 403
    assert "jobs.write" in created.content[0].text
    assert invoices.is_error and "invoices.read" in invoices.content[0].text
    assert not Job.objects.exists()


def test_resources_and_prompts(server_url: str, world: World) -> None:
    JobTypeFactory(team=world.a.team, key="boiler-service", payload_schema=SCHEMA)
    JobTypeFactory(team=world.b.team, key="secret-type")

    async def session(client: Client) -> Any:
        team = await client.read_resource("shocking://team")
        job_types = await client.read_resource("shocking://job-types")
        contract = await client.read_resource("shocking://openapi.json")
        prompt = await client.get_prompt("overdue_work_for_site", {"site_id": "3f1c0e1e-0000-4000-8000-000000000001"})
        return team, job_types, contract, prompt

    team, job_types, contract, prompt = run_client(server_url, world.a.token, session)
    assert json.loads(team.contents[0].text)["team"]["id"] == str(world.a.team.pk)
    types = json.loads(job_types.contents[0].text)
    assert [t["key"] for t in types] == ["boiler-service"] and types[0]["payloadSchema"] == SCHEMA
    assert json.loads(contract.contents[0].text)["openapi"].startswith("3.1")
    message = prompt.messages[0].content.text
    assert "list_jobs" in message and "3f1c0e1e-0000-4000-8000-000000000001" in message


def test_a_resource_needs_its_scope(server_url: str, world: World) -> None:
    jobs_only = APIKeyFactory(team=world.a.team, scopes=["jobs.read"]).token

    async def session(client: Client) -> Any:
        try:
            await client.read_resource("shocking://team")
        except Exception as exc:  # the SDK raises the JSON-RPC error
            return str(exc)
        return None

    error = run_client(server_url, jobs_only, session)
    assert error is not None and "team.read" in error


def test_the_job_types_resource_reads_through_the_registry_with_its_scope(server_url: str, world: World) -> None:
    JobTypeFactory(team=world.a.team, key="older")
    JobTypeFactory(team=world.a.team, key="newer")
    team_only = APIKeyFactory(team=world.a.team, scopes=["team.read"]).token

    async def session(client: Client) -> Any:
        try:
            await client.read_resource("shocking://job-types")
        except Exception as exc:  # the SDK raises the JSON-RPC error
            return str(exc)
        return None

    error = run_client(server_url, team_only, session)
    assert error is not None and "jobs.read" in error

    async def read(client: Client) -> Any:
        return await client.read_resource("shocking://job-types")

    shown = json.loads(run_client(server_url, world.a.token, read).contents[0].text)
    assert shown == world.api.get("/v1/job-types").data  # newest first, as the REST list shows them


def post_initialize(server_url: str, headers: dict[str, str]) -> httpx2.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    return httpx2.post(
        f"{server_url}/mcp",
        json=body,
        headers={"Accept": "application/json, text/event-stream", **headers},
        timeout=30,
    )


@pytest.mark.parametrize("authorization", [None, "Bearer se_not_a_key", "Bearer se_oauth_not_a_token", "Basic abc"])
def test_no_or_bad_token_is_401_pointing_at_the_resource_metadata(
    server_url: str, world: World, authorization: str | None
) -> None:
    response = post_initialize(server_url, {"Authorization": authorization} if authorization else {})
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{server_url}/.well-known/oauth-protected-resource/mcp"' in challenge
    metadata = httpx2.get(f"{server_url}/.well-known/oauth-protected-resource/mcp", timeout=30).json()
    assert metadata["resource"] == f"{server_url}/mcp"
    assert metadata["authorization_servers"] == [server_url]


def test_a_revoked_key_is_refused_at_once(server_url: str, world: World) -> None:
    key = APIKeyFactory(team=world.a.team, scopes=list(ALL_SCOPES), created_by=world.a.owner)
    assert post_initialize(server_url, {"Authorization": f"Bearer {key.token}"}).status_code == 200
    revoke_api_key(key=key)
    assert post_initialize(server_url, {"Authorization": f"Bearer {key.token}"}).status_code == 401


def test_django_still_serves_everything_else(server_url: str, world: World) -> None:
    response = httpx2.get(f"{server_url}/v1/jobs", headers={"Authorization": f"Bearer {world.a.token}"}, timeout=30)
    assert response.status_code == 200 and response.json()["success"] is True
    assert httpx2.get(f"{server_url}/v1/openapi.json", timeout=30).status_code == 200
