"""ASGI entry point (uvicorn, or gunicorn with uvicorn workers): Django, and the MCP server at /mcp.

`/mcp` goes to the MCP app (agents/server.py), everything else to Django. The ASGI lifespan goes to
the MCP app too: it starts the SDK's session manager, without which every /mcp call fails.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django's connections are per request under ASGI: pooled, or each request opens its own (config.settings).
os.environ.setdefault("DB_POOL", "true")

django_application = get_asgi_application()  # sets Django up before anything imports models

from agents.server import MCP_PATH, build_app  # noqa: E402

Scope = dict[str, Any]


def is_mcp_path(path: str) -> bool:
    return path == MCP_PATH or path.startswith(MCP_PATH + "/")


def build_application(mcp_application: Any | None = None) -> Any:
    """The project's ASGI application; tests build a fresh one per server they start."""
    mcp_app = mcp_application or build_app()

    async def application(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" or (scope["type"] == "http" and is_mcp_path(scope["path"])):
            await mcp_app(scope, receive, send)
        else:
            await django_application(scope, receive, send)

    return application


application = build_application()
