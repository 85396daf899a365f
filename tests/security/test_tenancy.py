"""Tenancy, generated from the URL conf and the request serializers: another team's id goes nowhere.

For every /v1 route with ids in its path, and for every id field of every request body
(`TeamPrimaryKeyField`s and `…_id` / `…_ids` UUID fields, nested ones too), the id of a row of
another team is refused — 404 for a path or an object named in the body, 400 on the field's path
for a related id — and no table changes. Both teams are seeded by the demo seeders, so every model
has rows; a new route or body field is covered the day it lands.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, World
from tests.security.discovery import (
    Endpoint,
    TeamRows,
    camelize,
    changed_tables,
    database_state,
    endpoints,
    example_body,
    id_fields,
    path_param_models,
    post_endpoints,
    seed,
    set_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(world: World) -> tuple[TeamRows, TeamRows]:
    return seed(world.a.team, world.a.token), seed(world.b.team, world.b.token)


def path_rows(endpoint: Endpoint, rows: TeamRows, foreign: dict[str, Any] | None = None) -> dict[str, Any]:
    """A row for each `{param}`: the innermost first, then its parents through its foreign keys."""
    models = path_param_models(endpoint)
    chosen: dict[str, Any] = dict(foreign or {})
    for param in reversed(endpoint.params):
        if param in chosen:
            continue
        model = models[param]
        parent = None
        for inner in chosen.values():
            for fk in inner._meta.concrete_fields:
                if fk.is_relation and fk.related_model is model and getattr(inner, fk.attname) is not None:
                    parent = getattr(inner, fk.name)
        chosen[param] = parent if parent is not None and parent.team_id == rows.team.pk else rows.of(model)
    return chosen


def url_for(endpoint: Endpoint, chosen: dict[str, Any]) -> str:
    url = endpoint.path
    for param, row in chosen.items():
        url = url.replace("{" + param + "}", str(row.pk))
    return url


def call(api: Api, endpoint: Endpoint, url: str, body: Any) -> Any:
    if endpoint.method == "GET":
        return api.get(url)
    return api.post(url, camelize(body))


def test_every_id_in_a_path_is_scoped_to_the_team(world: World, teams: tuple[TeamRows, TeamRows]) -> None:
    ours, theirs = teams
    routes = [endpoint for endpoint in endpoints() if endpoint.params]
    assert len(routes) >= 20, "the URL conf was read"
    failures = []
    for endpoint in routes:
        body = example_body(endpoint.request_serializer, ours) if endpoint.request_serializer is not None else None
        for param, model in path_param_models(endpoint).items():
            foreign = path_rows(endpoint, ours, {param: theirs.of(model)})
            before = database_state()
            response = call(world.api, endpoint, url_for(endpoint, foreign), body)
            changed = changed_tables(before, database_state())
            if response.status_code != 404 or changed:
                failures.append(f"{endpoint} with another team's {{{param}}}: {response.status_code} changed={changed}")
    assert not failures, "\n".join(failures)


def test_the_same_paths_with_our_own_ids_are_found(world: World, teams: tuple[TeamRows, TeamRows]) -> None:
    """The control for the test above: its 404s come from tenancy, not from a badly built URL."""
    ours, _ = teams
    not_found = []
    for endpoint in endpoints():
        if endpoint.method != "GET" or not endpoint.params:
            continue
        response = world.api.get(url_for(endpoint, path_rows(endpoint, ours)))
        if response.status_code == 404:
            not_found.append(str(endpoint))
    # A flow whose PDF is not rendered yet has no document: that 404 is the only one allowed.
    assert not_found in ([], ["GET /v1/flows/{id}/document"]), not_found


def test_every_id_in_a_request_body_is_scoped_to_the_team(world: World, teams: tuple[TeamRows, TeamRows]) -> None:
    ours, theirs = teams
    checked = 0
    failures = []
    for endpoint in post_endpoints():
        if endpoint.request_serializer is None:
            continue
        url = url_for(endpoint, path_rows(endpoint, ours))
        bodies = [example_body(endpoint.request_serializer, ours, with_related=related) for related in (False, True)]
        for id_field in id_fields(endpoint.request_serializer):
            assert id_field.model is not None, f"{endpoint}: which model does {id_field.api_path} name?"
            foreign_id = theirs.id_of(id_field.model)
            checked += 1
            outcomes = []
            for body in bodies:
                hostile = set_at(body, id_field.path, [foreign_id] if id_field.many else foreign_id)
                before = database_state()
                response = world.api.post(url, camelize(hostile))
                changed = changed_tables(before, database_state())
                refused = response.status_code == 404 or (
                    response.status_code == 400 and any(p.startswith(id_field.api_path) for p in response.issue_paths)
                )
                outcomes.append((refused, changed, response))
                if refused or changed or response.status_code < 400:
                    break  # refused on the field, or something went through: no need for the fuller body
            refused, changed, response = outcomes[-1]
            if not refused or any(outcome[1] for outcome in outcomes):
                failures.append(
                    f"{endpoint} {id_field.api_path}=another team's id: {response.status_code} "
                    f"{response.json and response.json.get('error')} changed={changed}"
                )
    assert checked >= 15, f"only {checked} id fields found in request bodies"
    assert not failures, "\n".join(failures)


def test_filters_by_another_teams_id_show_nothing(world: World, teams: tuple[TeamRows, TeamRows]) -> None:
    """List filters that take an id (`?clientId=`, `?siteId=` …): another team's id matches no row or is a 400."""
    from tests.openapi import schema
    from tests.security.discovery import model_for_name

    _, theirs = teams
    checked = 0
    failures = []
    for path, operations in schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] != "query" or not name.endswith("Id"):
                continue
            collection = path.strip("/").split("/")[1].removesuffix("s")
            model = model_for_name(name.removesuffix("Id"), context=collection) or model_for_name("engineer")
            if name == "objectId":  # the events feed: the record an event is about, of any kind (a job, say)
                model = model_for_name("job")
            assert model is not None, f"{path}?{name}"
            response = world.api.get(path, {name: theirs.id_of(model)})
            checked += 1
            if response.status_code == 200:
                rows = response.data if isinstance(response.data, list) else None
                if rows:
                    failures.append(f"GET {path}?{name}=another team's id listed {len(rows)} rows")
            elif response.status_code != 400:
                failures.append(f"GET {path}?{name}=another team's id: {response.status_code}")
    assert checked >= 5
    assert not failures, "\n".join(failures)
