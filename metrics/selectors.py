"""Reads for `/v1/metrics/jobs`: counts, rates, durations and a time series, all computed in SQL."""

from __future__ import annotations

import datetime as dt
import math
import uuid
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from accounts.models import Team
from core.timerange import MICROSECOND, Interval, TimeRange, day_start, time_range
from jobs.models import Job, JobStatus, JobType, ResultType
from jobs.selectors import job_type_match
from metrics.models import JobTally, TallyKind

OPEN_STATUSES = (JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
PERCENTILES = {"median": 0.5, "p90": 0.9}


class PercentileCont(models.Aggregate):
    """PostgreSQL's `percentile_cont(ARRAY[fractions]) WITHIN GROUP (ORDER BY expression)` (interpolated).

    Every fraction from one sort of the values: asking for each fraction separately sorted them again.
    """

    function = "PERCENTILE_CONT"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fractions: Collection[float], **extra: Any) -> None:
        literal = ", ".join(repr(float(fraction)) for fraction in fractions)
        super().__init__(expression, fractions=literal, output_field=ArrayField(DurationField()), **extra)


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


# (name, end, start, rows the duration is defined for)
DURATIONS = (
    ("created_to_completed", "completed_at", "created_at", Q(status=JobStatus.COMPLETED, completed_at__isnull=False)),
    ("started_to_completed", "completed_at", "started_at",
     Q(status=JobStatus.COMPLETED, completed_at__isnull=False, started_at__isnull=False)),
)  # fmt: skip


def filtered_jobs(
    team: Team,
    *,
    job_type: str | None = None,
    assigned_to: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
) -> QuerySet[Job]:
    """The team's jobs narrowed by the optional filters (a job type by key or id, as in `GET /v1/jobs`)."""
    jobs = Job.objects.filter(team=team)
    if job_type:
        jobs = jobs.filter(job_type_match(job_type))
    if assigned_to is not None:
        jobs = jobs.filter(assigned_to_id=assigned_to)
    if project_id is not None:
        jobs = jobs.filter(project_id=project_id)
    return jobs


def job_metrics(
    *,
    team: Team,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    interval: str = Interval.DAY,
    job_type: str | None = None,
    assigned_to: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Job metrics for the team over jobs created from `date_from` to `date_to` (inclusive).

    Counts, the completion rate and durations describe the jobs created in the range; the time series
    counts creations and completions per bucket of the team's timezone; overdue open jobs are counted
    as of now, whatever their creation date. On PostgreSQL the whole local days of the range come from
    the per-day tallies (`metrics.models.JobTally`) and only the partial days at its edges from the
    jobs; a constant number of queries, whatever the number of jobs.
    """
    now = now or timezone.now()
    span = time_range(team=team, date_from=date_from, date_to=date_to, interval=interval, now=now)
    date_from, date_to, zone = span.start, span.end, span.zone
    jobs = filtered_jobs(team, job_type=job_type, assigned_to=assigned_to, project_id=project_id)
    created = jobs.filter(created_at__gte=date_from, created_at__lte=date_to)
    today = now.astimezone(zone).date()
    # The tallies hold whole days by job type: they answer unless the engineer or project narrows it.
    days = _whole_days(date_from, date_to, zone) if _on_postgres() and assigned_to is project_id is None else None
    if days is None:
        cohort = _cohort_counts(created, span)
        completed_by_bucket = _completed_counts(jobs, date_from, date_to, span)
        overdue = jobs.filter(status__in=OPEN_STATUSES, scheduled_date__lt=today).count()
    else:
        first, last = days
        start, end = day_start(first, zone), day_start(last + dt.timedelta(days=1), zone)
        tallies = JobTally.objects.filter(team=team)
        if job_type:
            tallies = tallies.filter(job_type_match(job_type))
        whole = tallies.filter(day__gte=first, day__lte=last)
        cohort = _tallied_cohort(whole, interval)
        completed_by_bucket = _tallied_completions(whole, interval)
        # The partial days at each edge, each its own index range (an OR would scan the whole range).
        for edge_from, edge_to in ((date_from, start - MICROSECOND), (end, date_to)):
            if edge_from <= edge_to:
                edge = jobs.filter(created_at__gte=edge_from, created_at__lte=edge_to)
                cohort.add(_cohort_counts(edge, span))
                _merge(completed_by_bucket, _completed_counts(jobs, edge_from, edge_to, span))
        overdue = _sum(tallies.filter(kind=TallyKind.OPEN_SCHEDULED, day__lt=today))
    durations = _durations(created)
    total = sum(cohort.by_status.values())
    completed = cohort.by_status.get(JobStatus.COMPLETED, 0)
    return {
        "range_start": date_from,
        "range_end": date_to,
        "interval": interval,
        "timezone": str(zone),
        "total": total,
        "by_status": [{"status": status, "count": cohort.by_status.get(status, 0)} for status in JobStatus],
        "by_result_type": [{"result_type": result, "count": cohort.by_result.get(result, 0)} for result in ResultType],
        "by_job_type": _by_job_type(cohort.by_job_type),
        "completion_rate": round(completed / total, 4) if total else None,
        "durations": durations,
        "overdue_open": overdue,
        "series": [
            {"start": start, "created": cohort.created.get(start, 0), "completed": completed_by_bucket.get(start, 0)}
            for start in span.bucket_starts()
        ],
    }


def _whole_days(
    date_from: dt.datetime, date_to: dt.datetime, zone: zoneinfo.ZoneInfo
) -> tuple[dt.date, dt.date] | None:
    """The first and last of the team's local days lying wholly inside the range, if any."""
    first = date_from.astimezone(zone).date()
    if day_start(first, zone) < date_from:
        first += dt.timedelta(days=1)
    last = date_to.astimezone(zone).date()
    if day_start(last + dt.timedelta(days=1), zone) - MICROSECOND > date_to:
        last -= dt.timedelta(days=1)
    return (first, last) if first <= last else None


def _sum(tallies: QuerySet[JobTally]) -> int:
    return int(tallies.aggregate(total=Sum("count"))["total"] or 0)


def _tallied_by_bucket(whole: QuerySet[JobTally], kind: int, interval: str, *columns: str) -> QuerySet[Any, Any]:
    """Tallies of one kind over whole days, summed per bucket (and per `columns`)."""
    return (
        whole.filter(kind=kind)
        .annotate(bucket=Trunc("day", interval, output_field=models.DateField()))
        .values(*columns, "bucket")
        .annotate(total=Sum("count"))
        .order_by()
    )


def _tallied_cohort(whole: QuerySet[JobTally], interval: str) -> Cohort:
    """The cohort's counts over whole days, from the tallies (a few rows per day, not one per job)."""
    cohort = Cohort()
    for row in _tallied_by_bucket(whole, TallyKind.CREATED, interval, "status", "result_type", "job_type_id"):
        cohort.count(row["status"], row["result_type"] or None, row["job_type_id"], row["bucket"], row["total"])
    return cohort


def _tallied_completions(whole: QuerySet[JobTally], interval: str) -> dict[dt.date, int]:
    return {row["bucket"]: int(row["total"]) for row in _tallied_by_bucket(whole, TallyKind.COMPLETED, interval)}


@dataclass
class Cohort:
    """How many jobs of the cohort there are of each status, result, job type and creation bucket."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_result: dict[str, int] = field(default_factory=dict)
    by_job_type: dict[uuid.UUID, int] = field(default_factory=dict)
    created: dict[dt.date, int] = field(default_factory=dict)

    def count(self, status: str, result: str | None, job_type_id: uuid.UUID, bucket: dt.date, count: int) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + count
        if result is not None:
            self.by_result[result] = self.by_result.get(result, 0) + count
        self.by_job_type[job_type_id] = self.by_job_type.get(job_type_id, 0) + count
        self.created[bucket] = self.created.get(bucket, 0) + count

    def add(self, other: Cohort) -> None:
        _merge(self.by_status, other.by_status)
        _merge(self.by_result, other.by_result)
        _merge(self.by_job_type, other.by_job_type)
        _merge(self.created, other.created)


def _merge(into: dict[Any, int], counts: dict[Any, int]) -> None:
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


def _cohort_counts(created: QuerySet[Job], span: TimeRange) -> Cohort:
    """Every count of the cohort in one query: `GROUP BY status, result, job type, creation bucket`.

    On PostgreSQL this is one index-only scan of `metrics_job_created_idx` and a hash aggregate of at
    most a few thousand groups, which are summed here into the four breakdowns. (`GROUPING SETS`
    would return fewer rows, but PostgreSQL sorts the whole cohort for it.)
    """
    cohort = Cohort()
    rows = (
        created.annotate(bucket=span.bucket("created_at"))
        .values("status", "result_type", "job_type_id", "bucket")
        .annotate(count=Count("*"))
        .order_by()
    )
    for row in rows:
        cohort.count(row["status"], row["result_type"], row["job_type_id"], row["bucket"], row["count"])
    return cohort


def _durations(created: QuerySet[Job]) -> dict[str, dict[str, float | None]]:
    """Median and p90 of each duration over the cohort's completed jobs.

    On PostgreSQL, one aggregate with `percentile_cont`, reading only the completed jobs' partial
    covering index; elsewhere, the one or two middle values of each are fetched by `ORDER BY … OFFSET`.
    """
    completed = created.filter(status=JobStatus.COMPLETED, completed_at__isnull=False)
    aggregates: dict[str, Any] = {}
    for name, end, start, defined in DURATIONS:
        # Within `completed`, `defined` reduces to "start is set": only columns of the partial index are read.
        defined = Q(**{f"{start}__isnull": False})
        aggregates[f"n_{name}"] = Count(start)  # counts the rows where it is set
        if _on_postgres():
            aggregates[f"percentiles_{name}"] = PercentileCont(
                _duration(end, start), PERCENTILES.values(), filter=defined
            )
    summary = completed.aggregate(**aggregates)
    durations: dict[str, dict[str, float | None]] = {}
    for name, end, start, _ in DURATIONS:
        defined = Q(**{f"{start}__isnull": False})
        values: dict[str, float | None] = {}
        for index, (label, fraction) in enumerate(PERCENTILES.items()):
            if _on_postgres():
                value = (summary[f"percentiles_{name}"] or [None] * len(PERCENTILES))[index]
            else:
                rows, count = completed.filter(defined), summary[f"n_{name}"]
                value = percentile_by_offset(rows, _duration(end, start), fraction, count)
            values[f"{label}_seconds"] = round(value.total_seconds(), 3) if value is not None else None
        durations[name] = values
    return durations


def percentile_by_offset(rows: QuerySet[Job], expression: Any, fraction: float, count: int) -> dt.timedelta | None:
    """`percentile_cont` for databases without it: the one or two middle values, fetched by ORDER BY/OFFSET."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    lower = math.floor(position)
    values = list(rows.annotate(value=expression).order_by("value").values_list("value", flat=True)[lower : lower + 2])
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (position - lower)


def _by_job_type(counts: dict[uuid.UUID, int]) -> list[dict[str, Any]]:
    """Job types with at least one job in the cohort, most jobs first (ties: by name, then id)."""
    types = JobType.objects.filter(pk__in=counts).order_by("name", "pk").values("pk", "key", "name")
    ordered = sorted(types, key=lambda row: -counts[row["pk"]])  # stable: ties keep the database's name order
    return [
        {"job_type_id": row["pk"], "key": row["key"], "name": row["name"], "count": counts[row["pk"]]}
        for row in ordered
    ]


def _completed_counts(
    jobs: QuerySet[Job], date_from: dt.datetime, date_to: dt.datetime, span: TimeRange
) -> dict[dt.date, int]:
    """Jobs completed from `date_from` to `date_to` (inclusive), per bucket of the team's timezone."""
    rows = (
        jobs.filter(completed_at__gte=date_from, completed_at__lte=date_to)
        .annotate(bucket=span.bucket("completed_at"))
        .values("bucket")
        .annotate(count=Count("*"))
        .order_by()
    )
    return {row["bucket"]: row["count"] for row in rows}


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"
