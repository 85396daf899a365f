"""GET /v1/metrics/jobs: the contract, and every number checked against a small hand-computed fixture."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import timerange
from jobs.models import Job, JobStatus, ResultType
from metrics import selectors
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import JobFactory, JobTypeFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Europe/Amsterdam")  # UTC+1 in January
# 2026-01-01 00:00 to 2026-01-03 23:59:59.999 in Amsterdam
RANGE_FROM = dt.datetime(2026, 1, 1, tzinfo=ZONE)
RANGE_TO = dt.datetime(2026, 1, 4, tzinfo=ZONE) - dt.timedelta(milliseconds=1)


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def job(team_world: TeamWorld, job_type: Any, created: dt.datetime, status: str = JobStatus.PENDING,
        **fields: Any) -> Job:  # fmt: skip
    if status != JobStatus.PENDING:
        fields.setdefault("assigned_to", team_world.engineer)
    return JobFactory(team=team_world.team, job_type=job_type, created_at=created, status=status, **fields)


def fixture(team_world: TeamWorld) -> dict[str, Any]:
    """Jobs around the range's edges; the expected numbers are worked out by hand in the tests."""
    team = team_world.team
    team.timezone = "Europe/Amsterdam"
    team.save(update_fields=["timezone"])
    service = JobTypeFactory(team=team, key="service", name="Service")
    install = JobTypeFactory(team=team, key="install", name="Install")
    today = timezone.now().astimezone(ZONE).date()
    done = JobStatus.COMPLETED
    jobs = {
        # Dec 31 23:30 UTC = Jan 1 00:30 local: in range, bucket Jan 1. 4 h to complete, 2 h of work.
        "j1": job(team_world, service, utc(2025, 12, 31, 23, 30), done, result_type=ResultType.SUCCESS,
                  started_at=utc(2026, 1, 1, 1, 30), completed_at=utc(2026, 1, 1, 3, 30)),
        # Dec 31 23:30 local: created before the range, but completed in it (Jan 1 01:30 local).
        "j2": job(team_world, service, utc(2025, 12, 31, 22, 30), done, result_type=ResultType.FAILED,
                  started_at=utc(2025, 12, 31, 23, 30), completed_at=utc(2026, 1, 1, 0, 30)),
        # Jan 2 00:30 local: 10.5 h to complete, 10 h of work.
        "j3": job(team_world, install, utc(2026, 1, 1, 23, 30), done, result_type=ResultType.PARTIAL,
                  started_at=utc(2026, 1, 2, 0, 0), completed_at=utc(2026, 1, 2, 10, 0)),
        # Jan 2, still pending, scheduled three days ago: overdue.
        "j4": job(team_world, install, utc(2026, 1, 2, 12, 0), scheduled_date=today - dt.timedelta(days=3)),
        # Jan 2 10:00 local, completed a day later (Jan 3).
        "j7": job(team_world, service, utc(2026, 1, 2, 9, 0), done, result_type=ResultType.SUCCESS,
                  started_at=utc(2026, 1, 2, 9, 0), completed_at=utc(2026, 1, 3, 9, 0)),
        # Jan 3 23:30 local: the last minutes of the range. Cancelled, so never overdue.
        "j5": job(team_world, service, utc(2026, 1, 3, 22, 30), JobStatus.CANCELLED,
                  scheduled_date=today - dt.timedelta(days=5)),
        # Jan 4 00:30 local: after the range, but overdue (as of now, whatever the range).
        "j6": job(team_world, service, utc(2026, 1, 3, 23, 30), JobStatus.ASSIGNED,
                  scheduled_date=today - dt.timedelta(days=1)),
        # After the range, scheduled tomorrow: not overdue.
        "j8": job(team_world, service, utc(2026, 1, 5, 12, 0), scheduled_date=today + dt.timedelta(days=1)),
    }  # fmt: skip
    return {"service": service, "install": install, **jobs}


def metrics(world: World, **query: Any) -> ApiResponse:
    params = {"dateFrom": ms(RANGE_FROM), "dateTo": ms(RANGE_TO), **query}
    response = world.api.get("/v1/metrics/jobs", query=params)
    assert response.status_code == 200, response
    return response


def counts(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    return {row[key]: row["count"] for row in rows}


class TestJobMetricsEndpoint(EndpointContract):
    path, scope = "/v1/metrics/jobs", "metrics.read"
    bad_inputs = [
        BadInput(path="interval", query={"interval": "year"}),
        BadInput(path="dateFrom", query={"dateFrom": "yesterday"}),
        BadInput(path="dateTo", query={"dateTo": "-5"}),
        BadInput(path="dateFrom", query={"dateFrom": ms(RANGE_TO), "dateTo": ms(RANGE_FROM)}),
        BadInput(path="dateFrom", query={"dateFrom": ms(utc(2023, 1, 1)), "dateTo": ms(utc(2025, 1, 2))}),
        BadInput(path="dateFrom", query={"dateFrom": ms(utc(2020, 1, 1))}),
        BadInput(path="assignedTo", query={"assignedTo": "nobody"}),
        BadInput(path="projectId", query={"projectId": "123"}),
        BadInput(path="projectId", query={"projectId": ""}),
        BadInput(path="interval", query={"interval": ""}),
    ]

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["total"] == 0 and data["completionRate"] is None
        assert data["interval"] == "day" and data["timezone"] == "UTC"
        assert len(data["series"]) == 31, "the last 30 days, both ends' days included"
        assert all(bucket["created"] == bucket["completed"] == 0 for bucket in data["series"])
        assert counts(data["byStatus"], "status") == dict.fromkeys(JobStatus.values, 0)
        assert counts(data["byResultType"], "resultType") == dict.fromkeys(ResultType.values, 0)
        assert data["durations"]["createdToCompleted"] == {"medianSeconds": None, "p90Seconds": None}


class TestHandComputed:
    def test_counts_rates_and_durations_over_jobs_created_in_the_range(self, world: World) -> None:
        fixture(world.a)
        data = metrics(world).data
        assert data["total"] == 5  # j1 j3 j4 j7 j5
        assert counts(data["byStatus"], "status") == {
            "PENDING": 1, "ASSIGNED": 0, "IN_PROGRESS": 0, "COMPLETED": 3, "CANCELLED": 1,
        }  # fmt: skip
        assert counts(data["byResultType"], "resultType") == {"SUCCESS": 2, "PARTIAL": 1, "FAILED": 0, "NO_ACCESS": 0}
        assert [(row["key"], row["count"]) for row in data["byJobType"]] == [("service", 3), ("install", 2)]
        assert data["completionRate"] == 0.6
        # created → completed: 4 h, 10.5 h, 24 h; started → completed: 2 h, 10 h, 24 h (interpolated p90)
        assert data["durations"] == {
            "createdToCompleted": {"medianSeconds": 37800.0, "p90Seconds": 37800.0 + 0.8 * (86400 - 37800)},
            "startedToCompleted": {"medianSeconds": 36000.0, "p90Seconds": 36000.0 + 0.8 * (86400 - 36000)},
        }
        assert data["overdueOpen"] == 2  # j4 (in range) and j6 (after it); not the cancelled j5 nor j8
        assert data["timezone"] == "Europe/Amsterdam"

    def test_daily_series_uses_the_teams_timezone_and_counts_completions_when_they_happen(self, world: World) -> None:
        fixture(world.a)
        series = metrics(world).data["series"]
        assert series == [
            {"start": "2026-01-01", "created": 1, "completed": 2},  # j1 (Dec 31 in UTC); j1 and j2 completed
            {"start": "2026-01-02", "created": 3, "completed": 1},  # j3 (Jan 1 in UTC), j4, j7; j3 completed
            {"start": "2026-01-03", "created": 1, "completed": 1},  # j5 (22:30 UTC); j7 completed
        ]

    def test_weekly_and_monthly_buckets(self, world: World) -> None:
        fixture(world.a)
        weekly = metrics(world, interval="week").data["series"]
        assert weekly == [{"start": "2025-12-29", "created": 5, "completed": 4}], "ISO week from Monday"
        monthly = metrics(world, interval="month", dateFrom=ms(dt.datetime(2025, 12, 15, tzinfo=ZONE))).data["series"]
        assert monthly == [
            {"start": "2025-12-01", "created": 1, "completed": 0},  # j2, Dec 31 23:30 local
            {"start": "2026-01-01", "created": 5, "completed": 4},
        ]

    def test_filters(self, world: World) -> None:
        records = fixture(world.a)
        assert metrics(world, jobType="install").data["total"] == 2
        assert metrics(world, jobType=str(records["service"].pk)).data["total"] == 3
        assert metrics(world, jobType="no-such-type").data["total"] == 0
        assert metrics(world, assignedTo=str(world.a.engineer.pk)).data["total"] == 4  # all but pending j4
        project = ProjectFactory(team=world.a.team)
        Job.objects.filter(pk__in=[records["j1"].pk, records["j4"].pk]).update(project=project)
        by_project = metrics(world, projectId=str(project.pk)).data
        assert (by_project["total"], by_project["overdueOpen"]) == (2, 1)

    def test_other_teams_jobs_never_count(self, world: World) -> None:
        fixture(world.a)
        other = JobTypeFactory(team=world.b.team)
        job(world.b, other, utc(2026, 1, 2, 12, 0), scheduled_date=dt.date(2020, 1, 1))
        data = metrics(world).data
        assert data["total"] == 5 and data["overdueOpen"] == 2
        assert {row["key"] for row in data["byJobType"]} == {"service", "install"}

    def test_only_date_to_means_the_thirty_days_before_it(self, world: World) -> None:
        data = world.api.get("/v1/metrics/jobs", query={"dateTo": ms(RANGE_TO)}).data
        assert dt.datetime.fromisoformat(data["rangeStart"]) == RANGE_TO - dt.timedelta(days=30)


class TestQueries:
    def test_query_count_does_not_grow_with_jobs(self, world: World) -> None:
        records = fixture(world.a)
        metrics(world)  # warm up the key's last-used stamp
        with CaptureQueriesContext(connection) as few:
            metrics(world)
        for _ in range(20):
            job(world.a, records["install"], utc(2026, 1, 2, 8, 0), JobStatus.COMPLETED, result_type=ResultType.SUCCESS,
                started_at=utc(2026, 1, 2, 9, 0), completed_at=utc(2026, 1, 2, 10, 0))  # fmt: skip
        with CaptureQueriesContext(connection) as many:
            assert metrics(world).data["total"] == 25
        # The key lookup; on PostgreSQL two tally reads, two per partial day at an edge of the range
        # (here the last day ends a millisecond early), the overdue tally, durations, job types.
        assert len(many) == len(few) <= 10


class TestWithoutPercentileCont:
    """SQLite has no `percentile_cont`; its ORDER BY/OFFSET replacement must agree with PostgreSQL's."""

    def test_offset_percentiles_match_percentile_cont(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        fixture(world.a)
        with_postgres = selectors.job_metrics(team=world.a.team, date_from=RANGE_FROM, date_to=RANGE_TO)
        monkeypatch.setattr(selectors, "_on_postgres", lambda: False)
        without = selectors.job_metrics(team=world.a.team, date_from=RANGE_FROM, date_to=RANGE_TO)
        assert without["durations"] == with_postgres["durations"]
        assert without["durations"]["created_to_completed"]["median_seconds"] == 37800

    def test_bucket_starts_across_a_dst_change(self) -> None:
        # Clocks go forward on 29 March 2026: local midnight is 23:00 UTC before, 22:00 UTC after.
        start, end = utc(2026, 3, 28, 23, 30), utc(2026, 3, 30, 22, 30)
        starts = timerange.bucket_starts(start, end, "day", ZONE)
        assert starts == [dt.date(2026, 3, 29), dt.date(2026, 3, 30), dt.date(2026, 3, 31)]
