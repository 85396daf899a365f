"""Two workers racing the daily pass on the same plans make one job per occurrence (PostgreSQL, real
transactions): the second insert of an occurrence waits on the unique index and then fails."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from jobs.models import Job
from plans import worker
from plans.models import PlanOccurrence
from tests.factories import TeamFactory
from tests.plans.factories import TODAY, make_plan


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_make_one_job_per_occurrence() -> None:
    team = TeamFactory()
    plans = [make_plan(team, rrule="FREQ=WEEKLY", lead_time_days=28) for _ in range(5)]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(worker.create_due_jobs(today=TODAY))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    per_plan = 5  # TODAY and the next four weeks, 28 days ahead
    assert sum(results) == len(plans) * per_plan, results
    assert Job.objects.count() == len(plans) * per_plan
    assert PlanOccurrence.objects.filter(job__isnull=True).count() == 0
    assert worker.create_due_jobs(today=TODAY + dt.timedelta(days=1)) == 0
