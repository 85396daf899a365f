"""Hostile input on every route: refused with a 4xx in the envelope, or stored exactly as sent — never a 5xx.

Generated from the URL conf and the request serializers: for every POST, every field of each kind
gets the hostile value (NUL bytes, lone surrogates, SQL and HTML, overflowing and negative numbers,
NaN and infinities, huge strings, deeply nested JSON), and every list gets absurd query parameters.
Schemathesis (tests/fuzz) explores the schema's space; these are the known-nasty values it rarely hits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from core.api.serializers import JSONObjectField, TeamPrimaryKeyField
from tests.conftest import World
from tests.factories import JobFactory, JobTypeFactory
from tests.openapi import schema
from tests.security.discovery import TeamRows, camelize, endpoints, example_body, post_endpoints, seed
from tests.security.test_tenancy import path_rows, url_for

pytestmark = pytest.mark.django_db

SQL_HTML = "'); DROP TABLE jobs_job; -- \" OR 1=1 <script>alert('x')</script> {{ 7*7 }} ${7*7}"
NESTING = 50_000
ONE_MIB = 1024 * 1024


def _is_text(body_field: Any) -> bool:
    from rest_framework import serializers

    return isinstance(body_field, serializers.CharField) and not isinstance(
        body_field, serializers.EmailField | serializers.URLField | serializers.UUIDField
    )


def _number_kind(body_field: Any) -> str | None:
    from rest_framework import serializers

    if isinstance(body_field, serializers.IntegerField):
        return "integer"
    if isinstance(body_field, serializers.DecimalField | serializers.FloatField):
        return "number"
    return None


Mutation = Callable[[Any, str], Any]  # (serializer field, name) -> hostile value, or ... to leave it

MUTATIONS: dict[str, Mutation] = {
    "NUL bytes": lambda f, n: "a\x00b" if _is_text(f) else ({"k\x00": "v\x00"} if _is_json(f) else ...),
    "lone surrogates": lambda f, n: "\ud800x" if _is_text(f) else ({"k": "\udfff"} if _is_json(f) else ...),
    "SQL and HTML": lambda f, n: SQL_HTML[: f.max_length or None] if _is_text(f) else ...,
    "overflowing numbers": lambda f, n: {"integer": 10**40, "number": "1e40"}.get(_number_kind(f) or "", ...),
    "negative numbers": lambda f, n: {"integer": -(2**63) - 1, "number": "-1e20"}.get(_number_kind(f) or "", ...),
    "huge strings": lambda f, n: "x" * 300_000 if _is_text(f) else ...,
    "wrong types": lambda f, n: {"nested": [1, None, True]} if not isinstance(f, TeamPrimaryKeyField) else [[]],
    "deep JSON in free-form fields": lambda f, n: _deep_object(200) if _is_json(f) else ...,
    "NaN in free-form fields": lambda f, n: {"reading": float("nan"), "max": float("inf")} if _is_json(f) else ...,
}


def _is_json(body_field: Any) -> bool:
    from rest_framework import serializers

    return isinstance(body_field, JSONObjectField | serializers.JSONField | serializers.DictField)


def _deep_object(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        node = {"k": node}
    return node


def mutated(serializer: Any, rows: TeamRows, mutation: Mutation) -> tuple[dict[str, Any], bool]:
    """The example body with every writable field the mutation applies to replaced; and whether any was."""
    body = example_body(serializer, rows)
    touched = False
    for name, body_field in serializer.fields.items():
        if body_field.read_only:
            continue
        value = mutation(body_field, name)
        if value is not ...:
            body[name] = value
            touched = True
    return body, touched


def post(client: Client, token: str, url: str, raw: bytes | str) -> Any:
    return client.post(url, raw, content_type="application/json", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def rows(world: World) -> TeamRows:
    return seed(world.a.team, world.a.token)


def test_hostile_field_values_on_every_post(world: World, rows: TeamRows) -> None:
    client = Client(raise_request_exception=False)
    server_errors, stored, tried = [], [], 0
    for endpoint in post_endpoints():
        if endpoint.request_serializer is None:
            continue
        url = url_for(endpoint, path_rows(endpoint, rows))
        for label, mutation in MUTATIONS.items():
            body, touched = mutated(endpoint.request_serializer, rows, mutation)
            if not touched:
                continue
            tried += 1
            raw = json.dumps(camelize(body))  # ensure_ascii: NULs and surrogates travel as \u escapes
            response = post(client, world.a.token, url, raw)
            if response.status_code >= 500:
                server_errors.append(f"{endpoint} with {label}: {response.status_code} {response.content[:300]!r}")
            elif response.status_code < 300 and label == "SQL and HTML":
                stored.append(str(endpoint))
                assert json.dumps(SQL_HTML)[1:-1][:20] in response.content.decode(), f"{endpoint} changed the text"
    assert tried >= 60, tried
    assert not server_errors, "\n".join(server_errors)
    assert len(stored) >= 5, f"SQL/HTML text was stored verbatim by only {stored}"


@pytest.mark.parametrize(
    ("label", "raw"),
    [
        ("deeply nested arrays", "[" * NESTING + "]" * NESTING),
        ("deeply nested objects", '{"a":' * NESTING + "1" + "}" * NESTING),
        ("invalid UTF-8", b'{"name": "\xff\xfe\xc3\x28"}'),
        ("UTF-16", '{"name": "x"}'.encode("utf-16")),
        ("NUL outside strings", b'{"name": "x"}\x00'),
        ("NaN and Infinity", '{"name": NaN, "limit": Infinity, "count": -Infinity}'),
        ("a huge number", '{"name": 1' + "0" * 5000 + "}"),
        ("a huge exponent", '{"name": 1e999999}'),
        ("a top-level string", '"just a string"'),
        ("a top-level array", "[1, 2, 3]"),
        ("null", "null"),
    ],
)
def test_malformed_bodies_on_every_post(world: World, label: str, raw: str | bytes) -> None:
    client = Client(raise_request_exception=False)
    failures = []
    for endpoint in post_endpoints():
        if any(p != "id" for p in endpoint.params):
            continue  # nested routes need seeded parents; their bodies are parsed by the same code
        url = endpoint.path.replace("{id}", "00000000-0000-4000-8000-000000000000")
        response = post(client, world.a.token, url, raw)
        body = response.json() if response.get("Content-Type", "").startswith("application/json") else None
        if not 400 <= response.status_code < 500 or not body or body.get("status") != "error":
            failures.append(f"{endpoint}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)


def test_over_one_mebibyte_is_413_on_every_post(world: World) -> None:
    client = Client(raise_request_exception=False)
    raw = '{"name": "' + "x" * ONE_MIB + '"}'
    for endpoint in post_endpoints():
        url = endpoint.path
        for param in endpoint.params:
            url = url.replace("{" + param + "}", "00000000-0000-4000-8000-000000000000")
        response = post(client, world.a.token, url, raw)
        assert response.status_code == 413, endpoint
        assert response.json()["error"]["name"] == "PayloadTooLargeError"
        assert response.json()["request_id"] == response["X-Request-Id"]


def test_a_lying_content_length_is_refused(world: World) -> None:
    client = Client(raise_request_exception=False)
    for length in ("-1", "abc", str(10**30), str(ONE_MIB + 1)):
        response = client.generic(
            "POST", "/v1/jobs", b"{}", content_type="application/json",
            headers={"Authorization": f"Bearer {world.a.token}"}, CONTENT_LENGTH=length,
        )  # fmt: skip
        assert 400 <= response.status_code < 500, (length, response.status_code)
        assert response.json()["status"] == "error"


LIMITS = ["-1", "99999999999999999999999", "1e3", "NaN", "１０"]


def test_absurd_query_parameters_on_every_list(world: World, rows: TeamRows) -> None:
    client = Client(raise_request_exception=False)
    auth = {"Authorization": f"Bearer {world.a.token}"}
    failures, tried = [], 0
    for endpoint in endpoints():
        if endpoint.method != "GET":
            continue
        url = url_for(endpoint, path_rows(endpoint, rows))
        operation = schema()["paths"][endpoint.path]["get"]
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        hostile: list[dict[str, str]] = [{"limit": value} for value in LIMITS if "limit" in names]
        for name in names:
            hostile += [{name: "\x00"}, {name: SQL_HTML}, {name: "9" * 5000}]
        hostile.append({"unknownParameter": SQL_HTML})
        for query in hostile:
            tried += 1
            response = client.get(url, query, headers=auth)
            if response.status_code >= 500:
                failures.append(f"{endpoint} ?{query!r}: {response.status_code} {response.content[:200]!r}")
        # Raw bytes that are not UTF-8 (and an encoded lone surrogate) in the query string.
        raw_query = "&".join(f"{name}=%ff%fe%c3%28&{name}=%ed%a0%80" for name in names or ["limit"])
        response = client.get(f"{url}?{raw_query}", headers=auth)
        if response.status_code >= 500:
            failures.append(f"{endpoint} with non-UTF-8 bytes in the query: {response.status_code}")
    assert tried >= 100
    assert not failures, "\n".join(failures)


def test_sql_and_html_are_stored_and_returned_verbatim(world: World) -> None:
    created = world.api.post("/v1/clients", {"name": SQL_HTML, "email": "x@example.com"})
    assert created.status_code == 201, created
    fetched = world.api.get(f"/v1/clients/{created.data['id']}")
    assert fetched.data["name"] == SQL_HTML
    assert fetched.raw["Content-Type"].startswith("application/json")
    found = world.api.post("/v1/search", {"query": SQL_HTML})
    assert found.status_code < 500
    assert world.api.get("/v1/jobs").status_code == 200, "the jobs table is still there"


@pytest.mark.parametrize(
    ("label", "raw_value"),
    [
        ("a NUL character", '"a\\u0000b"'),
        ("a NUL in a key", '{"k\\u0000": 1}'),
        ("a lone surrogate", '"\\ud800"'),
        ("NaN", "NaN"),
        ("Infinity", "-Infinity"),
        ("65 levels of nesting", "[" * 65 + "]" * 65),
    ],
)
def test_free_form_json_that_postgresql_cannot_store_is_a_400(world: World, label: str, raw_value: str) -> None:
    """Job payloads, results and asset attributes are jsonb: what it cannot hold is refused up front, not a 500."""
    JobTypeFactory(team=world.a.team, key="visit")
    job = JobFactory(team=world.a.team, status="IN_PROGRESS", assigned_to=world.a.engineer)
    client = Client(raise_request_exception=False)
    for url, raw in (
        ("/v1/jobs", '{"jobType": "visit", "payload": {"reading": ' + raw_value + "}}"),
        (f"/v1/jobs/{job.pk}/complete", '{"resultType": "SUCCESS", "result": {"reading": ' + raw_value + "}}"),
    ):
        response = post(client, world.a.token, url, raw)
        assert response.status_code == 400, (label, url, response.content[:300])
        assert response.json()["error"]["name"] == "BadRequestError"
    job.refresh_from_db()
    assert job.status == "IN_PROGRESS"


def test_nesting_up_to_the_limit_is_accepted(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    nested = "[" * 60 + "]" * 60
    response = world.api.post("/v1/jobs", raw_body='{"jobType": "visit", "payload": {"deep": ' + nested + "}}")
    assert response.status_code == 201, response
