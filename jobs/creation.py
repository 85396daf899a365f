"""Creating jobs: one (`jobs.services.create_job`) or many at once (`create_jobs_bulk`), through the same
checks and the same writes, so a job made by the maintenance plans' daily pass is made as a job made
through the API is: checked the same way, its history row, its `job.created` event (and `job.assigned`
when it is given to an engineer), only in a few statements per batch instead of a few per job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Actor, Team, User
from assets.models import Asset
from core.exceptions import InvalidInputError
from core.prepared import insert_new
from core.timerange import team_zone
from jobs.models import Job, JobEvent, JobStatus, JobType
from jobs.rules import check_assignable, link_issues, raise_issues
from jobs.schemas import validate_payload
from jobs.selectors import new_job_details
from projects.models import Client, Project, Site
from webhooks.models import EventType
from webhooks.services import record_events


def check_schedule(
    *, team: Team, scheduled_date: dt.date | None, start: dt.datetime | None, end: dt.datetime | None
) -> dt.date | None:
    """The job's day once the window is checked (both ends or neither, end after start, aware times).

    A window without a date is on the start's day in the team's time zone.
    """
    if (start is None) != (end is None):
        missing = "scheduledEnd" if end is None else "scheduledStart"
        raise InvalidInputError("Give both scheduledStart and scheduledEnd, or neither.", missing)
    if start is None or end is None:
        return scheduled_date
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidInputError("Give the window with a time zone (e.g. 2026-03-15T08:00:00Z).", "scheduledStart")
    if end <= start:
        raise InvalidInputError("scheduledEnd must be after scheduledStart.", "scheduledEnd")
    start_day = start.astimezone(team_zone(team)).date()
    if scheduled_date is not None and scheduled_date != start_day:
        raise InvalidInputError("The window starts on another day than scheduledDate.", "scheduledStart")
    return start_day


@dataclass(frozen=True)
class NewJob:
    """One job to create: `create_job`'s arguments, and the engineer to assign it to at once (optional)."""

    team: Team
    job_type: JobType
    payload: dict[str, Any] | None = None
    scheduled_date: dt.date | None = None
    scheduled_start: dt.datetime | None = None
    scheduled_end: dt.datetime | None = None
    notes: str = ""
    client: Client | None = None
    site: Site | None = None
    asset: Asset | None = None
    project: Project | None = None
    engineer: User | None = None


def build_job(new: NewJob, actor: Actor) -> Job:
    """The unsaved PENDING job `new` describes, once checked: active type, payload against its schema,
    the window, and related records that agree with each other (a 400 `InvalidInputError` if not)."""
    if not new.job_type.active:
        raise InvalidInputError("This job type is inactive.", "jobTypeId")
    payload = {} if new.payload is None else new.payload
    validate_payload(new.job_type, payload)
    day = check_schedule(
        team=new.team, scheduled_date=new.scheduled_date, start=new.scheduled_start, end=new.scheduled_end
    )
    links, issues = link_issues(client=new.client, site=new.site, asset=new.asset, project=new.project)
    raise_issues(issues)
    job = Job(
        team=new.team, job_type=new.job_type, payload=payload, scheduled_date=day, scheduled_start=new.scheduled_start,
        scheduled_end=new.scheduled_end, notes=new.notes, client=links.client, site=links.site, asset=new.asset,
        project=new.project, created_by_user=actor.user, created_by_key=actor.api_key,
    )  # fmt: skip
    job.updated_at = job.created_at  # as `TeamOwnedModel.save` stamps a new row
    return job


def create_jobs_bulk(*, actor: Actor, jobs: Sequence[NewJob]) -> list[Job]:
    """Create the jobs (in the order given) in one transaction: all or none.

    Each is checked as `create_job` checks it (the first that fails is a 400 and nothing is written),
    gets its history row and its `job.created` event; one with an `engineer` is then ASSIGNED to them
    as `assign_job` does (they must be assignable: a 400 otherwise), with its history row and
    `job.assigned` event. The rows are written with a few statements whatever the number of jobs.
    """
    built = [build_job(new, actor) for new in jobs]
    checked: set[tuple[Any, Any]] = set()
    for new in jobs:  # once per engineer and team, not once per job
        if new.engineer is not None and (new.team.pk, new.engineer.pk) not in checked:
            check_assignable(team=new.team, engineer=new.engineer)
            checked.add((new.team.pk, new.engineer.pk))
    with transaction.atomic():
        history = [_history(job, actor, None, JobStatus.PENDING, job.created_at) for job in built]
        insert_new(built, history)  # the jobs and their history rows in one statement (core.prepared)
        for job, created in zip(built, history, strict=True):
            new_job_details(job, history=[created])  # its event shows them without reading them back
        record_events(EventType.JOB_CREATED, built)
        assigned = [(job, new.engineer) for job, new in zip(built, jobs, strict=True) if new.engineer is not None]
        if assigned:
            now = timezone.now()
            for job, engineer in assigned:
                job.status, job.assigned_to, job.assigned_at, job.updated_at = JobStatus.ASSIGNED, engineer, now, now
            Job.objects.bulk_update(
                [job for job, _ in assigned], ["status", "assigned_to", "assigned_at", "updated_at"]
            )
            moves = [
                _history(job, actor, JobStatus.PENDING, JobStatus.ASSIGNED, now, f"Assigned to {engineer}")
                for job, engineer in assigned
            ]
            JobEvent.objects.bulk_create(moves)
            created_of = {created.job_id: created for created in history}
            for (job, _), moved in zip(assigned, moves, strict=True):
                new_job_details(job, history=[created_of[job.pk], moved])
            record_events(EventType.JOB_ASSIGNED, [job for job, _ in assigned])
    return built


def _history(
    job: Job, actor: Actor, from_status: str | None, to_status: str, at: dt.datetime, note: str = ""
) -> JobEvent:
    return JobEvent(
        job=job, from_status=from_status, to_status=to_status, at=at, actor_user=actor.user, actor_key=actor.api_key,
        note=note,
    )  # fmt: skip
