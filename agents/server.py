"""The MCP server at /mcp (official `mcp` SDK, Streamable HTTP) and its bearer-token gate.

Authentication is the API's: the token verifier resolves the bearer token with the same
`core.api.authentication.authenticate_token` the REST API uses (API keys and OAuth tokens alike).
No token, or a token that does not resolve, is a 401 whose `WWW-Authenticate` header names the
protected-resource metadata (`/.well-known/oauth-protected-resource/mcp`), as the MCP authorization
spec requires, and the scopes the tools need (`MCP_SCOPES`), so an OAuth client asks for no more.
Scopes are checked per tool by the REST view each tool runs (see agents/rest.py).
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, BearerAuthBackend
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import TransportSecuritySettings
from rest_framework.exceptions import AuthenticationFailed
from starlette.datastructures import Headers
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from accounts.scopes import Scope as APIScope
from agents import prompts, resources, tools
from core.api.authentication import authenticate_token

MCP_PATH = "/mcp"
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource" + MCP_PATH
# What the tools, resources and prompts need, and so what an agent should ask for: each tool names its
# scope and a test checks this covers every one of them (a write scope includes its read scope).
MCP_SCOPES: tuple[str, ...] = (
    APIScope.JOBS_WRITE,
    APIScope.FLOWS_READ,
    APIScope.ASSETS_READ,
    APIScope.PROJECTS_READ,
    APIScope.INVOICES_READ,
    APIScope.PLANS_READ,
    APIScope.TEAM_READ,
)
INSTRUCTIONS = (
    "Shocking Energy is a field-service platform: jobs (service visits) of job types, moving PENDING → "
    "ASSIGNED → IN_PROGRESS → COMPLETED or CANCELLED; assets installed at sites of clients; projects; "
    "invoices. Every tool is one REST operation of /v1 and needs the scope it names. Read the job-types "
    "resource before creating jobs. Lists are paginated: pass last_evaluated_key back for the next page."
)


class APITokenVerifier:
    """The SDK's token verifier, backed by the API's bearer authentication."""

    async def verify_token(self, token: str) -> AccessToken | None:
        return await sync_to_async(_verify, thread_sensitive=True)(token)


def _verify(token: str) -> AccessToken | None:
    close_old_connections()
    try:
        principal = authenticate_token(token)
    except AuthenticationFailed:
        return None
    finally:
        close_old_connections()
    expires_at = principal.credential.expires_at
    return AccessToken(
        token=token,
        client_id=f"{principal.credential.kind}:{principal.credential.pk}",
        scopes=sorted(principal.scopes),
        expires_at=int(expires_at.timestamp()) if expires_at is not None else None,
    )


def resource_metadata_url(scope: Scope) -> str:
    """The absolute URL of /mcp's RFC 9728 document, on the host the client used."""
    headers = Headers(scope=scope)
    host = headers.get("host") or "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{RESOURCE_METADATA_PATH}"


class RequireBearerToken:
    """401 (with the metadata pointer) unless the SDK's bearer backend authenticated the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or isinstance(scope.get("user"), AuthenticatedUser):
            await self.app(scope, receive, send)
            return
        has_token = "authorization" in Headers(scope=scope)
        description = "The bearer token is invalid, expired or revoked." if has_token else "Authentication required."
        challenge = f'Bearer error="invalid_token", error_description="{description}", '
        challenge += f'resource_metadata="{resource_metadata_url(scope)}", scope="{" ".join(MCP_SCOPES)}"'
        body = json.dumps({"error": "invalid_token", "error_description": description}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", challenge.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def transport_security() -> TransportSecuritySettings:
    """DNS-rebinding protection that accepts exactly the hosts Django accepts (`ALLOWED_HOSTS`)."""
    hosts = [host for host in settings.ALLOWED_HOSTS if host and not host.startswith(".")]
    if "*" in settings.ALLOWED_HOSTS:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[pattern for host in hosts for pattern in (host, f"{host}:*")],
        allowed_origins=[
            f"{scheme}://{host}{port}" for host in hosts for scheme in ("http", "https") for port in ("", ":*")
        ],
    )


def build_server() -> MCPServer:
    server: MCPServer = MCPServer(
        "shocking-energy",
        title="Shocking Energy",
        instructions=INSTRUCTIONS,
        website_url="https://shocking.example.com",
        version="1.0.0",
    )
    tools.register(server)
    resources.register(server)
    prompts.register(server)
    return server


def build_app(server: MCPServer | None = None) -> Any:
    """The ASGI app serving /mcp: bearer authentication around the SDK's Streamable HTTP app.

    Its lifespan runs the SDK's session manager, so the project's ASGI router sends lifespan here.
    Stateless HTTP: no MCP session lives in a process, so any request of any client (the 2025
    handshake era's included, whose session ids would otherwise be known to one worker only) can be
    served by any worker of any machine. Nothing the tools do needs a session: each call is one REST
    operation with the caller's token.
    """
    server = server or build_server()
    app: Any = server.streamable_http_app(
        streamable_http_path=MCP_PATH, transport_security=transport_security(), stateless_http=True
    )
    app = RequireBearerToken(app)
    app = AuthContextMiddleware(app)
    return AuthenticationMiddleware(app, backend=BearerAuthBackend(APITokenVerifier()))
