"""The published schema as outside tools read it: one type per parameter, declared headers, valid defaults."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from openapi_spec_validator import validate

from core.api.schema_contract import _fix_defaults
from tests.openapi import schema

METHODS = ("get", "post", "put", "patch", "delete")


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_openapi_spec_validator_accepts_the_schema() -> None:
    validate(schema())


def test_a_query_parameter_has_one_type_wherever_it_appears() -> None:
    types: dict[str, set[str]] = defaultdict(set)
    for _, _, operation in operations():
        for parameter in operation.get("parameters", ()):
            if parameter["in"] == "query":
                types[parameter["name"]].add(json.dumps(parameter["schema"].get("type")))
    assert {name: kinds for name, kinds in types.items() if len(kinds) != 1 or "null" in kinds} == {}
    assert json.loads(next(iter(types["dateFrom"]))) == "integer"
    assert json.loads(next(iter(types["archived"]))) == "boolean"


def test_path_ids_are_uuids() -> None:
    for path, _, operation in operations():
        for parameter in operation.get("parameters", ()):
            if parameter["in"] == "path" and parameter["name"] == "id":
                assert parameter["schema"] == {"type": "string", "format": "uuid"}, path


def test_every_post_declares_idempotency_and_every_answer_its_headers() -> None:
    for path, method, operation in operations():
        headers = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "header"}
        for code, response in operation["responses"].items():
            declared = set(response.get("headers", {}))
            assert "X-Request-Id" in declared, (path, method, code)
            if code.startswith("2"):
                assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= declared, (path, code)
            if code in ("429", "503"):
                assert "Retry-After" in declared, (path, code)
        if method == "post":
            assert "Idempotency-Key" in headers, path
            for code, response in operation["responses"].items():
                if code.startswith("2"):
                    assert "Idempotent-Replayed" in response["headers"], (path, code)


def test_tags_servers_and_info_are_declared() -> None:
    document = schema()
    used = {tag for _, _, operation in operations() for tag in operation.get("tags", ())}
    declared = {tag["name"]: tag for tag in document["tags"]}
    assert used <= set(declared)
    assert all(declared[tag]["description"] for tag in used)
    assert document["servers"] and document["info"]["license"]["name"] and document["info"]["contact"]["email"]


def test_a_default_invalid_for_its_own_schema_is_not_published() -> None:
    blank_email: dict[str, Any] = {"oneOf": [{"type": "string", "format": "email", "default": ""}, {"enum": [""]}]}
    _fix_defaults(blank_email)
    assert blank_email["default"] == "" and "default" not in blank_email["oneOf"][0]
    bad = {"type": "string", "pattern": "^[A-Z]{3}$", "default": ""}
    _fix_defaults(bad)
    assert "default" not in bad


def _unbounded_numbers(node: object, path: str) -> list[str]:
    if isinstance(node, dict):
        found = []
        if node.get("type") in ("integer", "number") and not ({"maximum", "exclusiveMaximum"} & set(node)):
            found.append(path)
        for key, value in node.items():
            found += _unbounded_numbers(value, f"{path}.{key}")
        return found
    if isinstance(node, list):
        return [item for index, value in enumerate(node) for item in _unbounded_numbers(value, f"{path}.{index}")]
    return []


def test_every_numeric_input_is_bounded() -> None:
    """Bounds in the schema are what the fuzzer's coverage phase probes (each bound and one past it)."""
    requests = {name: body for name, body in schema()["components"]["schemas"].items() if name.endswith("Request")}
    assert requests
    assert _unbounded_numbers(requests, "components") == []
    for _, _, operation in operations():
        for parameter in operation.get("parameters", ()):
            if parameter["in"] == "query":
                assert _unbounded_numbers(parameter["schema"], parameter["name"]) == [], parameter
