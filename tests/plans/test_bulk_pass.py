"""The daily pass in bulk: a batch of plans costs a fixed number of statements (only the events are
recorded one by one), two workers racing over many batches make one job per occurrence with its
history and events, and a date another writer recorded first is left to it (the unique index decides)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Actor
from jobs import services as job_services
from jobs.models import Job, JobEvent, JobStatus
from plans import worker
from plans.models import OccurrenceStatus, PlanOccurrence
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.plans.factories import TODAY, make_plan
from tests.threads import run_together
from webhooks.models import WebhookEvent


def _pass_queries(plans: int) -> int:
    """Statements of one pass over `plans` due plans in one batch, its events included."""
    team = TeamFactory()
    engineer = UserFactory()
    MembershipFactory(team=team, user=engineer)
    for _ in range(plans):
        make_plan(team, preferred_engineer=engineer)
    with CaptureQueriesContext(connection) as queries:
        assert worker.create_due_jobs_for_plans(plan_ids=list(team_plan_ids(team)), today=TODAY) == plans
    recorded = list(WebhookEvent.objects.filter(team=team).values_list("type", flat=True))
    for event_type in ("job.created", "job.assigned", "plan.job_created"):
        assert recorded.count(event_type) == plans, event_type
    return len(queries.captured_queries)


def team_plan_ids(team: Any) -> list[Any]:
    from plans.models import MaintenancePlan

    return list(MaintenancePlan.objects.filter(team=team).values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_for_3_or_30_plans_events_included() -> None:
    assert _pass_queries(30) == _pass_queries(3)
    assert Job.objects.filter(status=JobStatus.ASSIGNED).count() == 33
    assert JobEvent.objects.count() == 66, "created, then assigned: two history rows a job"
    assert not PlanOccurrence.objects.filter(job__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_over_many_batches_make_each_job_once_with_its_history_and_events() -> None:
    teams = [TeamFactory(), TeamFactory()]
    engineer = UserFactory()
    MembershipFactory(team=teams[0], user=engineer)
    plans = [
        make_plan(team, rrule=rule, lead_time_days=28, preferred_engineer=engineer if team == teams[0] else None)
        for team in teams
        for rule in ("FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY") * 4
    ]
    per_rule = {"FREQ=WEEKLY": 5, "FREQ=MONTHLY": 1, "FREQ=YEARLY": 1}  # dates from TODAY to 28 days ahead
    expected = sum(per_rule[plan.rrule] for plan in plans)
    with mock.patch.object(worker, "BATCH", 5):  # 24 plans: five batches each worker walks
        results = run_together(lambda: worker.create_due_jobs(today=TODAY))
    assert sum(results) == expected == Job.objects.count(), results
    assert PlanOccurrence.objects.filter(status=OccurrenceStatus.JOB_CREATED, job__isnull=False).count() == expected
    assigned = Job.objects.filter(assigned_to=engineer, status=JobStatus.ASSIGNED).count()
    assert assigned == sum(per_rule[plan.rrule] for plan in plans if plan.team_id == teams[0].pk)
    assert JobEvent.objects.count() == expected + assigned
    kinds = list(WebhookEvent.objects.values_list("type", flat=True))
    assert kinds.count("job.created") == kinds.count("plan.job_created") == expected
    assert kinds.count("job.assigned") == assigned
    assert worker.create_due_jobs(today=TODAY) == 0, "nothing left: every plan moved on"


@pytest.mark.django_db(transaction=True)
def test_a_date_another_writer_recorded_first_is_left_to_it() -> None:
    team = TeamFactory()
    first = make_plan(team)
    make_plan(team)  # a second plan, due too
    inserted, errors = threading.Event(), []

    def other_writer() -> None:
        """Records `first`'s date and makes its job, and commits only after the pass has started."""
        try:
            with transaction.atomic():
                row = PlanOccurrence.objects.create(team=team, plan=first, due_on=TODAY)
                job = job_services.create_job(team=team, actor=Actor(), job_type=first.job_type, site=first.site)
                row.job, row.status = job, OccurrenceStatus.JOB_CREATED
                row.save()
                inserted.set()
                time.sleep(1)  # the pass's insert of the same date waits on the unique index meanwhile
        except BaseException as exc:
            errors.append(exc)
            inserted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert inserted.wait(timeout=60)
    made = worker.create_due_jobs(today=TODAY)
    thread.join(timeout=60)
    assert not errors, errors
    assert made == 1, "only the second plan's job: the first's date was the other writer's"
    assert Job.objects.count() == 2
    assert PlanOccurrence.objects.get(plan=first).job is not None
    first.refresh_from_db()
    assert first.create_next_job_on == dt.date(2027, 3, 2) - dt.timedelta(days=14), "its schedule moved on"
    assert worker.create_due_jobs(today=TODAY) == 0
