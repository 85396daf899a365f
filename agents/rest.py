"""Run one /v1 operation in-process on behalf of an MCP tool call.

A tool is the REST operation, not a copy of it: the request goes to the very view that serves
`/v1/...`, with the caller's own bearer token, so authentication, scopes, team scoping, input
validation, throttling, the services behind the view, serialization and the error envelope are the
ones the REST API uses — there is no second implementation of any rule to drift.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from django.urls import Resolver404, resolve

from core.api.errors import camel, error_body
from core.api.middleware import new_request_id


@dataclass(frozen=True)
class RestAnswer:
    """The status and decoded JSON body of a /v1 answer."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def wire_params(params: dict[str, Any]) -> dict[str, Any]:
    """Tool arguments (snake_case, `None` for absent) → the API's camelCase fields."""
    return {camel(name): _wire_value(value) for name, value in params.items() if value is not None}


def _wire_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_wire_value(item) for item in value]
    if isinstance(value, dict):
        return value  # free-form JSON (payloads, results) keeps its keys
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)  # UUIDs, dates, enum members


def call(token: str, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None) -> RestAnswer:
    """Call `method path` with `Authorization: Bearer <token>` and return its answer (sync; run in a thread)."""
    close_old_connections()
    try:
        return _dispatch(token, method, path, query or {}, body)
    finally:
        close_old_connections()


def _dispatch(token: str, method: str, path: str, query: dict[str, Any], body: Any) -> RestAnswer:
    payload = b"" if body is None else json.dumps(body).encode()
    request = WSGIRequest(
        {
            "REQUEST_METHOD": method.upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": urlencode(query, doseq=True),
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(payload)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_ACCEPT": "application/json",
            "HTTP_USER_AGENT": "shocking-energy-mcp",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(payload),
        }
    )
    request.request_id = new_request_id()  # type: ignore[attr-defined]
    try:
        match = resolve(path)
    except Resolver404:
        issue = {"message": f"No route matches {method.upper()} {path}.", "path": ""}
        return RestAnswer(404, error_body(404, [issue], request.request_id))  # type: ignore[attr-defined]
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    return RestAnswer(response.status_code, json.loads(response.content) if response.content else None)
