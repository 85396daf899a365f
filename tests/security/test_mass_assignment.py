"""Mass assignment, generated: no POST lets a client set a field the server owns.

For every POST operation, the read-only fields are the ones its success answer shows (from the
OpenAPI schema) that its request serializer does not accept — `id`, `status`, `number`,
`createdBy`, `createdAt`, … — plus `team`/`teamId`, which no answer shows. Sending any of them,
alongside an otherwise valid body, is a 400 naming each of them, and no table changes.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from PIL import Image
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.serializers import FileField

from core.api.errors import camel
from tests.conftest import World
from tests.openapi import schema
from tests.security.discovery import (
    Endpoint,
    camelize,
    changed_tables,
    database_state,
    example_body,
    is_input_serializer,
    nested_serializers,
    post_endpoints,
    seed,
    writable_names,
)
from tests.security.test_tenancy import path_rows, url_for

pytestmark = pytest.mark.django_db

ALWAYS_SERVER_OWNED = {"team", "teamId"}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _properties(node: dict[str, Any]) -> dict[str, Any]:
    node = _resolve(node)
    found = dict(node.get("properties", {}))
    for part in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", []):
        found.update(_properties(part))
    return found


def answer_fields(endpoint: Endpoint) -> dict[str, Any]:
    """The fields of `data` in the operation's success answer (camelCase), with their schemas."""
    operation = schema()["paths"][endpoint.path]["post"]
    found: dict[str, Any] = {}
    for status, response in operation["responses"].items():
        if not status.startswith("2"):
            continue
        body = response.get("content", {}).get("application/json", {}).get("schema")
        if body is not None and "data" in _properties(body):
            data = _resolve(_properties(body)["data"])
            found.update(_properties(data.get("items", data)))
    return found


def read_only_fields(endpoint: Endpoint) -> dict[str, Any]:
    writable = {camel(name) for name in writable_names(endpoint.request_serializer)}
    shown = answer_fields(endpoint)
    fields = {name: spec for name, spec in shown.items() if name not in writable}
    fields.update({name: {"type": "string"} for name in ALWAYS_SERVER_OWNED - writable})
    return fields


def forged_value(spec: dict[str, Any], other_team_id: str) -> Any:
    spec = _resolve(spec)
    kind = spec.get("type", "string")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if spec.get("format") == "uuid" or "enum" in spec:
        return spec["enum"][-1] if "enum" in spec else other_team_id
    return {"integer": 999_999, "number": 1.5, "boolean": True, "object": {}, "array": []}.get(kind, "forged")


def test_every_request_serializer_refuses_unknown_fields() -> None:
    """Unknown (and read-only) fields are refused at every depth, so nothing is silently dropped or set."""
    lax = [
        f"{endpoint}: {type(inner).__name__}"
        for endpoint in post_endpoints()
        if endpoint.request_serializer is not None
        for inner in nested_serializers(endpoint.request_serializer)
        if not is_input_serializer(inner)
    ]
    assert not lax, lax


def post_as_the_endpoint_parses(world: World, endpoint: Endpoint, url: str, body: dict[str, Any]) -> Any:
    """JSON, or a multipart form for an upload endpoint (its files: a real small PNG)."""
    if JSONParser in endpoint.view.parser_classes or not any(
        issubclass(parser, MultiPartParser) for parser in endpoint.view.parser_classes
    ):
        return world.api.post(url, body)
    files = {name for name, field in endpoint.request_serializer.fields.items() if isinstance(field, FileField)}
    image = io.BytesIO()
    Image.new("RGB", (8, 8)).save(image, format="PNG")
    form = {
        name: SimpleUploadedFile("probe.png", image.getvalue(), "image/png")
        if name in files
        else (value if isinstance(value, str) else json.dumps(value))
        for name, value in body.items()
    }
    boundary = "ProbeBoundary"
    raw = encode_multipart(boundary, form)
    return world.api.request("post", url, raw_body=raw, content_type=f"multipart/form-data; boundary={boundary}")


def test_no_post_sets_a_server_owned_field(world: World) -> None:
    ours, theirs = seed(world.a.team, world.a.token), seed(world.b.team, world.b.token)
    attempts = 0
    failures = []
    for endpoint in post_endpoints():
        if endpoint.request_serializer is None:
            continue
        url = url_for(endpoint, path_rows(endpoint, ours))
        body = camelize(example_body(endpoint.request_serializer, ours))
        forged_fields = {
            name: forged_value(spec, str(theirs.team.pk)) for name, spec in read_only_fields(endpoint).items()
        }
        before = database_state()
        # All at once: the request serializer names every field it refuses, so one request per endpoint
        # shows which (if any) would have been taken.
        response = post_as_the_endpoint_parses(world, endpoint, url, {**body, **forged_fields})
        changed = changed_tables(before, database_state())
        attempts += len(forged_fields)
        taken = sorted(set(forged_fields) - set(response.issue_paths if response.status_code == 400 else []))
        if taken or changed:
            failures.append(f"{endpoint}: {response.status_code}, not refused: {taken}, changed: {changed}")
    assert not failures, "\n".join(failures)


def test_the_generated_list_names_the_usual_suspects() -> None:
    """A sanity check on the generator: the fields the issue names are among those it tries."""
    tried = {
        name for endpoint in post_endpoints() if endpoint.request_serializer for name in read_only_fields(endpoint)
    }
    assert {"team", "id", "status", "number", "createdBy", "createdAt"} <= tried, sorted(tried)
