"""Two workers racing the daily pass on the same plans make one job per occurrence (PostgreSQL, real
transactions): the second insert of an occurrence waits on the unique index and then fails."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.models import Job
from plans import worker
from plans.models import PlanOccurrence
from tests.factories import TeamFactory
from tests.plans.factories import TODAY, make_plan
from tests.threads import run_together


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_make_one_job_per_occurrence() -> None:
    team = TeamFactory()
    plans = [make_plan(team, rrule="FREQ=WEEKLY", lead_time_days=28) for _ in range(5)]
    results = run_together(lambda: worker.create_due_jobs(today=TODAY))
    per_plan = 5  # TODAY and the next four weeks, 28 days ahead
    assert sum(results) == len(plans) * per_plan, results
    assert Job.objects.count() == len(plans) * per_plan
    assert PlanOccurrence.objects.filter(job__isnull=True).count() == 0
    assert worker.create_due_jobs(today=TODAY + dt.timedelta(days=1)) == 0
