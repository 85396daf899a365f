"""The MCP plan tools over a live server: `list_maintenance_plans` and `list_upcoming_visits` (scope plans.read)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from mcp import Client

from tests.conftest import World
from tests.mcp.live import server_url
from tests.mcp.test_mcp import run_client
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["server_url"]  # the live-server fixture the MCP tests use


def test_plans_and_upcoming_visits_through_tools(server_url: str, world: World) -> None:
    today = timezone.localdate()
    soon = make_plan(world.a.team, today=today, start_date=today + dt.timedelta(days=5))
    make_plan(world.a.team, today=today, start_date=today + dt.timedelta(days=200))
    make_plan(world.b.team, today=today, start_date=today + dt.timedelta(days=5))

    async def session(client: Client) -> Any:
        every = await client.call_tool("list_maintenance_plans", {"client_id": str(soon.client_id)})
        upcoming = await client.call_tool("list_upcoming_visits", {"days": 30})
        return every, upcoming

    every, upcoming = run_client(server_url, world.a.token, session)
    assert not every.is_error and [p["id"] for p in every.structured_content["data"]] == [str(soon.pk)]
    assert [p["id"] for p in upcoming.structured_content["data"]] == [str(soon.pk)], "200 days away is not upcoming"

    async def refused(client: Client) -> Any:
        return await client.call_tool("list_upcoming_visits", {})

    result = run_client(server_url, world.a.token_with(["jobs.read"]), refused)
    assert result.is_error and result.structured_content["status"] == 403
    assert "'plans.read'" in result.structured_content["message"]
