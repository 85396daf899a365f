"""`/mcp` behind more than one server process: every request may land on another worker.

Two server processes (uvicorn, the project's ASGI app) run against the test database; the official
client's requests go through a round-robin balancer, so consecutive requests of one MCP session reach
different processes, as behind a load balancer. With per-process MCP sessions this fails with
"Session not found" as soon as a request reaches the worker that did not initialize the session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from django.db import connection
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import World
from tests.factories import JobTypeFactory
from tests.mcp.live import disconnect_server_threads, free_port

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)  # noqa: S603 - loopback


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx2.get(f"{base}/v1/openapi.json", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server process did not start")
        time.sleep(0.2)


class RoundRobin(httpx2.AsyncBaseTransport):
    """A load balancer in the client: request N goes to server N mod 2 (each a process of its own)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.sent = ports, 0
        self.transport = httpx2.AsyncHTTPTransport(limits=httpx2.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = self.ports[self.sent % len(self.ports)]
        self.sent += 1
        request.url = request.url.copy_with(port=port)
        request.headers["Host"] = f"127.0.0.1:{port}"
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.transport.aclose()


@pytest.fixture
def two_workers(world: World) -> Iterator[list[int]]:
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url, "CONN_MAX_AGE": "0"}
    env.pop("REDIS_URL", None)
    ports = [free_port(), free_port()]
    servers = [start_server(port, env) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}", server)
        yield ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        disconnect_server_threads()  # the workers' sessions, so the test database can be dropped


def test_the_official_client_works_against_two_workers(two_workers: list[int], world: World) -> None:
    JobTypeFactory(team=world.a.team, key="meter-read", name="Meter read")

    async def main() -> tuple[int, list[str]]:
        balancer = RoundRobin(two_workers)
        headers = {"Authorization": f"Bearer {world.a.token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30, transport=balancer) as http,
            Client(streamable_http_client(f"http://127.0.0.1:{two_workers[0]}/mcp", http_client=http)) as client,
        ):
            tools = await client.list_tools()
            created = []
            for _ in range(12):
                result = await client.call_tool("create_job", {"job_type": "meter-read"})
                assert not result.is_error, result
                created.append(result.structured_content or result.content[0].text)
            listed = await client.call_tool("list_jobs", {"limit": 50})
            assert not listed.is_error
            assert balancer.sent > 14  # every call went through the balancer, alternating workers
            return len(tools.tools), [str(item) for item in created]

    tool_count, created = anyio.run(main)
    assert tool_count > 10
    assert len(created) == 12
    from jobs.models import Job

    assert Job.objects.filter(team=world.a.team).count() == 12


def rpc_result(response: httpx2.Response) -> Any:
    """The JSON-RPC result of a Streamable HTTP answer (plain JSON or a one-event SSE stream)."""
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("text/event-stream"):
        data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
        message = json.loads(data[-1])
    else:
        message = response.json()
    assert "error" not in message, message
    return message["result"]


@pytest.mark.parametrize("protocol_version", ["2025-06-18", "2025-11-25"])
def test_a_handshake_era_client_works_against_two_workers(
    two_workers: list[int], world: World, protocol_version: str
) -> None:
    """Clients speaking the 2025 handshake (initialize, then a session id) reach either worker."""
    JobTypeFactory(team=world.a.team, key="meter-read", name="Meter read")
    headers = {"Authorization": f"Bearer {world.a.token}", "Accept": "application/json, text/event-stream"}
    urls = [f"http://127.0.0.1:{port}/mcp" for port in two_workers]
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": protocol_version,
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    first = httpx2.post(urls[0], json=initialize, headers=headers, timeout=30)
    assert rpc_result(first)["protocolVersion"] == protocol_version
    headers["MCP-Protocol-Version"] = protocol_version
    if "mcp-session-id" in first.headers:
        headers["Mcp-Session-Id"] = first.headers["mcp-session-id"]
    notified = httpx2.post(urls[1], json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
    assert notified.status_code == 202, notified.text
    listed = httpx2.post(urls[1], json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=headers)
    assert "create_job" in {tool["name"] for tool in rpc_result(listed)["tools"]}
    call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "create_job", "arguments": {"job_type": "meter-read"}}}  # fmt: skip
    for url in urls:
        assert rpc_result(httpx2.post(url, json=call, headers=headers, timeout=30))["isError"] is False
    from jobs.models import Job

    assert Job.objects.filter(team=world.a.team).count() == 2


def _sessions_opened() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        (sessions,) = cursor.fetchone()
    return int(sessions)


def test_an_asgi_worker_keeps_its_connections_across_requests(two_workers: list[int], world: World) -> None:
    """Django's connections are per request under ASGI; config.asgi pools them (config.settings' DB_POOL),
    so 30 requests reuse a few connections instead of opening one each (~30 ms apiece)."""
    base = f"http://127.0.0.1:{two_workers[0]}"
    headers = {"Authorization": f"Bearer {world.a.token}"}
    httpx2.get(f"{base}/v1/jobs", headers=headers, timeout=30).raise_for_status()  # the pool is open
    before = _sessions_opened()
    with httpx2.Client(headers=headers, timeout=30) as http:
        for _ in range(30):
            http.get(f"{base}/v1/jobs").raise_for_status()
            http.post(f"{base}/v1/jobs", json={"jobType": "nope"})  # a 400 after a read: the same connections
    opened = _sessions_opened() - before
    assert opened <= 2, opened  # this test's own reads of the count, at most; never one per request
