"""Job state machine rules and the row lock that serialises concurrent transitions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import Actor
from core.exceptions import StateConflictError
from jobs import services
from jobs.models import Job, JobAttachment, JobEvent, JobSignature, JobStatus
from tests.conftest import Api, World
from tests.factories import JobFactory


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        (JobStatus.COMPLETED, "cancel", {}),
        (JobStatus.CANCELLED, "complete", {"resultType": "SUCCESS"}),
        (JobStatus.PENDING, "complete", {"resultType": "SUCCESS"}),
        (JobStatus.CANCELLED, "start", {}),
        (JobStatus.IN_PROGRESS, "assign", None),
        (JobStatus.COMPLETED, "assign", None),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(world: World, status: str, action: str, body: dict) -> None:
    job = JobFactory(team=world.a.team, status=status, assigned_to=world.a.engineer)
    body = body if body is not None else {"engineerId": str(world.a.engineer.pk)}
    response = world.api.post(f"/v1/jobs/{job.pk}/{action}", body)
    assert response.status_code == 409, response
    assert response.json["error"]["name"] == "ConflictError"
    job.refresh_from_db()
    assert job.status == status
    assert not JobEvent.objects.filter(job=job).exists()


def test_start_needs_an_engineer(world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.ASSIGNED)
    response = world.api.post(f"/v1/jobs/{job.pk}/start")
    assert response.status_code == 409 and "engineer" in response.issues[0]["message"]


def test_full_lifecycle_records_every_event(world: World) -> None:
    world.api.post("/v1/job-types", {"key": "visit", "name": "Visit"})
    job_id = world.api.post("/v1/jobs", {"jobType": "visit"}).data["id"]
    world.api.post(f"/v1/jobs/{job_id}/assign", {"engineerId": str(world.a.engineer.pk)})
    world.api.post(f"/v1/jobs/{job_id}/assign", {"engineerId": str(world.a.owner.pk)})
    world.api.post(f"/v1/jobs/{job_id}/start")
    done = world.api.post(f"/v1/jobs/{job_id}/complete", {"resultType": "SUCCESS"})
    assert [(e["fromStatus"], e["toStatus"]) for e in done.data["events"]] == [
        (None, "PENDING"),
        ("PENDING", "ASSIGNED"),
        ("ASSIGNED", "ASSIGNED"),
        ("ASSIGNED", "IN_PROGRESS"),
        ("IN_PROGRESS", "COMPLETED"),
    ]
    assert done.data["assignedTo"]["id"] == str(world.a.owner.pk)
    assert all(e["actor"]["type"] == "apiKey" for e in done.data["events"])


def test_filters_by_type_status_engineer(world: World) -> None:
    world.api.post("/v1/job-types", {"key": "visit", "name": "Visit"})
    world.api.post("/v1/job-types", {"key": "install", "name": "Install"})
    for key in ("visit", "visit", "install"):
        world.api.post("/v1/jobs", {"jobType": key})
    visit = Job.objects.filter(job_type__key="visit").first()
    assert visit is not None
    world.api.post(f"/v1/jobs/{visit.pk}/assign", {"engineerId": str(world.a.engineer.pk)})
    assert len(world.api.get("/v1/jobs", {"jobType": "visit"}).data) == 2
    assert len(world.api.get("/v1/jobs", {"jobType": str(visit.job_type_id)}).data) == 2
    assert len(world.api.get("/v1/jobs", {"status": "ASSIGNED"}).data) == 1
    assert len(world.api.get("/v1/jobs", {"assignedTo": str(world.a.engineer.pk)}).data) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_complete_and_cancel_only_one_wins(world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.IN_PROGRESS, assigned_to=world.a.engineer)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(action: str) -> None:
        try:
            barrier.wait()
            if action == "complete":
                services.complete_job(job=job, actor=Actor(), result_type="SUCCESS")
            else:
                services.cancel_job(job=job, actor=Actor(), reason="race")
            outcomes.append(action)
        except StateConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in ("complete", "cancel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["complete", "conflict"], ["cancel", "conflict"])
    assert JobEvent.objects.filter(job=job).count() == 1


def test_job_detail_query_count_is_bounded(world: World, django_assert_max_num_queries: object) -> None:
    job = JobFactory(team=world.a.team)
    for _ in range(5):
        JobEvent.objects.create(job=job, to_status="PENDING", at=job.created_at)
        JobAttachment.objects.create(team=world.a.team, job=job, file="x.png", content_type="image/png", size=1)
    JobSignature.objects.create(team=world.a.team, job=job, signer_name="A", image="s.png", signed_at=job.created_at)
    api = Api(world.a.token)
    api.get(f"/v1/jobs/{job.pk}")
    with django_assert_max_num_queries(5):  # type: ignore[operator]  # + the photos (the signature is joined)
        api.get(f"/v1/jobs/{job.pk}")


def test_filter_by_asset_and_client(world: World) -> None:
    from tests.factories import AssetFactory

    asset = AssetFactory(team=world.a.team)
    JobFactory(team=world.a.team, asset=asset, site=asset.site, client=asset.site.client)
    JobFactory(team=world.a.team)
    assert len(world.api.get("/v1/jobs", {"assetId": str(asset.pk)}).data) == 1
    assert len(world.api.get("/v1/jobs", {"clientId": str(asset.site.client_id)}).data) == 1


def test_payload_keys_are_kept_exactly_as_sent(world: World) -> None:
    schema = {"type": "object", "required": ["flueGasCo2"], "properties": {"flueGasCo2": {"type": "number"}}}
    world.api.post("/v1/job-types", {"key": "svc", "name": "Service", "payloadSchema": schema})
    created = world.api.post(
        "/v1/jobs", {"jobType": "svc", "payload": {"flueGasCo2": 9.1, "snake_case": {"innerKey": 1}}}
    )
    assert created.status_code == 201, created
    assert created.data["payload"] == {"flueGasCo2": 9.1, "snake_case": {"innerKey": 1}}
    job = Job.objects.get(pk=created.data["id"])
    assert job.payload == {"flueGasCo2": 9.1, "snake_case": {"innerKey": 1}}
    assert job.job_type.payload_schema == schema
