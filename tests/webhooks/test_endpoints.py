"""The shared contract for every /v1/webhooks endpoint (401, 403, 404 other team, 400, happy path, queries)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import LIST_BAD_INPUTS, BadInput, EndpointContract
from tests.webhooks.factories import make_delivery, make_endpoint
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

URL = "https://hooks.example.com/shocking"


class TestListWebhooks(EndpointContract):
    path, scope, is_list = "/v1/webhooks", "webhooks.read", True

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for n in range(count):
            WebhookEndpoint.objects.create(
                team=team_world.team, url=f"{URL}/{n}", enabled_events=["*"], secret_encrypted="x", secret_last4="abcd"
            )

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []


class TestCreateWebhook(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/webhooks", "webhooks.write", 201
    bad_inputs = [
        BadInput(path="url", body={}),
        BadInput(path="url", body={"url": "not a url"}),
        BadInput(path="url", body={"url": "https://10.0.0.7/hook"}),
        BadInput(path="url", body={"url": "https://169.254.169.254/latest/meta-data"}),
        BadInput(path="url", body={"url": "http://hooks.example.com/plain-http"}),
        BadInput(path="url", body={"url": "https://user:pw@hooks.example.com/"}),
        BadInput(path="enabledEvents", body={"url": URL, "enabledEvents": []}),
        BadInput(path="enabledEvents.0", body={"url": URL, "enabledEvents": ["job.exploded"]}),
        BadInput(path="enabledEvents", body={"url": URL, "enabledEvents": ["*", "job.created"]}),
        BadInput(path="secret", body={"url": URL, "secret": "mine"}),
    ]

    def body(self, world: World, obj: Any) -> Any:
        return {"url": URL, "description": "ERP", "enabledEvents": ["job.completed", "job.created"]}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["secret"].startswith("whsec_") and data["secretLast4"] == data["secret"][-4:]
        assert data["enabledEvents"] == ["job.completed", "job.created"] and data["active"] is True
        endpoint = WebhookEndpoint.objects.get(pk=data["id"])
        assert endpoint.team == world.a.team and data["secret"] not in endpoint.secret_encrypted
        again = world.api.get(f"/v1/webhooks/{data['id']}")
        assert "secret" not in again.data


class TestGetWebhook(EndpointContract):
    path, scope = "/v1/webhooks/{id}", "webhooks.read"

    def make_object(self, team_world: TeamWorld) -> WebhookEndpoint:
        return make_endpoint(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk) and response.data["url"] == URL and "secret" not in response.data

    def test_bad_input_is_400(self, world: World) -> None:
        """GET by id takes no input; an id that is not a UUID is simply not found."""
        assert world.api.get("/v1/webhooks/not-a-uuid").status_code == 404


class TestUpdateWebhook(EndpointContract):
    method, path, scope = "post", "/v1/webhooks/{id}/update", "webhooks.write"
    bad_inputs = [
        BadInput(path="url", body={"url": "https://127.0.0.1.nip.io.invalid:99999/"}),
        BadInput(path="url", body={"url": "https://[::ffff:10.0.0.1]/hook"}),
        BadInput(path="enabledEvents", body={"enabledEvents": []}),
        BadInput(path="active", body={"active": "sometimes"}),
        BadInput(path="secret", body={"secret": "x"}),
    ]

    def make_object(self, team_world: TeamWorld) -> WebhookEndpoint:
        return make_endpoint(team_world)

    def body(self, world: World, obj: Any) -> Any:
        return {"description": "Warehouse", "enabledEvents": ["invoice.approved"], "active": False}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["description"] == "Warehouse" and response.data["active"] is False
        obj.refresh_from_db()
        assert obj.enabled_events == ["invoice.approved"]


class TestDeleteWebhook(EndpointContract):
    method, path, scope = "post", "/v1/webhooks/{id}/delete", "webhooks.write"
    bad_inputs = [BadInput(path="force", body={"force": True})]

    def make_object(self, team_world: TeamWorld) -> WebhookEndpoint:
        return make_endpoint(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == {"id": str(obj.pk), "deleted": True}
        assert not WebhookEndpoint.objects.filter(pk=obj.pk).exists()


class TestRotateSecret(EndpointContract):
    method, path, scope = "post", "/v1/webhooks/{id}/rotate-secret", "webhooks.write"
    bad_inputs = [BadInput(path="overlap", body={"overlap": 0})]

    def make_object(self, team_world: TeamWorld) -> WebhookEndpoint:
        return make_endpoint(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["secret"].startswith("whsec_") and response.data["secret"] != obj.plain_secret
        assert response.data["previousSecretExpiresAt"] is not None


class TestSendTestPing(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/webhooks/{id}/test", "webhooks.write", 202
    bad_inputs = [BadInput(path="eventType", body={"eventType": "job.created"})]

    def make_object(self, team_world: TeamWorld) -> WebhookEndpoint:
        return make_endpoint(team_world)

    def snapshot(self, obj: Any) -> Any:
        return (super().snapshot(obj), WebhookDelivery.objects.count())

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["eventType"] == "ping" and response.data["status"] == "PENDING"
        assert response.data["payload"]["data"]["object"]["id"] == str(obj.pk)
        assert response.json["message"].startswith("Queued")


class TestListDeliveries(EndpointContract):
    path, scope = "/v1/webhooks/{id}/deliveries", "webhooks.read"
    bad_inputs = LIST_BAD_INPUTS

    def make_object(self, team_world: TeamWorld) -> WebhookEndpoint:
        return make_endpoint(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == [] and response.json["lastEvaluatedKey"] is None

    def test_queries_do_not_grow(self, world: World) -> None:
        endpoint = make_endpoint(world.a)
        url = f"/v1/webhooks/{endpoint.pk}/deliveries"
        for _ in range(2):
            make_delivery(world.a, endpoint=endpoint)
        world.api.get(url)
        with CaptureQueriesContext(connection) as small:
            first = world.api.get(url, query={"limit": 100})
        for _ in range(20):
            make_delivery(world.a, endpoint=endpoint)
        with CaptureQueriesContext(connection) as large:
            second = world.api.get(url, query={"limit": 100})
        assert len(first.data) == 2 and len(second.data) == 22
        assert len(large) == len(small) <= 10

    def test_lists_only_this_endpoints_deliveries(self, world: World) -> None:
        mine, other = make_endpoint(world.a), make_endpoint(world.a)
        delivery = make_delivery(world.a, endpoint=mine)
        make_delivery(world.a, endpoint=other)
        response = world.api.get(f"/v1/webhooks/{mine.pk}/deliveries")
        assert [row["id"] for row in response.data] == [str(delivery.pk)]


class TestGetDelivery(EndpointContract):
    path, scope = "/v1/webhooks/deliveries/{id}", "webhooks.read"

    def make_object(self, team_world: TeamWorld) -> WebhookDelivery:
        return make_delivery(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk) and response.data["eventId"] == obj.event_id

    def test_bad_input_is_400(self, world: World) -> None:
        """GET by id takes no input; an id that is not a UUID is simply not found."""
        assert world.api.get("/v1/webhooks/deliveries/evt_1").status_code == 404


class TestRedeliver(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/webhooks/deliveries/{id}/redeliver", "webhooks.write", 202
    bad_inputs = [BadInput(path="endpointId", body={"endpointId": "x"})]

    def make_object(self, team_world: TeamWorld) -> WebhookDelivery:
        return make_delivery(team_world, status=DeliveryStatus.FAILED)

    def snapshot(self, obj: Any) -> Any:
        return (super().snapshot(obj), WebhookDelivery.objects.count())

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["redeliveryOf"] == str(obj.pk) and response.data["eventId"] == obj.event_id
        assert response.data["status"] == "PENDING" and response.data["id"] != str(obj.pk)

    def test_pending_delivery_is_409(self, world: World) -> None:
        delivery = make_delivery(world.a, status=DeliveryStatus.PENDING)
        response = world.api.post(f"/v1/webhooks/deliveries/{delivery.pk}/redeliver")
        assert response.status_code == 409 and response.issue_paths == ["status"]


def test_idempotent_replay_of_create_does_not_store_or_repeat_the_secret(world: World) -> None:
    from core.models import IdempotencyRecord

    headers = {"Idempotency-Key": "create-hook-1"}
    first = world.api.post("/v1/webhooks", {"url": URL}, headers=headers)
    replay = world.api.post("/v1/webhooks", {"url": URL}, headers=headers)
    assert first.status_code == replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.data["id"] == first.data["id"] and WebhookEndpoint.objects.count() == 1
    assert replay.data["secret"] == f"whsec_…{first.data['secretLast4']}"
    assert first.data["secret"] not in str(IdempotencyRecord.objects.get().response_body)
