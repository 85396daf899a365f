"""Validate every /v1 response the tests see against the OpenAPI schema the server publishes."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:openapi"


@functools.cache
def schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, default=str))


@functools.cache
def _registry() -> Registry:
    return Registry().with_resource(BASE, Resource.from_contents(schema(), default_specification=DRAFT202012))


@functools.cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = []
    for template in schema()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        routes.append((re.compile(f"^{pattern}$"), template))
    # Literal segments win over parameters (/assets/filter-options before /assets/{id}).
    return sorted(routes, key=lambda item: item[1].count("{"))


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _validate(instance: Any, pointer: str) -> None:
    validator = Draft202012Validator(
        {"$ref": BASE + pointer}, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        details = "\n".join(f"  at {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:10])
        raise AssertionError(f"Response does not match the schema {pointer}:\n{details}")


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template in _routes():
        if pattern.match(path):
            operation = schema()["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
    return None


def assert_matches_schema(method: str, path: str, response: Any) -> None:
    """The status is documented for the operation and the JSON body matches its schema."""
    if not path.startswith("/v1/") or path in ("/v1/openapi.json", "/v1/docs"):
        return
    assert response.headers.get("X-Request-Id", "").startswith("req_"), "every response has an X-Request-Id"
    status = str(response.status_code)
    is_json = response.get("Content-Type", "").startswith("application/json")
    body = json.loads(response.content) if response.content and is_json else None
    if status >= "400":
        assert body is not None, "an error has a body"
        assert body["request_id"] == response.headers["X-Request-Id"], "error body carries the request id"
    found = operation_for(method, path)
    if found is None:
        assert status in ("404", "405"), f"{method} {path} is not in the schema but answered {status}"
        _validate(body, "#/components/schemas/Error")
        return
    template, operation = found
    responses = operation["responses"]
    assert status in responses, f"{method.upper()} {template} answered {status}, not documented ({sorted(responses)})"
    content = responses[status].get("content", {})
    if "application/json" in content and body is not None:
        pointer = _pointer("paths", template, method.lower(), "responses", status, "content", "application/json")
        _validate(body, pointer + "/schema")
