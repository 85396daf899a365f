"""The daily pass: jobs made once per occurrence, in the lead window, never for paused or ended plans."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from accounts.models import Actor
from jobs import services as job_services
from jobs.models import Job, JobStatus, ResultType
from plans import services, worker
from plans.models import OccurrenceStatus, PlanOccurrence, PlanStatus
from tests.factories import TeamFactory
from tests.plans.factories import TODAY, make_plan

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def test_job_is_created_when_the_occurrence_enters_the_lead_window() -> None:
    team = TeamFactory()
    plan = make_plan(team, start_date=TODAY + dt.timedelta(days=20), lead_time_days=14)
    assert plan.next_due_on == TODAY + dt.timedelta(days=20)
    assert plan.create_next_job_on == TODAY + dt.timedelta(days=6)
    assert worker.create_due_jobs(today=TODAY + dt.timedelta(days=5)) == 0
    assert worker.create_due_jobs(today=TODAY + dt.timedelta(days=6)) == 1
    row = PlanOccurrence.objects.get(plan=plan)
    assert row.status == OccurrenceStatus.JOB_CREATED and row.due_on == TODAY + dt.timedelta(days=20)
    assert row.job is not None and row.job.scheduled_date == row.due_on and row.job.site_id == plan.site_id
    assert row.job.notes.startswith("Maintenance plan")
    plan.refresh_from_db()
    assert plan.create_next_job_on == dt.date(2027, 3, 22) - dt.timedelta(days=14), "next year's visit"
    assert worker.create_due_jobs(today=TODAY + dt.timedelta(days=30)) == 0, "idempotent"
    assert Job.objects.count() == 1


def test_paused_and_ended_plans_get_no_jobs() -> None:
    team = TeamFactory()
    paused = services.pause_plan(plan=make_plan(team), actor=Actor(), today=TODAY)
    ended = services.end_plan(plan=make_plan(team), actor=Actor(), today=TODAY)
    assert worker.create_due_jobs(today=TODAY) == 0
    assert not Job.objects.exists()
    assert ended.next_due_on is None and paused.create_next_job_on is None
    resumed = services.resume_plan(plan=paused, actor=Actor(), today=TODAY + dt.timedelta(days=400))
    assert resumed.series_from == TODAY + dt.timedelta(days=400), "visits missed while paused are not made up"
    assert worker.create_due_jobs(today=TODAY + dt.timedelta(days=400)) == 0
    assert worker.create_due_jobs(today=dt.date(2028, 2, 20)) == 1
    assert PlanOccurrence.objects.get().due_on == dt.date(2028, 3, 2)


def test_a_crash_between_the_insert_and_the_job_is_retried_exactly_once() -> None:
    team = TeamFactory()
    plan = make_plan(team)
    killed = mock.patch.object(job_services, "create_jobs_bulk", side_effect=RuntimeError("worker killed"))
    with killed, pytest.raises(RuntimeError):
        worker.create_due_jobs(today=TODAY)
    assert not PlanOccurrence.objects.exists(), "the occurrence rolled back with the job"
    assert worker.create_due_jobs(today=TODAY) == 1
    assert worker.create_due_jobs(today=TODAY) == 0
    assert PlanOccurrence.objects.get(plan=plan).job is not None
    assert Job.objects.count() == 1


def test_completing_the_job_moves_last_serviced_and_next_due_on() -> None:
    world_team = TeamFactory()
    plan = make_plan(world_team)
    worker.create_due_jobs(today=TODAY)
    job = PlanOccurrence.objects.get().job
    assert job is not None
    plan.refresh_from_db()
    assert plan.next_due_on == TODAY
    overdue_day = TODAY + dt.timedelta(days=3)
    assert plan.next_due_on < overdue_day, "past its date and not done: overdue"
    from tests.factories import MembershipFactory, UserFactory

    engineer = UserFactory()
    MembershipFactory(team=world_team, user=engineer)
    job = job_services.assign_job(job=job, actor=Actor(), engineer=engineer)
    job = job_services.start_job(job=job, actor=Actor())
    job_services.complete_job(job=job, actor=Actor(), result_type=ResultType.SUCCESS)
    plan.refresh_from_db()
    row = PlanOccurrence.objects.get()
    assert row.status == OccurrenceStatus.DONE
    assert plan.last_serviced_on is not None
    assert plan.next_due_on == dt.date(2027, 3, 2)


def test_skip_cancels_the_unstarted_job_and_keeps_the_rest_of_the_series() -> None:
    plan = make_plan(TeamFactory(), rrule="FREQ=MONTHLY")
    worker.create_due_jobs(today=TODAY)
    row = services.skip_occurrence(plan=plan, actor=Actor(), due_on=TODAY, today=TODAY)
    assert row.status == OccurrenceStatus.SKIPPED
    assert row.job is not None and Job.objects.get(pk=row.job.pk).status == JobStatus.CANCELLED
    future = services.skip_occurrence(plan=plan, actor=Actor(), due_on=dt.date(2026, 5, 2), today=TODAY)
    assert future.job is None
    plan.refresh_from_db()
    assert plan.next_due_on == dt.date(2026, 4, 2)
    worker.create_due_jobs(today=dt.date(2026, 4, 30))
    dates = sorted(PlanOccurrence.objects.filter(job__isnull=False).values_list("due_on", flat=True))
    assert dates == [TODAY, dt.date(2026, 4, 2)], "the skipped 2 May got no job"
    with pytest.raises(Exception, match="No visit"):
        services.skip_occurrence(plan=plan, actor=Actor(), due_on=dt.date(2026, 5, 3), today=TODAY)


def test_moved_visit_gets_its_job_for_the_new_date() -> None:
    plan = make_plan(TeamFactory(), start_date=TODAY + dt.timedelta(days=30))
    services.move_occurrence(plan=plan, actor=Actor(), due_on=plan.start_date, to=TODAY + dt.timedelta(days=10))
    plan.refresh_from_db()
    assert plan.next_due_on == TODAY + dt.timedelta(days=10)
    assert worker.create_due_jobs(today=TODAY) == 1
    row = PlanOccurrence.objects.get()
    assert row.job is not None and row.job.scheduled_date == TODAY + dt.timedelta(days=10)
    assert row.status == OccurrenceStatus.JOB_CREATED


def test_a_plan_whose_job_cannot_be_made_is_left_for_the_next_pass() -> None:
    plan = make_plan(TeamFactory())
    plan.job_type.active = False
    plan.job_type.save()
    other = make_plan(TeamFactory())
    assert worker.create_due_jobs(today=TODAY) == 1
    assert not PlanOccurrence.objects.filter(plan=plan).exists()
    assert PlanOccurrence.objects.filter(plan=other).exists()
    assert plan.status == PlanStatus.ACTIVE
