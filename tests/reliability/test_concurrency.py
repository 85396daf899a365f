"""Real races through the whole HTTP stack on PostgreSQL: many threads, one connection and transaction each.

Covered elsewhere and not repeated here: concurrent finalizes taking gapless numbers
(tests/invoicing/test_concurrency.py), complete-vs-cancel at the service level
(tests/jobs/test_transitions.py) and duplicate idempotent job creates (tests/api/test_idempotency.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from assets.models import Asset
from flows.models import FlowGroup
from jobs.models import Job, JobEvent, JobStatus
from projects.models import Client
from tests.conftest import Api, World
from tests.factories import AssetFactory, JobFactory

THREADS = 8


def race(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run every task in its own thread, all released at once; return each result (or exception)."""
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def run(index: int, task: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = task()
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, task)) for i, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_completes_of_one_job_one_wins_the_rest_are_409(world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.IN_PROGRESS, assigned_to=world.a.engineer)
    url = f"/v1/jobs/{job.pk}/complete"

    def complete(index: int) -> Any:
        return Api(world.a.token).post(url, {"resultType": "SUCCESS", "notes": f"attempt {index}"})

    responses = race([lambda i=i: complete(i) for i in range(THREADS)])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (THREADS - 1), statuses
    assert all(r.json["error"]["name"] == "ConflictError" for r in responses if r.status_code == 409)
    job.refresh_from_db()
    winner = next(r for r in responses if r.status_code == 200)
    assert job.status == JobStatus.COMPLETED and job.notes == winner.data["notes"]
    assert JobEvent.objects.filter(job=job, to_status=JobStatus.COMPLETED).count() == 1
    assert FlowGroup.objects.filter(job=job).count() <= 1, "the documents are produced once"


@pytest.mark.django_db(transaction=True)
def test_parallel_idempotent_creates_of_another_resource_make_one_row(world: World) -> None:
    body = {"name": "Acme Heating", "email": "ops@acme.example.com"}

    def create() -> Any:
        return Api(world.a.token).post("/v1/clients", body, headers={"Idempotency-Key": "client-acme"})

    responses = race([create for _ in range(THREADS)])

    assert Client.objects.filter(team=world.a.team, name="Acme Heating").count() == 1
    statuses = [response.status_code for response in responses]
    assert 201 in statuses and set(statuses) <= {201, 409}, statuses
    ids = {response.data["id"] for response in responses if response.status_code == 201}
    assert len(ids) == 1, "every 201 (first answer or replay) names the same client"
    replay = create()
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db(transaction=True)
def test_parallel_asset_updates_lose_nothing(world: World) -> None:
    """Each update changes its own field under a row lock (`select_for_update`): every change survives."""
    asset = AssetFactory(team=world.a.team, site__team=world.a.team)
    changes = [
        {"name": "Boiler (renamed)"},
        {"manufacturer": "Worcester"},
        {"model": "Greenstar 8000"},
        {"locationNote": "Loft hatch, left"},
        {"serialNumber": "SN-RACE-1"},
        {"installDate": "2020-05-01"},
        {"warrantyExpiry": "2030-05-01"},
        {"status": "INACTIVE"},
    ]

    def update(change: dict[str, Any]) -> Any:
        return Api(world.a.token).post(f"/v1/assets/{asset.pk}/update", change)

    responses = race([lambda c=c: update(c) for c in changes])

    assert [response.status_code for response in responses] == [200] * len(changes), responses
    final = Api(world.a.token).get(f"/v1/assets/{asset.pk}").data
    for change in changes:
        for field, value in change.items():
            assert final[field] == value, f"the update of {field} was lost"
    history = Asset.history.filter(id=asset.pk)
    assert history.count() == 1 + len(changes), "one entry for the creation and one per update"


@pytest.mark.django_db(transaction=True)
def test_parallel_assigns_and_starts_leave_a_consistent_job(world: World) -> None:
    """Mixed transitions on one job: every answer is 200 or 409, and the event log replays to the final state."""
    job = JobFactory(team=world.a.team, status=JobStatus.PENDING)
    engineer = str(world.a.engineer.pk)
    api = Api(world.a.token)
    calls = [
        lambda: api.with_token(world.a.token).post(f"/v1/jobs/{job.pk}/assign", {"engineerId": engineer}),
        lambda: api.with_token(world.a.token).post(f"/v1/jobs/{job.pk}/start", {}),
        lambda: api.with_token(world.a.token).post(f"/v1/jobs/{job.pk}/cancel", {"reason": "race"}),
    ] * 3

    responses = race(calls)

    assert all(response.status_code in (200, 409) for response in responses), responses
    job.refresh_from_db()
    events = list(JobEvent.objects.filter(job=job).order_by("at", "id").values_list("to_status", flat=True))
    assert events and events[-1] == job.status
    assert events.count(JobStatus.CANCELLED) <= 1
    assert Job.objects.filter(pk=job.pk).count() == 1
