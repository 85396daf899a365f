"""Idempotency-Key: replays, refuses a different body, and never acts twice under concurrency."""

from __future__ import annotations

import pytest

from jobs.models import Job
from tests.conftest import Api, World
from tests.factories import JobTypeFactory
from tests.threads import run_together


def test_same_key_same_body_replays_the_first_answer(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    headers = {"Idempotency-Key": "order-42"}
    first = world.api.post("/v1/jobs", {"jobType": "visit"}, headers=headers)
    second = world.api.post("/v1/jobs", {"jobType": "visit"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.data["id"] == second.data["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1


def test_same_key_other_body_is_409(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    headers = {"Idempotency-Key": "order-43"}
    world.api.post("/v1/jobs", {"jobType": "visit"}, headers=headers)
    response = world.api.post("/v1/jobs", {"jobType": "visit", "notes": "other"}, headers=headers)
    assert response.status_code == 409 and response.json["error"]["name"] == "ConflictError"
    assert Job.objects.count() == 1


def test_keys_are_per_credential(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    headers = {"Idempotency-Key": "shared"}
    world.api.post("/v1/jobs", {"jobType": "visit"}, headers=headers)
    world.api_with(["jobs.write"]).post("/v1/jobs", {"jobType": "visit"}, headers=headers)
    assert Job.objects.count() == 2


def test_validation_errors_are_replayed_too(world: World) -> None:
    headers = {"Idempotency-Key": "bad-one"}
    first = world.api.post("/v1/jobs", {"jobType": "nope"}, headers=headers)
    second = world.api.post("/v1/jobs", {"jobType": "nope"}, headers=headers)
    assert first.status_code == second.status_code == 400
    assert first.json["error"] == second.json["error"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_row(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")

    def send() -> int:
        return (
            Api(world.a.token).post("/v1/jobs", {"jobType": "visit"}, headers={"Idempotency-Key": "race"}).status_code
        )

    statuses = run_together(send, count=6)
    assert Job.objects.count() == 1
    assert statuses == [201] * 6, "duplicates wait for the first and replay its answer"
