"""Every POST carries a realistic request example that matches its schema and works as given.

Swagger's "Try it out" and generated clients start from these bodies, so an example must never
invent an id: bodies name job and asset types by key (the starter catalogue), and where an id is
unavoidable the example's description says which list to take it from.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.models import Actor
from assets import starter as asset_starter
from core.api.examples import PLACEHOLDER_ID
from jobs import starter as job_starter
from tests.conftest import World
from tests.openapi import _pointer, _validate, schema

# A file upload's body is the file chosen in the form, not a JSON document: nothing to exemplify.
BINARY_UPLOADS = {"multipart/form-data"}


def post_bodies() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, media type, media object) of every POST request body in the published schema."""
    return [
        (path, media_type, media)
        for path, item in schema()["paths"].items()
        if "post" in item
        for media_type, media in item["post"].get("requestBody", {}).get("content", {}).items()
    ]


def examples_of(media: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(media.get("examples", {}))


def test_every_post_has_a_request_example() -> None:
    bodies = post_bodies()
    assert len(bodies) > 40, "the walk sees the API's POST operations"
    missing = [
        f"POST {path} ({media_type})"
        for path, media_type, media in bodies
        if media_type not in BINARY_UPLOADS and not examples_of(media)
    ]
    assert missing == []


def test_every_example_matches_its_request_schema() -> None:
    checked = 0
    for path, media_type, media in post_bodies():
        for name, example in examples_of(media).items():
            pointer = _pointer("paths", path, "post", "requestBody", "content", media_type, "schema")
            try:
                _validate(example["value"], pointer)
            except AssertionError as exc:
                raise AssertionError(f"POST {path} example {name!r}: {exc}") from None
            checked += 1
    assert checked > 40


def test_an_example_with_a_placeholder_id_says_where_to_take_the_real_one() -> None:
    for path, _, media in post_bodies():
        for name, example in examples_of(media).items():
            body = json.dumps(example["value"])
            if PLACEHOLDER_ID in body:
                fields = [key for key, value in _flat_items(example["value"]) if PLACEHOLDER_ID in json.dumps(value)]
                description = example.get("description", "")
                for field in fields:
                    assert f"Replace `{field}` with an id from" in description, (path, name, field)


def _flat_items(value: Any) -> list[tuple[str, Any]]:
    """Top-level fields, and the fields of objects in lists (`rates[].jobTypeId` counts as `jobTypeId`)."""
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list) and inner and isinstance(inner[0], dict):
                items.extend(_flat_items(inner[0]))
            elif isinstance(inner, dict | str) or (isinstance(inner, list) and PLACEHOLDER_ID in inner):
                items.append((key, inner))
    return items


@pytest.mark.django_db
def test_examples_without_ids_work_as_given_on_a_starter_team(world: World) -> None:
    """ "Try it out" on a team with the starter catalogue: no "No such object", no refusal at all."""
    job_starter.seed(team=world.a.team, actor=Actor())
    asset_starter.seed(team=world.a.team, actor=Actor())
    tried = []
    for path, _, media in post_bodies():
        for name, example in examples_of(media).items():
            if "{" in path or PLACEHOLDER_ID in json.dumps(example["value"]):
                continue
            response = world.api.post(path, example["value"])
            assert 200 <= response.status_code < 300, (path, name, response)
            tried.append(path)
    assert {"/v1/jobs", "/v1/job-types", "/v1/asset-types", "/v1/clients", "/v1/project-templates"} <= set(tried)


@pytest.mark.django_db
def test_the_job_example_creates_a_job_of_a_starter_type(world: World) -> None:
    job_starter.seed(team=world.a.team, actor=Actor())
    media = schema()["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]
    (example,) = examples_of(media).values()
    response = world.api.post("/v1/jobs", example["value"])
    assert response.status_code == 201, response
    assert response.data["jobType"] == "boiler-service" and response.data["payload"] == example["value"]["payload"]
