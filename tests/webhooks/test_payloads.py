"""Building an event's `data.object` never touches the view layer: it reads through the resource registry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Actor
from core import registry
from jobs.services import assign_job, create_job
from tests.conftest import World
from tests.factories import JobTypeFactory
from tests.security.discovery import seed
from tests.webhooks.factories import make_endpoint
from webhooks.models import WebhookEvent
from webhooks.payloads import object_json

pytestmark = pytest.mark.django_db
SYSTEM = Actor(user=None, api_key=None)


@pytest.fixture
def no_views(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any view dispatched, or any DRF request built, while this fixture is active fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a webhook payload went through the view layer")

    monkeypatch.setattr(APIView, "dispatch", refuse)
    monkeypatch.setattr(APIView, "initial", refuse)
    monkeypatch.setattr(Request, "__init__", refuse)


def test_job_events_are_built_without_any_view(world: World, no_views: None, monkeypatch: pytest.MonkeyPatch) -> None:
    make_endpoint(world.a)
    job_type = JobTypeFactory(team=world.a.team)
    job = create_job(team=world.a.team, actor=SYSTEM, job_type=job_type, payload={"snake_key": 1})
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    bodies = {event.type: json.loads(event.body) for event in WebhookEvent.objects.filter(team=world.a.team)}
    assert set(bodies) == {"job.created", "job.assigned"}
    monkeypatch.undo()  # views are allowed again: compare with what GET answers
    assert bodies["job.assigned"]["data"]["object"] == world.api.get(f"/v1/jobs/{job.pk}").data
    assert bodies["job.created"]["data"]["object"]["payload"] == {"snake_key": 1}  # free-form keys kept as given


def test_every_registered_model_builds_its_payload_without_any_view(world: World) -> None:
    rows = seed(world.a.team, world.a.token)
    objects = [
        rows.of(registry.resource_for(label).selector(team=world.a.team).model)
        for label in registry.registered_labels()
    ]
    with pytest.MonkeyPatch.context() as patch:
        for target, name in ((APIView, "dispatch"), (APIView, "initial"), (Request, "__init__")):
            patch.setattr(target, name, lambda *a, **k: pytest.fail("a webhook payload went through the view layer"))
        payloads = [object_json(world.a.team, obj) for obj in objects]
    assert [payload["id"] for payload in payloads] == [str(obj.pk) for obj in objects]
