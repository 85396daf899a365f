"""The resource registry: each registered model is shown exactly as its `GET /v1/<resource>/{id}` shows it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core import registry
from core.wire import dumps, to_wire
from tests.conftest import World
from tests.security.discovery import seed

pytestmark = pytest.mark.django_db

# label → the GET endpoint of one object; a model registered without one here fails the first test.
GET_PATHS = {
    "assets.asset": "/v1/assets/{id}",
    "assets.assettype": "/v1/asset-types/{id}",
    "flows.flow": "/v1/flows/{id}",
    "invoicing.invoice": "/v1/invoices/{id}",
    "jobs.job": "/v1/jobs/{id}",
    "jobs.jobtype": "/v1/job-types/{id}",
    "plans.maintenanceplan": "/v1/maintenance-plans/{id}",
    "projects.client": "/v1/clients/{id}",
    "projects.project": "/v1/projects/{id}",
    "projects.site": "/v1/sites/{id}",
    "webhooks.webhookendpoint": "/v1/webhooks/{id}",
}


def as_wire(data: dict[str, Any]) -> Any:
    """On the wire and through the renderer's JSON, as a client (or a webhook receiver) gets it."""
    return json.loads(dumps(to_wire(data)))


def without_link(label: str, data: Any) -> Any:
    """Signed links (a flow's document, a job's photos and signature) are signed for a few minutes
    from now, and absolute only inside a request: compare everything but the link and its expiry."""
    if isinstance(data, dict):
        signed = "expiresAt" in data
        return {k: without_link(label, v) for k, v in data.items() if not (signed and k in ("url", "expiresAt"))}
    if isinstance(data, list):
        return [without_link(label, item) for item in data]
    return data


def test_every_registered_model_has_a_get_endpoint() -> None:
    assert registry.registered_labels() == sorted(GET_PATHS)


def test_each_registered_model_serializes_exactly_like_its_get_endpoint(world: World) -> None:
    rows = seed(world.a.team, world.a.token)
    for label, path in GET_PATHS.items():
        resource = registry.resource_for(label)
        obj = rows.of(resource.selector(team=world.a.team).model)
        response = world.api.get(path.format(id=obj.pk))
        assert response.status_code == 200, (label, response)
        shown = as_wire(resource.read(team=world.a.team, pk=obj.pk))
        assert without_link(label, shown) == without_link(label, response.data), label


def test_another_teams_object_is_not_found(world: World) -> None:
    rows = seed(world.b.team, world.b.token)
    for label in GET_PATHS:
        resource = registry.resource_for(label)
        theirs = rows.of(resource.selector(team=world.b.team).model)
        with pytest.raises(LookupError):
            resource.read(team=world.a.team, pk=theirs.pk)


def test_an_unregistered_model_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"accounts\.team"):
        registry.resource_for("accounts.team")
