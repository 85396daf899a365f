"""The /mcp challenge names the scopes its tools need, so an OAuth client asks for those and no more."""

from __future__ import annotations

import inspect
import re

import httpx2
import pytest
from mcp.client.auth.utils import extract_scope_from_www_auth

from accounts.scopes import ALL_SCOPES, grants
from agents import prompts, resources, tools
from agents.server import MCP_SCOPES
from tests.conftest import World
from tests.mcp.test_mcp import post_initialize

SCOPE_NAMED = re.compile(r"\bscope ([a-z]+\.(?:read|write))\b")


def named_scopes() -> set[str]:
    """Every scope a tool, resource or prompt says it needs (each says it in its description)."""
    return {scope for module in (tools, resources, prompts) for scope in SCOPE_NAMED.findall(inspect.getsource(module))}


def test_the_declared_scopes_cover_every_tool_and_no_more() -> None:
    needed = named_scopes()
    assert needed, "no tool names its scope: the pattern no longer matches the descriptions"
    assert not [scope for scope in needed if not grants(MCP_SCOPES, scope)]
    # No scope is asked for that no tool needs (a write scope only when some tool writes).
    for scope in MCP_SCOPES:
        assert scope in needed or any(grants([scope], other) for other in needed), scope
    assert set(MCP_SCOPES) < set(ALL_SCOPES)
    assert "webhooks.read" not in MCP_SCOPES and "webhooks.write" not in MCP_SCOPES


@pytest.mark.django_db(transaction=True)
def test_the_401_challenge_names_the_scopes_the_sdk_will_request(server_url: str, world: World) -> None:
    response = post_initialize(server_url, {})
    assert response.status_code == 401
    scope = extract_scope_from_www_auth(httpx2.Response(401, headers=dict(response.headers)))
    assert scope is not None
    assert scope.split() == [str(s) for s in MCP_SCOPES]
