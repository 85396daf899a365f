"""Reads for maintenance plans: querysets scoped to a team, with what the serializers need loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Team
from plans import recurrence
from plans.models import MaintenancePlan, OccurrenceStatus, PlanOccurrence, PlanStatus

MAX_OCCURRENCES = 500


def plans_for(*, team: Team, with_related: bool = True) -> QuerySet[MaintenancePlan]:
    """The team's plans, with their client, site, job type, engineer and asset ids loaded for a serializer
    (`with_related=False`: the bare rows, for a read that fetches those by id itself, as the API's list does)."""
    from assets.models import Asset

    queryset = MaintenancePlan.objects.for_team(team)
    if not with_related:
        return queryset
    return queryset.select_related("client", "site", "job_type", "preferred_engineer").prefetch_related(
        Prefetch("assets", queryset=Asset.objects.only("id"))
    )


def occurrences_for(*, team: Team) -> QuerySet[PlanOccurrence]:
    """The team's recorded occurrences, with their plan and job."""
    return PlanOccurrence.objects.for_team(team).select_related("plan", "job", "job__assigned_to")


def due_within(*, team: Team, today: dt.date, days: int) -> QuerySet[MaintenancePlan]:
    """ACTIVE plans whose next visit is due within `days` of `today` (overdue ones included)."""
    until = today + dt.timedelta(days=days)
    return plans_for(team=team).filter(status=PlanStatus.ACTIVE, next_due_on__lte=until)


def overdue(*, team: Team, today: dt.date) -> QuerySet[MaintenancePlan]:
    """Plans whose next visit's date has passed without its job being completed."""
    return plans_for(team=team).exclude(status=PlanStatus.ENDED).filter(next_due_on__lt=today)


@dataclass(frozen=True)
class Visit:
    """One date of a plan's series: recorded (it has a row: a job, a skip, a move) or still to come."""

    due_on: dt.date
    visit_on: dt.date
    status: str
    overdue: bool
    occurrence: PlanOccurrence | None

    @property
    def job(self) -> Any:
        return None if self.occurrence is None else self.occurrence.job


def visits(*, team: Team, plan: MaintenancePlan, first: dt.date, last: dt.date, today: dt.date) -> list[Visit]:
    """The plan's visits from `first` to `last`: recorded occurrences and the series' dates still to come
    (for an ACTIVE or PAUSED plan), by date, at most `MAX_OCCURRENCES`."""
    rows = {
        row.due_on: row for row in occurrences_for(team=team).filter(plan=plan, due_on__gte=first, due_on__lte=last)
    }
    dates = set(rows)
    if plan.status != PlanStatus.ENDED:
        start = max(first, plan.series_from)
        series = recurrence.dates_between(plan.rrule, start=plan.start_date, first=start, last=last, end=plan.end_date)
        for count, due_on in enumerate(series):
            if count >= MAX_OCCURRENCES:
                break
            dates.add(due_on)
    found = []
    for due_on in sorted(dates)[:MAX_OCCURRENCES]:
        row = rows.get(due_on)
        status = row.status if row else OccurrenceStatus.PLANNED
        visit_on = row.visit_on if row else due_on
        open_ = status not in (OccurrenceStatus.DONE, OccurrenceStatus.SKIPPED)
        found.append(Visit(due_on, visit_on, status, open_ and visit_on < today, row))
    return found


def suggested_job_type(*, asset: Any) -> Any:
    """The job type a new plan for `asset` most likely wants: its latest job's (when still active), else
    the team's active type named for service or maintenance, else its first active type (None if none)."""
    from jobs.models import Job, JobType

    latest = (
        Job.objects.filter(team_id=asset.team_id, asset=asset, job_type__active=True)
        .select_related("job_type")
        .order_by("-created_at")
        .first()
    )
    if latest is not None:
        return latest.job_type
    active = JobType.objects.filter(team_id=asset.team_id, active=True).order_by("name")
    named = active.filter(Q(name__icontains="service") | Q(name__icontains="maintenance")).first()
    return named or active.first()
