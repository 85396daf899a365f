"""`GET /v1/events`: every domain event of the team, recorded whether or not a webhook subscribes.

The contract cases (401/403/404/400/happy/queries), the feed's shape (the webhook's own body),
catching up after a cursor, what each scope sees, the filters, and retention.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Actor
from accounts.scopes import ALL_SCOPES, grants
from assets.services import create_asset
from jobs.models import ResultType
from jobs.services import assign_job, cancel_job, complete_job, create_job, start_job
from tests.assets.factories import AssetTypeFactory
from tests.conftest import Api, ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import JobFactory, JobTypeFactory, SiteFactory
from tests.webhooks.factories import make_delivery, make_endpoint
from webhooks import tasks
from webhooks.api import events as events_api
from webhooks.models import EVENT_RETENTION, EventType, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import purge_expired_events, record_event

pytestmark = pytest.mark.django_db
SYSTEM = Actor(user=None, api_key=None)
FEED_SCOPES = ("jobs.read", "flows.read", "assets.read", "projects.read", "invoices.read", "plans.read")


def job_event(team_world: TeamWorld, event_type: EventType = EventType.JOB_CREATED) -> WebhookEvent:
    return record_event(event_type, JobFactory(team=team_world.team))


def no_feed_scope() -> list[str]:
    return [scope for scope in ALL_SCOPES if not any(grants([scope], feed) for feed in FEED_SCOPES)]


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catch-up order shows events at once (instead of 5 seconds after they are recorded)."""
    monkeypatch.setattr(events_api, "CATCH_UP_SETTLE", dt.timedelta(0))


# The contract ---------------------------------------------------------------------------------------------
class TestListEvents(EndpointContract):
    path, scope, is_list = "/v1/events", "jobs.read", True
    bad_inputs = [
        BadInput(path="type", query={"type": "job.exploded"}),
        BadInput(path="type", query={"type": "job.created,,job.started"}),
        BadInput(path="type", query={"type": ""}),
        BadInput(path="type", query={"type": ["job.created", "job.started"]}),
        BadInput(path="objectId", query={"objectId": "not-a-uuid"}),
        BadInput(path="objectId", query={"objectId": ""}),
        BadInput(path="sortBy", query={"sortBy": "type"}),
        BadInput(path="since", query={"since": "yesterday"}),
    ]

    def insufficient_scopes(self) -> list[str]:
        """Any one kind's read scope opens the feed: only a token with none of them is refused."""
        return no_feed_scope()

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            job_event(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == [] and response.json["lastEvaluatedKey"] is None


class TestGetEvent(EndpointContract):
    path, scope = "/v1/events/{id}", "jobs.read"

    def make_object(self, team_world: TeamWorld) -> WebhookEvent:
        return job_event(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        body = json.loads(obj.body)
        assert response.data == {
            "id": obj.pk,
            "type": "job.created",
            "createdAt": body["createdAt"],
            "objectType": "job",
            "objectId": str(obj.object_id),
            "data": body["data"],
        }

    def test_bad_input_is_400(self, world: World) -> None:
        """GET by id takes no input; an id that is not an event's is simply not found."""
        assert world.api.get("/v1/events/not-an-event").status_code == 404
        assert world.api.get("/v1/events/evt_doesnotexist").status_code == 404

    def test_a_ping_is_not_a_domain_event(self, world: World) -> None:
        ping = make_delivery(world.a).event
        assert world.api.get(f"/v1/events/{ping.pk}").status_code == 404


# What is recorded, and what the feed shows ------------------------------------------------------------------
def test_every_event_is_recorded_without_any_subscriber(world: World) -> None:
    job = create_job(team=world.a.team, actor=SYSTEM, job_type=JobTypeFactory(team=world.a.team))
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    recorded = WebhookEvent.objects.filter(team=world.a.team).order_by("created_at")
    assert [(event.type, event.object_id) for event in recorded] == [("job.created", job.pk), ("job.assigned", job.pk)]
    assert not WebhookDelivery.objects.exists() and not DBTaskResult.objects.filter(queue_name="webhooks").exists()


def test_the_feed_carries_the_webhook_body_newest_first(world: World) -> None:
    job = create_job(team=world.a.team, actor=SYSTEM, job_type=JobTypeFactory(team=world.a.team))
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    start_job(job=job, actor=SYSTEM)
    job_event(world.b)  # another team's: never shown
    make_delivery(world.a)  # a test ping: not a domain event

    response = world.api.get("/v1/events")
    assert [event["type"] for event in response.data] == ["job.started", "job.assigned", "job.created"]
    for shown in response.data:
        body = json.loads(WebhookEvent.objects.get(pk=shown["id"]).body)  # what the webhook carries
        assert (shown["id"], shown["type"], shown["createdAt"], shown["data"]) == (
            body["id"],
            body["type"],
            body["createdAt"],
            body["data"],
        )
        assert shown["objectType"] == "job" and shown["objectId"] == str(job.pk)
    # each one a snapshot: the job as GET /v1/jobs/{id} showed it then
    assert response.data[1]["data"]["object"]["status"] == "ASSIGNED"
    assert response.data[0]["data"]["object"] == world.api.get(f"/v1/jobs/{job.pk}").data
    assert world.api.get(f"/v1/events/{response.data[2]['id']}").data == response.data[2]


def test_a_webhook_and_the_feed_share_the_event(world: World) -> None:
    make_endpoint(world.a, enabled_events=["job.cancelled"])
    cancel_job(job=JobFactory(team=world.a.team), actor=SYSTEM)
    delivery = WebhookDelivery.objects.get()
    [shown] = world.api.get("/v1/events").data
    assert shown["id"] == delivery.event_id and shown["type"] == "job.cancelled"


def test_catching_up_after_a_cursor_gives_exactly_the_new_events(world: World, settled: None) -> None:
    job_type = JobTypeFactory(team=world.a.team)
    for _ in range(3):
        create_job(team=world.a.team, actor=SYSTEM, job_type=job_type)

    def read_all(key: str | None) -> tuple[list[str], str | None]:
        seen: list[str] = []
        while True:
            query = {"sortOrder": "asc", "limit": 2, **({"lastEvaluatedKey": key} if key else {})}
            page = world.api.get("/v1/events", query=query)
            assert page.status_code == 200, page
            if not page.data:
                assert page.json["lastEvaluatedKey"] == key  # caught up: the same position again
                return seen, key
            seen += [event["id"] for event in page.data]
            assert page.json["lastEvaluatedKey"]  # ascending, there is always a position to come back to
            key = page.json["lastEvaluatedKey"]

    first, key = read_all(None)
    assert first == list(WebhookEvent.objects.order_by("created_at", "id").values_list("id", flat=True))
    assert len(first) == 3

    job = create_job(team=world.a.team, actor=SYSTEM, job_type=job_type)
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    start_job(job=job, actor=SYSTEM)
    complete_job(job=job, actor=SYSTEM, result_type=ResultType.SUCCESS)
    job_event(world.b)

    new, key = read_all(key)
    expected = WebhookEvent.objects.filter(team=world.a.team).exclude(pk__in=first).order_by("created_at", "id")
    assert new == list(expected.values_list("id", flat=True))
    assert [WebhookEvent.objects.get(pk=pk).type for pk in new][:4] == [
        "job.created",
        "job.assigned",
        "job.started",
        "job.completed",
    ]
    assert read_all(key) == ([], key)


def test_catching_up_stays_behind_events_still_settling(world: World) -> None:
    """An event's createdAt is taken before its commit: ascending, the feed waits a few seconds for it."""
    event = job_event(world.a)
    assert [e["id"] for e in world.api.get("/v1/events").data] == [event.pk]  # newest first shows it at once
    assert world.api.get("/v1/events", query={"sortOrder": "asc"}).data == []
    WebhookEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - events_api.CATCH_UP_SETTLE)
    assert [e["id"] for e in world.api.get("/v1/events", query={"sortOrder": "asc"}).data] == [event.pk]


def test_filters_by_type_and_object(world: World) -> None:
    job = create_job(team=world.a.team, actor=SYSTEM, job_type=JobTypeFactory(team=world.a.team))
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    other = job_event(world.a)
    cancel_job(job=job, actor=SYSTEM)

    def types(query: dict[str, Any]) -> list[str]:
        response = world.api.get("/v1/events", query=query)
        assert response.status_code == 200, response
        return [event["type"] for event in response.data]

    assert types({"type": "job.assigned"}) == ["job.assigned"]
    assert types({"type": "job.cancelled,job.assigned"}) == ["job.cancelled", "job.assigned"]
    assert types({"objectId": str(job.pk)}) == ["job.cancelled", "job.assigned", "job.created"]
    assert types({"objectId": str(other.object_id), "type": "job.created"}) == ["job.created"]
    assert types({"objectId": str(job.pk), "type": "project.created"}) == []


# Scopes ------------------------------------------------------------------------------------------------------
@pytest.fixture
def mixed(world: World) -> dict[str, WebhookEvent]:
    """One job event and one asset event of team a."""
    site = SiteFactory(team=world.a.team)
    AssetTypeFactory(team=world.a.team, key="boiler")
    create_asset(team=world.a.team, actor=Actor(user=world.a.owner), site=site, name="Boiler", asset_type="boiler")
    return {"job": job_event(world.a), "asset": WebhookEvent.objects.get(type="asset.created")}


def test_a_token_sees_only_the_kinds_it_may_read(world: World, mixed: dict[str, WebhookEvent]) -> None:
    def kinds(api: Api) -> list[str]:
        return sorted(event["objectType"] for event in api.get("/v1/events").data)

    assert kinds(world.api) == ["asset", "job"]
    assert kinds(world.api_with(["assets.read"])) == ["asset"]
    assert kinds(world.api_with(["jobs.write"])) == ["job"]  # a write scope includes its read scope
    assert kinds(world.api_with(["invoices.read"])) == []
    assert world.api_with(["assets.read"]).get(f"/v1/events/{mixed['asset'].pk}").status_code == 200


def test_naming_a_kind_the_token_cannot_read_is_a_403_with_its_scope(
    world: World, mixed: dict[str, WebhookEvent]
) -> None:
    assets_only = world.api_with(["assets.read"])
    refused = assets_only.get("/v1/events", query={"type": "asset.created,job.created"})
    assert refused.status_code == 403 and "'jobs.read'" in refused.issues[0]["message"]
    one = assets_only.get(f"/v1/events/{mixed['job'].pk}")
    assert one.status_code == 403 and "'jobs.read'" in one.issues[0]["message"]
    nothing = world.api_with(no_feed_scope()).get("/v1/events")
    assert nothing.status_code == 403
    assert all(f"'{scope}'" in nothing.issues[0]["message"] for scope in FEED_SCOPES)


def test_the_schema_names_every_scope_that_opens_the_feed() -> None:
    from tests.openapi import schema

    operation = schema()["paths"]["/v1/events"]["get"]
    assert operation["x-required-scopes-any-of"] == list(FEED_SCOPES)
    assert all(f"`{scope}`" in operation["description"] for scope in FEED_SCOPES)


# Retention ---------------------------------------------------------------------------------------------------
def test_events_past_retention_are_purged_with_their_deliveries(world: World) -> None:
    endpoint = make_endpoint(world.a)
    old, recent, theirs = job_event(world.a), job_event(world.a), job_event(world.b)
    past = timezone.now() - EVENT_RETENTION - dt.timedelta(minutes=1)
    WebhookEvent.objects.filter(pk__in=[old.pk, theirs.pk]).update(created_at=past)
    delivery = WebhookDelivery.objects.get(event=old, endpoint=endpoint)
    WebhookAttempt.objects.create(delivery=delivery, number=1, started_at=past, duration_ms=5, status_code=200)

    assert purge_expired_events(batch=1) == 2
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not WebhookDelivery.objects.filter(event_id=old.pk).exists() and not WebhookAttempt.objects.exists()
    assert WebhookDelivery.objects.filter(event=recent).exists()
    assert purge_expired_events() == 0


def test_the_worker_sweep_enforces_retention_hourly(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "_last_purge", None)
    old = job_event(world.a)
    WebhookEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - EVENT_RETENTION - dt.timedelta(days=1))
    tasks._sweep()
    assert not WebhookEvent.objects.exists()
    again = job_event(world.a)
    WebhookEvent.objects.filter(pk=again.pk).update(created_at=timezone.now() - EVENT_RETENTION - dt.timedelta(days=1))
    tasks._sweep()  # within the hour: not yet
    assert WebhookEvent.objects.filter(pk=again.pk).exists()
