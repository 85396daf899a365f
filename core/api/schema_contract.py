"""Postprocessing that makes the published schema say what outside tools need, in one place.

drf-spectacular describes each serializer and filter as it finds it; these hooks make the whole
document consistent for generators and linters (openapi-spec-validator, Redocly, Spectral,
openapi-python-client):

- a `default` is only published where it is valid for its own schema (DRF's `allow_blank` fields
  used to publish `default: ""` inside the `oneOf` branch that `""` fails);
- path ids are `format: uuid`; a query parameter has one type wherever it appears;
- every POST declares the `Idempotency-Key` header, and its 2xx answers `Idempotent-Replayed`;
- every tag used by an operation is declared at the top with a description.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator

from core.api.filters import MAX_MILLISECONDS
from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.api.idempotency import MAX_KEY_LENGTH

# One schema per query parameter name, whichever endpoint it is on.
MILLISECONDS = {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_MILLISECONDS}
QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "dateFrom": {**MILLISECONDS, "description": "Unix time in milliseconds, inclusive."},
    "dateTo": {**MILLISECONDS, "description": "Unix time in milliseconds, inclusive."},
    "jobType": {"type": "string", "minLength": 1, "maxLength": 64, "description": "A job type's key or id."},
    "archived": {"type": "boolean"},
}

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Any unique string (a UUID is typical). Sent again with the same body within 24 hours, the first "
        "answer is replayed (with `Idempotent-Replayed: true`); with another body it is a 409."
    ),
    "example": "4f7d2c1e-9b0a-4e55-8a57-0c1b2d3e4f50",
}
REPLAYED_HEADER = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "Present when this answer is the replay of an earlier request with the same `Idempotency-Key`.",
}

TAG_DESCRIPTIONS = {
    "jobs": "Jobs (service visits, installs, inspections), their states and job types.",
    "job-types": "The team's kinds of job, each with the JSON Schema its payloads must match.",
    "flows": "Customer documents rendered and emailed when a job completes.",
    "assets": "Equipment installed at sites, with a full change history.",
    "asset-types": "The team's kinds of asset, each with the JSON Schema of its attributes.",
    "projects": "Projects grouping jobs, their templates and numbered revisions.",
    "project-templates": "Templates that create a project's initial jobs.",
    "clients": "The team's customers.",
    "sites": "Clients' premises where jobs happen and assets are installed.",
    "invoices": "Invoices: draft, finalize (gapless numbers), approve, void.",
    "invoicing": "Invoicing settings: profile, contracts, rates and the document template.",
    "team": "The calling token's team, members and credential.",
    "search": "Ranked search across the team's records.",
    "metrics": "Job and flow counts, rates, durations and time series.",
    "webhooks": "Webhook endpoints and their deliveries.",
    "events": "The team's domain events, the feed for incremental export.",
    "maintenance-plans": "Recurring service that creates its own jobs.",
}


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(value) for value in node.values())
    return isinstance(node, list) and any(_has_ref(item) for item in node)


def _valid_default(schema: dict[str, Any]) -> bool:
    # A default next to a $ref names a component this check cannot see; those come from enums, valid by construction.
    if "default" not in schema or _has_ref(schema):
        return True
    bare = {key: value for key, value in schema.items() if key != "default"}
    return Draft202012Validator(bare, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(schema["default"])


def _fix_defaults(node: Any) -> None:
    """Move a default out of `oneOf` branches onto the property, and drop defaults invalid for their schema."""
    if isinstance(node, list):
        for item in node:
            _fix_defaults(item)
        return
    if not isinstance(node, dict):
        return
    for branch in node.get("oneOf", ()):
        if isinstance(branch, dict) and "default" in branch:
            node.setdefault("default", branch.pop("default"))
    if not _valid_default(node):
        del node["default"]
    for value in node.values():
        _fix_defaults(value)


def _operations(result: dict[str, Any]) -> Any:
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def publish_contract(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook (runs last): see the module docstring."""
    _fix_defaults(result.get("components", {}).get("schemas", {}))
    used_tags: set[str] = set()
    for _path, method, operation in _operations(result):
        used_tags.update(operation.get("tags", ()))
        for parameter in operation.get("parameters", ()):
            if parameter["in"] == "path" and parameter["name"] == "id":
                parameter["schema"] = {"type": "string", "format": "uuid"}
            elif parameter["in"] == "query" and parameter["name"] in QUERY_PARAMETERS:
                canonical = copy.deepcopy(QUERY_PARAMETERS[parameter["name"]])
                description = canonical.pop("description", None)
                parameter["schema"] = canonical
                if description and not parameter.get("description"):
                    parameter["description"] = description
            _fix_defaults(parameter.get("schema"))
        if method == "post":
            parameters = operation.setdefault("parameters", [])
            if not any(p["in"] == "header" and p["name"] == IDEMPOTENCY_HEADER for p in parameters):
                parameters.append(copy.deepcopy(IDEMPOTENCY_PARAMETER))
            for code, response in operation.get("responses", {}).items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
    declared = {tag["name"] for tag in result.get("tags", [])}
    result["tags"] = [
        *result.get("tags", []),
        *(
            {"name": tag, "description": TAG_DESCRIPTIONS.get(tag, f"Operations on {tag.replace('-', ' ')}.")}
            for tag in sorted(used_tags - declared)
        ),
    ]
    return result
