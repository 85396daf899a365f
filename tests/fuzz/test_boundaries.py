"""Boundary values on every write, built from its realistic request example.

Schemathesis' coverage phase probes each bound, but it varies one field of a body whose other fields
are random and usually invalid, so the server refuses the body for another reason first: an
unbounded number that reaches the database (`nextNumber: 995186618115905290240` → 500) could hide
behind that. Here each POST's own example — valid as given on a starter team — gets one integer at a
time pushed to its bound and one past it: past it must be a 400 on that field, at it never a 5xx.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.models import Actor
from assets import starter as asset_starter
from core.api.examples import PLACEHOLDER_ID
from jobs import starter as job_starter
from tests.api.test_examples import examples_of, post_bodies
from tests.conftest import World
from tests.openapi import schema

pytestmark = pytest.mark.django_db


def _component(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    return schema()["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else node


def _integer_bounds(prop: dict[str, Any]) -> dict[str, Any] | None:
    for option in [prop, *prop.get("oneOf", []), *prop.get("anyOf", [])]:
        option = _component(option)
        if option.get("type") == "integer" or "integer" in (option.get("type") or []):
            return option
    return None


def boundary_cases() -> list[tuple[str, str, dict[str, Any], int, bool]]:
    """(path, field, example body, value, valid?) for each bounded integer of each runnable example."""
    cases = []
    for path, media_type, media in post_bodies():
        if media_type != "application/json" or "{" in path:
            continue
        properties = _component(media["schema"]).get("properties", {})
        for example in examples_of(media).values():
            if PLACEHOLDER_ID in json.dumps(example["value"]):
                continue
            for field, prop in properties.items():
                bounds = _integer_bounds(prop)
                if bounds is None or prop.get("readOnly"):
                    continue
                if "maximum" in bounds:
                    cases += [(path, field, example["value"], bounds["maximum"], True)]
                    cases += [(path, field, example["value"], bounds["maximum"] + 1, False)]
                if "minimum" in bounds:
                    cases += [(path, field, example["value"], bounds["minimum"] - 1, False)]
    return cases


def test_every_integer_of_every_write_holds_at_and_past_its_bounds(world: World) -> None:
    job_starter.seed(team=world.a.team, actor=Actor())
    asset_starter.seed(team=world.a.team, actor=Actor())
    cases = boundary_cases()
    assert {(path, field) for path, field, *_ in cases} >= {("/v1/invoicing/profile/upsert", "nextNumber")}
    failures = []
    for path, field, body, value, valid in cases:
        response = world.api.post(path, {**body, field: value})
        if response.status_code >= 500 or (
            not valid and (response.status_code != 400 or field not in response.issue_paths)
        ):
            failures.append(f"POST {path} {field}={value}: {response.status_code} {response.issue_paths}")
    assert failures == []
