"""The `list_events` tool: the events feed (`GET /v1/events`) over MCP, with the caller's scopes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F
from mcp import Client

from accounts.models import Actor
from jobs.services import assign_job, create_job
from tests.conftest import World
from tests.factories import JobTypeFactory
from tests.mcp.test_mcp import run_client
from webhooks.models import EventType, WebhookEvent
from webhooks.services import record_event

pytestmark = pytest.mark.django_db(transaction=True)
SYSTEM = Actor(user=None, api_key=None)


def test_list_events_reads_the_feed_with_the_callers_scopes(server_url: str, world: World) -> None:
    job = create_job(team=world.a.team, actor=SYSTEM, job_type=JobTypeFactory(team=world.a.team))
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    theirs = create_job(team=world.b.team, actor=SYSTEM, job_type=JobTypeFactory(team=world.b.team))
    record_event(EventType.JOB_CANCELLED, theirs)
    # older than the few seconds the catch-up order waits for events still being committed
    WebhookEvent.objects.update(created_at=F("created_at") - dt.timedelta(minutes=1))

    async def session(client: Client) -> Any:
        newest = await client.call_tool("list_events", {})
        one_object = await client.call_tool("list_events", {"object_id": str(job.pk), "type": ["job.created"]})
        oldest = await client.call_tool("list_events", {"sort_order": "asc", "limit": 1})
        return newest, one_object, oldest

    newest, one_object, oldest = run_client(server_url, world.a.token, session)
    assert not newest.is_error, newest
    assert [event["type"] for event in newest.structured_content["data"]] == ["job.assigned", "job.created"]
    assert newest.structured_content["data"][0]["data"]["object"]["id"] == str(job.pk)
    assert [event["type"] for event in one_object.structured_content["data"]] == ["job.created"]
    assert [event["type"] for event in oldest.structured_content["data"]] == ["job.created"]
    assert oldest.structured_content["lastEvaluatedKey"]  # catching up: a position to come back to

    async def refused(client: Client) -> Any:
        return await client.call_tool("list_events", {"type": ["job.created"]})

    result = run_client(server_url, world.a.token_with(["assets.read"]), refused)
    assert result.is_error and result.structured_content["status"] == 403
    assert "'jobs.read'" in result.structured_content["message"]
