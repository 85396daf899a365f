"""Time windows on jobs: creating with one, the reschedule endpoint, and the scheduledFrom/To filters."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jobs.models import Job, JobEvent, JobStatus
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import JobFactory, JobTypeFactory
from tests.webhooks.factories import make_endpoint
from webhooks.models import EventType, WebhookEvent

START, END = "2026-03-15T08:00:00Z", "2026-03-15T10:30:00Z"


def job_of(team_world: TeamWorld, **fields: Any) -> Job:
    return JobFactory(team=team_world.team, **fields)


def test_a_job_is_created_with_a_window_and_its_day(world: World) -> None:
    world.a.team.timezone = "Pacific/Auckland"  # UTC+13 in March: 20:00Z on the 14th is the 15th there
    world.a.team.save()
    JobTypeFactory(team=world.a.team, key="svc")
    body = {"jobType": "svc", "scheduledStart": "2026-03-14T20:00:00Z", "scheduledEnd": "2026-03-14T22:00:00Z"}
    response = world.api.post("/v1/jobs", body)
    assert response.status_code == 201, response
    assert response.data["scheduledDate"] == "2026-03-15"
    assert response.data["scheduledStart"] == "2026-03-14T20:00:00.000000Z"
    assert response.data["scheduledEnd"] == "2026-03-14T22:00:00.000000Z"
    listed = world.api.get("/v1/jobs").data[0]
    assert (listed["scheduledStart"], listed["scheduledEnd"]) == (body["scheduledStart"][:-1] + ".000000Z",
                                                                  body["scheduledEnd"][:-1] + ".000000Z")  # fmt: skip


def test_a_window_must_be_whole_and_forward(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="svc")
    cases = [
        ({"scheduledStart": START}, "scheduledEnd"),
        ({"scheduledEnd": END}, "scheduledStart"),
        ({"scheduledStart": END, "scheduledEnd": START}, "scheduledEnd"),
        ({"scheduledStart": START, "scheduledEnd": START}, "scheduledEnd"),
        ({"scheduledStart": "tomorrow", "scheduledEnd": END}, "scheduledStart"),
        ({"scheduledDate": "2026-03-16", "scheduledStart": START, "scheduledEnd": END}, "scheduledStart"),
    ]
    for fields, path in cases:
        response = world.api.post("/v1/jobs", {"jobType": "svc", **fields})
        assert response.status_code == 400, (fields, response)
        assert path in response.issue_paths, (fields, response.issues)
    assert Job.objects.count() == 0


class TestRescheduleJob(EndpointContract):
    method, path, scope = "post", "/v1/jobs/{id}/reschedule", "jobs.write"
    bad_inputs = [
        BadInput(path="", body={}),
        BadInput(path="scheduledDate", body={"scheduledDate": "15/03/2026"}),
        BadInput(path="scheduledEnd", body={"scheduledStart": START}),
        BadInput(path="scheduledEnd", body={"scheduledStart": END, "scheduledEnd": START}),
        BadInput(path="status", body={"status": "PENDING"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Job:
        return job_of(team_world, scheduled_date=dt.date(2026, 3, 1))

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"scheduledStart": START, "scheduledEnd": END}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["scheduledDate"] == "2026-03-15"
        assert response.data["scheduledStart"] == "2026-03-15T08:00:00.000000Z"
        obj.refresh_from_db()
        assert obj.scheduled_date == dt.date(2026, 3, 15)
        event = JobEvent.objects.filter(job=obj).latest("at")
        assert (event.from_status, event.to_status) == (JobStatus.PENDING, JobStatus.PENDING)
        assert event.note.startswith("Rescheduled to 2026-03-15")


def test_a_date_alone_drops_a_window_on_another_day_and_keeps_one_on_it(world: World) -> None:
    job = job_of(world.a, scheduled_date=dt.date(2026, 3, 15),
                 scheduled_start=dt.datetime(2026, 3, 15, 8, tzinfo=dt.UTC),
                 scheduled_end=dt.datetime(2026, 3, 15, 9, tzinfo=dt.UTC))  # fmt: skip
    same = world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": "2026-03-15"}).data
    assert same["scheduledStart"] is not None
    moved = world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": "2026-03-20"}).data
    assert (moved["scheduledDate"], moved["scheduledStart"], moved["scheduledEnd"]) == ("2026-03-20", None, None)
    unscheduled = world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": None}).data
    assert unscheduled["scheduledDate"] is None


def test_clearing_the_window_keeps_the_day(world: World) -> None:
    job = job_of(world.a, scheduled_date=dt.date(2026, 3, 15),
                 scheduled_start=dt.datetime(2026, 3, 15, 8, tzinfo=dt.UTC),
                 scheduled_end=dt.datetime(2026, 3, 15, 9, tzinfo=dt.UTC))  # fmt: skip
    cleared = world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledStart": None, "scheduledEnd": None}).data
    assert (cleared["scheduledDate"], cleared["scheduledStart"]) == ("2026-03-15", None)


def test_a_finished_job_is_not_rescheduled(world: World) -> None:
    for status in (JobStatus.COMPLETED, JobStatus.CANCELLED):
        job = job_of(world.a, status=status, assigned_to=world.a.engineer)
        response = world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": "2026-04-01"})
        assert response.status_code == 409, response
        job.refresh_from_db()
        assert job.scheduled_date is None


def test_rescheduling_emits_job_rescheduled(world: World) -> None:
    make_endpoint(world.a, enabled_events=[EventType.JOB_RESCHEDULED])
    job = job_of(world.a)
    world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": "2026-04-01"})
    event = WebhookEvent.objects.get(type=EventType.JOB_RESCHEDULED)
    assert json.loads(event.body)["data"]["object"]["scheduledDate"] == "2026-04-01"
    # Nothing moved: nothing announced.
    world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": "2026-04-01"})
    assert WebhookEvent.objects.filter(type=EventType.JOB_RESCHEDULED).count() == 1


def test_scheduled_from_and_to_filter_on_the_day_inclusive(world: World) -> None:
    for day in (1, 10, 20):
        job_of(world.a, scheduled_date=dt.date(2026, 3, day))
    job_of(world.a)
    dates = lambda query: sorted(row["scheduledDate"] for row in world.api.get("/v1/jobs", query).data)  # noqa: E731
    assert dates({"scheduledFrom": "2026-03-10"}) == ["2026-03-10", "2026-03-20"]
    assert dates({"scheduledTo": "2026-03-10"}) == ["2026-03-01", "2026-03-10"]
    assert dates({"scheduledFrom": "2026-03-02", "scheduledTo": "2026-03-19"}) == ["2026-03-10"]
    bad = world.api.get("/v1/jobs", {"scheduledFrom": "March"})
    assert bad.status_code == 400 and bad.issue_paths == ["scheduledFrom"]


def test_update_job_drops_a_window_left_on_another_day(world: World) -> None:
    from accounts.models import Actor
    from jobs.services import update_job

    job = job_of(world.a, scheduled_date=dt.date(2026, 3, 15),
                 scheduled_start=dt.datetime(2026, 3, 15, 8, tzinfo=dt.UTC),
                 scheduled_end=dt.datetime(2026, 3, 15, 9, tzinfo=dt.UTC))  # fmt: skip
    update_job(job=job, actor=Actor(), changes={"notes": "Gate code 1234"})
    job.refresh_from_db()
    assert job.scheduled_start is not None, "a change that does not move the day keeps the window"
    moved = update_job(job=job, actor=Actor(), changes={"scheduled_date": dt.date(2026, 3, 16)})
    stored = Job.objects.get(pk=moved.pk)
    assert (stored.scheduled_date, stored.scheduled_start, stored.scheduled_end) == (dt.date(2026, 3, 16), None, None)
