"""Every jobs endpoint through the shared contract base."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from accounts.models import APIKey
from jobs.models import Job, JobEvent, JobStatus, JobType
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import AssetFactory, JobFactory, JobTypeFactory, SiteFactory

SCHEMA = {"type": "object", "required": ["reading"], "properties": {"reading": {"type": "number"}}}


def job_in(team_world: TeamWorld, status: str = JobStatus.PENDING, **fields: Any) -> Job:
    if status != JobStatus.PENDING and "assigned_to" not in fields:
        fields["assigned_to"] = team_world.engineer
    return JobFactory(team=team_world.team, status=status, **fields)


class TestListJobs(EndpointContract):
    path, scope, is_list = "/v1/jobs", "jobs.read", True
    bad_inputs = [
        BadInput(path="status", query={"status": "NOPE"}),
        BadInput(path="resultType", query={"resultType": "MAYBE"}),
        BadInput(path="dateFrom", query={"dateFrom": "yesterday"}),
        BadInput(path="assignedTo", query={"assignedTo": "not-a-uuid"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            job_in(team_world, JobStatus.ASSIGNED, created_by_key=None)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        job_in(world.a)
        job_in(world.b)
        again = world.api.get(self.path)
        assert [row["teamId"] if "teamId" in row else row["id"] for row in again.data] != []
        assert len(again.data) == 1, "only the caller's team's jobs"


class TestGetJob(EndpointContract):
    path, scope = "/v1/jobs/{id}", "jobs.read"
    bad_inputs = [BadInput(path="", query={})]

    def make_object(self, team_world: TeamWorld) -> Job:
        return job_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk)
        assert response.data["events"] == []

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404, never a 500; GET by id takes no other input."""
        assert world.api.get("/v1/jobs/not-a-uuid").status_code == 404


class TestCreateJob(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/jobs", "jobs.write", 201
    bad_inputs = [
        BadInput(path="jobTypeId", body={}),
        BadInput(path="jobTypeId", body={"jobTypeId": "not-a-uuid"}),
        BadInput(path="jobType", body={"jobType": "no-such-type"}),
        BadInput(path="scheduledDate", body={"jobType": "meter-read", "scheduledDate": "15/03/2026"}),
        BadInput(path="payload.reading", body={"jobType": "meter-read", "payload": {"reading": "high"}}),
        BadInput(path="payload", body={"jobType": "meter-read", "payload": [1]}),
        BadInput(path="status", body={"jobType": "meter-read", "payload": {"reading": 1}, "status": "COMPLETED"}),
        BadInput(path="", body=[1, 2]),
    ]

    def make_object(self, team_world: TeamWorld) -> None:
        JobTypeFactory(team=team_world.team, key="meter-read", payload_schema=SCHEMA)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"jobType": "meter-read", "payload": {"reading": 4.2}, "scheduledDate": "2026-03-15", "notes": "Gate"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        job = Job.objects.get(pk=response.data["id"])
        assert job.team == world.a.team and job.status == JobStatus.PENDING
        assert response.data["payload"] == {"reading": 4.2}
        assert response.data["createdBy"]["type"] == "apiKey"
        assert [e["toStatus"] for e in response.data["events"]] == ["PENDING"]


class TransitionContract(EndpointContract):
    method, scope = "post", "jobs.write"
    start_status: str = JobStatus.PENDING
    to_status: str = ""

    def make_object(self, team_world: TeamWorld) -> Job:
        return job_in(team_world, self.start_status)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert obj.status == self.to_status == response.data["status"]
        event = JobEvent.objects.filter(job=obj).latest("at")
        assert (event.from_status, event.to_status) == (self.start_status, self.to_status)
        assert event.actor_key is not None


class TestCancelJob(TransitionContract):
    path, to_status = "/v1/jobs/{id}/cancel", JobStatus.CANCELLED
    bad_inputs = [BadInput(path="reason", body={"reason": {"a": 1}}), BadInput(path="color", body={"color": "red"})]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"reason": "Customer away"}


class TestAssignJob(TransitionContract):
    path, to_status = "/v1/jobs/{id}/assign", JobStatus.ASSIGNED
    bad_inputs = [BadInput(path="engineerId", body={}), BadInput(path="engineerId", body={"engineerId": "x"})]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"engineerId": str(world.a.engineer.pk)}

    def test_engineer_of_another_team_is_refused(self, world: World) -> None:
        job = job_in(world.a)
        response = world.api.post(f"/v1/jobs/{job.pk}/assign", {"engineerId": str(world.b.engineer.pk)})
        assert response.status_code == 400 and response.issue_paths == ["engineerId"]
        job.refresh_from_db()
        assert job.assigned_to is None


class TestStartJob(TransitionContract):
    path, start_status, to_status = "/v1/jobs/{id}/start", JobStatus.ASSIGNED, JobStatus.IN_PROGRESS
    bad_inputs = [BadInput(path="force", body={"force": True})]


RESULT_SCHEMA = {
    "type": "object",
    "required": ["fault_code"],
    "properties": {"fault_code": {"type": "string", "pattern": "^E[0-9]+$"}, "pressureBar": {"type": "number"}},
}


class TestCompleteJob(TransitionContract):
    path, start_status, to_status = "/v1/jobs/{id}/complete", JobStatus.IN_PROGRESS, JobStatus.COMPLETED
    bad_inputs = [
        BadInput(path="resultType", body={}),
        BadInput(path="resultType", body={"resultType": "GREAT"}),
        BadInput(path="result", body={"resultType": "SUCCESS", "result": "fine"}),
        BadInput(path="result.fault_code", body={"resultType": "PARTIAL", "result": {"fault_code": "bad"}}),
        BadInput(path="result", body={"resultType": "SUCCESS"}),  # the schema's required reading
    ]

    def make_object(self, team_world: TeamWorld) -> Job:
        job_type = JobTypeFactory(team=team_world.team, result_schema=RESULT_SCHEMA)
        return job_in(team_world, self.start_status, job_type=job_type)

    def test_every_result_error_is_reported_at_once(self, world: World) -> None:
        job = self.make_object(world.a)
        body = {"resultType": "PARTIAL", "result": {"fault_code": 119, "pressureBar": "high"}}
        response = world.api.post(self.url(job), body)
        assert response.status_code == 400
        assert sorted(response.issue_paths) == ["result.fault_code", "result.pressureBar"]
        job.refresh_from_db()
        assert job.status == JobStatus.IN_PROGRESS and job.result is None

    @pytest.mark.parametrize("result_type", ["FAILED", "NO_ACCESS"])
    def test_no_result_is_fine_when_nothing_could_be_measured(self, world: World, result_type: str) -> None:
        job = self.make_object(world.a)
        response = world.api.post(self.url(job), {"resultType": result_type})
        assert response.status_code == 200 and response.data["result"] is None
        other = self.make_object(world.a)
        given = world.api.post(self.url(other), {"resultType": result_type, "result": {"fault_code": "x"}})
        assert given.status_code == 400 and given.issue_paths == ["result.fault_code"], "a given result is checked"

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"resultType": "PARTIAL", "result": {"fault_code": "E119"}, "notes": "Part ordered"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        super().check_happy(world, obj, response)
        assert response.data["resultType"] == "PARTIAL"
        assert response.data["result"] == {"fault_code": "E119"}, "free-form keys are kept as sent"
        assert response.data["completedAt"] is not None


class TestListJobTypes(EndpointContract):
    path, scope, is_list = "/v1/job-types", "jobs.read", True

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        JobTypeFactory.create_batch(count, team=team_world.team)


class TestGetJobType(EndpointContract):
    path, scope = "/v1/job-types/{id}", "jobs.read"

    def make_object(self, team_world: TeamWorld) -> JobType:
        return JobTypeFactory(team=team_world.team)

    def test_bad_input_is_400(self, world: World) -> None:
        assert world.api.get("/v1/job-types/123").status_code == 404


class TestCreateJobType(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/job-types", "jobs.write", 201
    bad_inputs = [
        BadInput(path="key", body={"name": "Survey"}),
        BadInput(path="key", body={"key": "has spaces", "name": "Survey"}),
        BadInput(path="payloadSchema", body={"key": "survey", "name": "Survey", "payloadSchema": "yes"}),
        BadInput(path="payloadSchema.type", body={"key": "survey", "name": "S", "payloadSchema": {"type": "banana"}}),
        BadInput(path="resultSchema", body={"key": "survey", "name": "Survey", "resultSchema": [1]}),
        BadInput(path="resultSchema.type", body={"key": "survey", "name": "S", "resultSchema": {"type": "banana"}}),
    ]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"key": "survey", "name": "Site survey", "payloadSchema": SCHEMA, "resultSchema": RESULT_SCHEMA}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["payloadSchema"] == SCHEMA
        assert response.data["resultSchema"] == RESULT_SCHEMA
        assert JobType.objects.get(team=world.a.team, key="survey").result_schema == RESULT_SCHEMA
        duplicate = world.api.post(self.path, self.body(world, obj))
        assert duplicate.status_code == 409 and duplicate.issue_paths == ["key"]


class TestUpdateJobType(EndpointContract):
    method, path, scope = "post", "/v1/job-types/{id}/update", "jobs.write"
    bad_inputs = [
        BadInput(path="resultSchema", body={"resultSchema": "yes"}),
        BadInput(path="resultSchema.required", body={"resultSchema": {"required": "reading"}}),
        BadInput(path="payloadSchema.type", body={"payloadSchema": {"type": "banana"}}),
        BadInput(path="key", body={"key": "renamed"}),
        BadInput(path="name", body={"name": ""}),
    ]

    def make_object(self, team_world: TeamWorld) -> JobType:
        return JobTypeFactory(team=team_world.team, key="meter-read", payload_schema=SCHEMA)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"name": "Meter reading", "resultSchema": RESULT_SCHEMA}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert (obj.name, obj.key, obj.payload_schema, obj.result_schema) == (
            "Meter reading",
            "meter-read",
            SCHEMA,
            RESULT_SCHEMA,
        ), "only the fields sent change"
        assert response.data["resultSchema"] == RESULT_SCHEMA
        listed = world.api.get("/v1/job-types")
        assert [t["resultSchema"] for t in listed.data] == [RESULT_SCHEMA]
        cleared = world.api.post(self.url(obj), {"resultSchema": None})
        assert cleared.status_code == 200 and cleared.data["resultSchema"] is None


def test_site_of_another_team_is_refused(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    theirs = SiteFactory(team=world.b.team)
    response = world.api.post("/v1/jobs", {"jobType": "visit", "siteId": str(theirs.pk)})
    assert response.status_code == 400 and response.issue_paths == ["siteId"]
    assert not Job.objects.exists()


@pytest.mark.parametrize("wire", [True, False], ids=["postgres-text-rows", "orm-rows"])
def test_fast_list_rows_equal_the_serializer(world: World, wire: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot list path builds rows by hand; they must be exactly what JobSerializer documents, as
    `to_wire` sends it (empty notes, reason and serial number as null).

    Both ways of fetching them: PostgreSQL's text (`wire_rows`) and the ORM's rows, as on SQLite.
    """
    if not wire:
        from jobs.api.views import JobViewSet

        monkeypatch.setattr(JobViewSet, "fetch_rows", staticmethod(list))
        monkeypatch.setattr(JobViewSet.hot_list, "keep", False)
    from rest_framework.utils.encoders import JSONEncoder

    from core.wire import to_wire
    from jobs.api.serializers import JobSerializer

    site = SiteFactory(team=world.a.team)
    JobFactory(team=world.a.team, status=JobStatus.ASSIGNED, assigned_to=world.a.engineer, site=site,
               client=site.client, payload={"snake_key": [1, {"x": None}], "blank": ""}, result={"a_b": 1},
               scheduled_date="2026-03-15", created_by_user=world.a.owner,
               scheduled_start=dt.datetime(2026, 3, 15, 8, 30, tzinfo=dt.UTC),
               scheduled_end=dt.datetime(2026, 3, 15, 10, 0, 0, 120000, tzinfo=dt.UTC))  # fmt: skip
    JobFactory(team=world.a.team, created_by_key=APIKey.objects.get(team=world.a.team, name="full"))
    JobFactory(team=world.a.team, asset=AssetFactory(team=world.a.team, serial_number=""))
    listed = world.api.get("/v1/jobs").data
    assert len(listed) == 3
    assert [row["payload"]["blank"] for row in listed if "blank" in row["payload"]] == [""], "a payload is the author's"
    for job in Job.objects.filter(team=world.a.team).select_related("job_type", "assigned_to"):
        expected = to_wire(JobSerializer(job).data)
        documented = json.loads(json.dumps(expected, cls=JSONEncoder))
        assert documented in listed
