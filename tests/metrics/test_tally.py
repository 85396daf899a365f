"""The per-day job tallies PostgreSQL keeps for `/v1/metrics/jobs` (see `metrics.models`).

Whatever happens to jobs (created, moved through their states, edited in bulk, deleted) and to the
team (a new timezone, deletion), the tallies equal a count of the jobs, and metrics read from them
equal metrics read from the jobs alone.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Team
from jobs.models import Job, JobStatus, ResultType
from metrics import selectors
from metrics.models import JobTally, TallyKind
from tests.conftest import World
from tests.factories import JobFactory, JobTypeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the tallies are kept by a PostgreSQL trigger"),
]

OPEN = (JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)


def expected(team: Team) -> Counter[tuple[Any, ...]]:
    """The tallies worked out in Python from the team's jobs."""
    zone = zoneinfo.ZoneInfo(team.timezone)
    counts: Counter[tuple[Any, ...]] = Counter()
    for job in Job.objects.filter(team=team):
        created = job.created_at.astimezone(zone).date()
        counts[(TallyKind.CREATED, created, job.job_type_id, job.status, job.result_type or "")] += 1
        if job.completed_at is not None:
            counts[(TallyKind.COMPLETED, job.completed_at.astimezone(zone).date(), job.job_type_id, "", "")] += 1
        if job.status in OPEN and job.scheduled_date is not None:
            counts[(TallyKind.OPEN_SCHEDULED, job.scheduled_date, job.job_type_id, "", "")] += 1
    return counts


def tallied(team: Team) -> Counter[tuple[Any, ...]]:
    rows = JobTally.objects.filter(team=team).exclude(count=0)
    return Counter({(row.kind, row.day, row.job_type_id, row.status, row.result_type): row.count for row in rows})


def random_jobs(team: Team, count: int, seed: int) -> list[Job]:
    rng = random.Random(seed)
    types = [JobTypeFactory(team=team) for _ in range(3)]
    now = timezone.now()
    jobs = []
    for _ in range(count):
        created = now - dt.timedelta(days=rng.uniform(0, 60))
        status = rng.choice(list(JobStatus))
        fields: dict[str, Any] = {}
        if status == JobStatus.COMPLETED:
            fields["started_at"] = created + dt.timedelta(hours=rng.uniform(0, 48))
            fields["completed_at"] = fields["started_at"] + dt.timedelta(hours=rng.uniform(0, 12))
            fields["result_type"] = rng.choice(list(ResultType))
        if rng.random() < 0.7:
            fields["scheduled_date"] = (created + dt.timedelta(days=rng.randint(-3, 20))).date()
        jobs.append(JobFactory(team=team, job_type=rng.choice(types), created_at=created, status=status, **fields))
    return jobs


def test_every_change_to_jobs_keeps_the_tallies_exact(world: World) -> None:
    team = world.a.team
    team.timezone = "America/New_York"
    team.save(update_fields=["timezone"])
    jobs = random_jobs(team, 40, seed=1)
    assert tallied(team) == expected(team)

    # Transitions one by one, as the services make them.
    for job in jobs[:10]:
        if job.status in OPEN:
            job.status = JobStatus.COMPLETED
            job.result_type = ResultType.SUCCESS
            job.started_at = job.started_at or job.created_at
            job.completed_at = timezone.now()
            job.save()
    assert tallied(team) == expected(team)

    # A bulk update, a change that tallies nothing, and deletions.
    Job.objects.filter(team=team, status=JobStatus.PENDING).update(status=JobStatus.CANCELLED)
    Job.objects.filter(team=team).update(notes="seen")
    Job.objects.filter(pk__in=[job.pk for job in jobs[10:15]]).delete()
    assert tallied(team) == expected(team)


def test_the_other_teams_tallies_are_their_own(world: World) -> None:
    random_jobs(world.a.team, 10, seed=2)
    random_jobs(world.b.team, 10, seed=3)
    assert tallied(world.a.team) == expected(world.a.team)
    assert tallied(world.b.team) == expected(world.b.team)


def test_a_new_team_timezone_retallies_the_team(world: World) -> None:
    team = world.a.team
    random_jobs(team, 30, seed=4)
    before = tallied(team)
    team.timezone = "Asia/Kolkata"  # UTC+05:30: some jobs move to the next local day
    team.save(update_fields=["timezone"])
    assert tallied(team) == expected(team) != before


def test_deleting_a_team_deletes_its_tallies(world: World) -> None:
    team = world.b.team
    random_jobs(team, 5, seed=5)
    Job.objects.filter(team=team).delete()  # a team's jobs protect their job types, so they go first
    assert JobTally.objects.filter(team=team).exists()  # rows at zero
    team_id = team.pk
    team.delete()
    assert not JobTally.objects.filter(team_id=team_id).exists()
    assert tallied(world.a.team) == expected(world.a.team)


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Asia/Kolkata", "America/New_York"])
def test_metrics_from_tallies_equal_metrics_from_jobs(world: World, zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    team = world.a.team
    team.timezone = zone
    team.save(update_fields=["timezone"])
    jobs = random_jobs(team, 60, seed=6)
    now = timezone.now()
    cases: list[dict[str, Any]] = [
        {"date_from": now - dt.timedelta(days=45, seconds=1234.5), "date_to": now - dt.timedelta(hours=3)},
        {"date_from": now - dt.timedelta(days=20), "interval": "week"},
        {"date_from": now - dt.timedelta(days=59), "interval": "month", "job_type": str(jobs[0].job_type_id)},
        {"date_from": now - dt.timedelta(days=30), "job_type": jobs[1].job_type.key},
        {"date_from": now - dt.timedelta(hours=10)},  # no whole day: the jobs alone
    ]
    for case in cases:
        from_tallies = selectors.job_metrics(team=team, now=now, **case)
        with monkeypatch.context() as patched:
            patched.setattr(selectors, "_whole_days", lambda *args: None)
            from_jobs = selectors.job_metrics(team=team, now=now, **case)
        assert from_tallies == from_jobs, case
        assert from_tallies["total"] > 0 or case["date_from"] > now - dt.timedelta(days=1)
