"""Moving a job from the board (drag-and-drop and the quick form post the same form): through the same
services as the API, so the timeline and the webhook events are the same; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from accounts.models import Role
from jobs.models import Job, JobEvent, JobStatus
from tests.factories import JobFactory, MembershipFactory
from tests.jobs.test_board import signed_in, today_in
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def move_url(job: Job) -> str:
    return f"/board/jobs/{job.pk}/move/"


def snapshot(job: Job) -> tuple[Any, ...]:
    job.refresh_from_db()
    events = JobEvent.objects.filter(job=job).count()
    hooks = WebhookEvent.objects.filter(object_id=job.pk).count()
    return job.status, job.assigned_to_id, job.scheduled_date, job.scheduled_start, job.scheduled_end, events, hooks


@pytest.fixture
def team(world: Any) -> Any:
    world.a.team.timezone = "Europe/London"
    world.a.team.save()
    return world.a.team


@pytest.fixture
def day(team: Any) -> dt.date:
    return today_in(team)


def test_assigning_and_rescheduling_from_the_board_is_what_the_api_does(world, team, day):
    job = JobFactory(team=team, scheduled_date=day)
    tomorrow = day + dt.timedelta(days=1)
    dispatcher = signed_in(world.a.dispatcher)
    response = dispatcher.post(
        move_url(job),
        {"engineer": str(world.a.engineer.pk), "date": tomorrow.isoformat(), "start": "09:30", "end": "11:00",
         "next": f"/board/?week={day.isoformat()}"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/board/?week={day.isoformat()}#job-{job.pk}"
    job.refresh_from_db()
    london = zoneinfo.ZoneInfo("Europe/London")
    assert job.status == JobStatus.ASSIGNED and job.assigned_to == world.a.engineer
    assert job.scheduled_date == tomorrow
    assert job.scheduled_start == dt.datetime.combine(tomorrow, dt.time(9, 30), tzinfo=london)
    assert job.scheduled_end == dt.datetime.combine(tomorrow, dt.time(11), tzinfo=london)
    notes = list(JobEvent.objects.filter(job=job).order_by("at").values_list("to_status", "note", "actor_user"))
    assert notes[-2][:2] == (JobStatus.ASSIGNED, f"Assigned to {world.a.engineer}")
    assert notes[-1][1].startswith(f"Rescheduled to {tomorrow.isoformat()}")
    assert {row[2] for row in notes[-2:]} == {world.a.dispatcher.pk}
    types = list(WebhookEvent.objects.filter(object_id=job.pk).order_by("created_at").values_list("type", flat=True))
    assert types[-2:] == ["job.assigned", "job.rescheduled"]
    page = dispatcher.get(response["Location"]).content.decode()
    assert f"assigned to {world.a.engineer}; scheduled for" in page


def test_a_drop_on_another_day_keeps_the_engineer_and_the_time_of_day(world, team, day):
    london = zoneinfo.ZoneInfo("Europe/London")
    job = JobFactory(team=team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED, scheduled_date=day,
                     scheduled_start=dt.datetime.combine(day, dt.time(8), tzinfo=london),
                     scheduled_end=dt.datetime.combine(day, dt.time(9), tzinfo=london))  # fmt: skip
    later = day + dt.timedelta(days=2)
    signed_in(world.a.owner).post(move_url(job), {"engineer": "", "date": later.isoformat(), "start": "08:00",
                                                  "end": "09:00"})  # fmt: skip
    job.refresh_from_db()
    assert (job.assigned_to, job.scheduled_date) == (world.a.engineer, later)
    assert job.scheduled_start == dt.datetime.combine(later, dt.time(8), tzinfo=london)
    assert list(WebhookEvent.objects.filter(object_id=job.pk).values_list("type", flat=True)) == ["job.rescheduled"]


def test_clearing_the_times_drops_the_window_and_keeps_the_day(world, team, day):
    london = zoneinfo.ZoneInfo("Europe/London")
    job = JobFactory(team=team, scheduled_date=day, scheduled_start=dt.datetime.combine(day, dt.time(8), tzinfo=london),
                     scheduled_end=dt.datetime.combine(day, dt.time(9), tzinfo=london))  # fmt: skip
    signed_in(world.a.dispatcher).post(move_url(job), {"date": day.isoformat(), "start": "", "end": ""})
    job.refresh_from_db()
    assert (job.scheduled_date, job.scheduled_start, job.scheduled_end) == (day, None, None)


def test_the_same_place_changes_nothing_and_records_nothing(world, team, day):
    job = JobFactory(team=team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED, scheduled_date=day)
    before = snapshot(job)
    response = signed_in(world.a.dispatcher).post(move_url(job), {"engineer": str(world.a.engineer.pk),
                                                                  "date": day.isoformat()})  # fmt: skip
    assert response.status_code == 302 and snapshot(job) == before


@pytest.mark.parametrize(
    ("status", "form", "code", "message"),
    [
        (JobStatus.PENDING, {"start": "11:00", "end": "10:00"}, 400, "scheduledEnd must be after scheduledStart."),
        (JobStatus.PENDING, {"start": "11:00"}, 400, "Give both the start and the end time, or neither."),
        (JobStatus.PENDING, {"date": "tomorrow"}, 400, "Give the day as YYYY-MM-DD."),
        (JobStatus.PENDING, {"date": ""}, 400, "Choose the day."),
        (JobStatus.PENDING, {"start": "25:00", "end": "26:00"}, 400, "Give the start as HH:MM."),
        (JobStatus.PENDING, {"engineer": "not-an-id"}, 400, "Choose one of your team&#x27;s engineers."),
        (JobStatus.ASSIGNED, {"engineer": "unassigned"}, 400, "A job cannot be unassigned"),
        (JobStatus.IN_PROGRESS, {"engineer": "other"}, 409, "Cannot assign a job that is IN_PROGRESS."),
        (JobStatus.COMPLETED, {}, 409, "Cannot reschedule a job that is COMPLETED."),
    ],
)
def test_a_refused_move_changes_nothing_and_says_why(world, team, day, status, form, code, message):
    other = MembershipFactory(team=team, role=Role.ENGINEER).user
    assigned = world.a.engineer if status != JobStatus.PENDING else None
    job = JobFactory(team=team, status=status, assigned_to=assigned, scheduled_date=day)
    before = snapshot(job)
    body = {"date": (day + dt.timedelta(days=1)).isoformat(), **form}
    if body.get("engineer") == "other":
        body["engineer"] = str(other.pk)
    response = signed_in(world.a.dispatcher).post(move_url(job), body)
    assert response.status_code == code
    html = response.content.decode()
    assert "was not changed" in html and message in html
    assert "<h1>Dispatch board</h1>" in html  # the board again, with the reason on it
    assert snapshot(job) == before


def test_a_window_assigned_and_refused_together_leaves_the_assignment_undone(world, team, day):
    job = JobFactory(team=team, scheduled_date=day)
    before = snapshot(job)
    # The assignment passes, the window is refused by `reschedule_job`: both or neither.
    response = signed_in(world.a.dispatcher).post(move_url(job), {"engineer": str(world.a.engineer.pk),
                                                                  "date": day.isoformat(), "start": "10:00",
                                                                  "end": "10:00"})  # fmt: skip
    assert response.status_code == 400 and snapshot(job) == before


@pytest.mark.parametrize("who", ["dispatcher", "owner of another team", "finance"])
def test_only_the_teams_engineers_can_be_chosen(world, team, day, who):
    person = {"dispatcher": world.a.dispatcher, "owner of another team": world.b.engineer}.get(who)
    person = person or MembershipFactory(team=team, role=Role.FINANCE).user
    job = JobFactory(team=team, scheduled_date=day)
    before = snapshot(job)
    response = signed_in(world.a.dispatcher).post(move_url(job), {"engineer": str(person.pk), "date": day.isoformat()})
    assert response.status_code == 400 and "Choose one of your team&#x27;s engineers." in response.content.decode()
    assert snapshot(job) == before


def test_another_teams_job_is_not_found_and_stays_as_it_was(world, team, day):
    theirs = JobFactory(team=world.b.team, scheduled_date=day)
    before = snapshot(theirs)
    response = signed_in(world.a.dispatcher).post(move_url(theirs), {"engineer": str(world.a.engineer.pk),
                                                                     "date": day.isoformat()})  # fmt: skip
    assert response.status_code == 404
    assert snapshot(theirs) == before


def test_moves_need_the_csrf_token_and_a_post(world, team, day):
    job = JobFactory(team=team, scheduled_date=day)
    before = snapshot(job)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.a.dispatcher)
    body = {"engineer": str(world.a.engineer.pk), "date": day.isoformat()}
    assert strict.post(move_url(job), body).status_code == 403
    assert signed_in(world.a.dispatcher).put(move_url(job), body).status_code == 405
    assert snapshot(job) == before


@pytest.mark.parametrize("target", ["https://evil.example.com/board/", "//evil.example.com/", "/admin/", ""])
def test_after_a_move_the_page_goes_back_to_the_board_only(world, team, day, target):
    job = JobFactory(team=team, scheduled_date=day)
    response = signed_in(world.a.dispatcher).post(move_url(job), {"date": day.isoformat(), "next": target})
    assert response.status_code == 302 and response["Location"] == f"/board/#job-{job.pk}"
