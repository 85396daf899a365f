"""Reads of jobs and job types."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce

from accounts.models import Role, Team, User
from core.exceptions import InvalidInputError
from jobs.models import UNSCHEDULED_SORT_DATE, Job, JobAttachment, JobEvent, JobSignature, JobStatus, JobType
from projects.models import Client, Project

JOB_RELATIONS = ("job_type", "assigned_to", "created_by_user", "created_by_key", "client", "site", "asset", "project")


def job_types_for(*, team: Team) -> QuerySet[JobType]:
    """The team's job types."""
    return JobType.objects.for_team(team)


def jobs_for(*, team: Team, with_related: bool = True, with_events: bool = True) -> QuerySet[Job]:
    """The team's jobs; with their relations (and timeline) prefetched when a serializer will read them.

    Related rows come by id in one small query each rather than as joins: with a join per relation
    PostgreSQL spent far longer planning the query (dozens of indexes on jobs) than running it. The
    number of queries stays constant in the page size.
    """
    queryset = Job.objects.for_team(team)
    if with_related:
        queryset = queryset.prefetch_related(*JOB_RELATIONS)
    if with_events:
        # The signature is a reverse one-to-one: a join, not another query.
        queryset = queryset.select_related("signature").prefetch_related(*_timeline())
    return queryset


def _timeline() -> tuple[Prefetch, Prefetch]:
    events = JobEvent.objects.select_related("actor_user", "actor_key")
    attachments = JobAttachment.objects.select_related("uploaded_by_user", "uploaded_by_key")
    return Prefetch("events", queryset=events), Prefetch("attachments", queryset=attachments)


# Set on a job just created: the timeline it was written with (`new_job_details`); taken by the
# next read of its details (`timeline_in_hand`), so a later write in the same transaction reads them.
_TIMELINE_IN_HAND = "_jobs_timeline_in_hand"


def new_job_details(job: Job, *, history: Sequence[JobEvent]) -> None:
    """Record on a job just created (its row inserted in this transaction) what its detail shows,
    known without reading: its timeline is the history rows it was written with (in order), and it
    has no photos and no signature (nothing else can refer to a row not yet committed)."""
    job.__dict__[_TIMELINE_IN_HAND] = list(history)


def timeline_in_hand(job: Job) -> list[JobEvent] | None:
    """The timeline `new_job_details` recorded on `job` (taken: one use), or None: read it."""
    timeline: list[JobEvent] | None = job.__dict__.pop(_TIMELINE_IN_HAND, None)
    return timeline


def attachments_for(*, team: Team, job: Job | None = None) -> QuerySet[JobAttachment]:
    """The team's job photos (of one job when given), with who uploaded them."""
    queryset = JobAttachment.objects.for_team(team).select_related("uploaded_by_user", "uploaded_by_key")
    return queryset if job is None else queryset.filter(job=job)


# --- A job type named by its key or its id ---------------------------------------------------------
# One reading of "key or id" for every place that takes a job type by name: a UUID is an id, anything
# else a key (as `GET /v1/jobs?jobType=` has always read it).


def job_type_match(value: str, *, relation: str = "job_type") -> Q:
    """A filter for rows whose job type (through `relation`; "" for job types themselves) is `value`,
    given as the type's id or key."""
    prefix = f"{relation}__" if relation else ""
    try:
        return Q(**{f"{prefix}pk": uuid.UUID(value)})  # `job_type__pk` compares the column: no join
    except ValueError:
        return Q(**{f"{prefix}key": value})


def job_type_by_key_or_id(*, team: Team, value: str, path: str = "jobType") -> JobType:
    """The team's job type named by `value` (its key or id); an `InvalidInputError` on `path` if none is."""
    job_type = JobType.objects.for_team(team).filter(job_type_match(value, relation="")).first()
    if job_type is None:
        raise InvalidInputError("No job type with this key or id in your team.", path)
    return job_type


def stored_file(
    *, kind: str, team: Team | None, owner_id: str, name: str | None, thumbnail: bool = False
) -> tuple[Any, str] | None:
    """A job photo (`kind="attachment"`, or its thumbnail) or signature image, with its content type, or None.

    Named by a signed link (`name`: the stored file it grants, any team) or by id within `team`.
    """
    if kind == "signature":
        signatures = JobSignature.objects.all() if team is None else JobSignature.objects.for_team(team)
        signature = signatures.filter(pk=owner_id).first()
        if signature is None or (name is not None and name != signature.image.name):
            return None
        return signature.image, "image/png"
    attachments = JobAttachment.objects.all() if team is None else JobAttachment.objects.for_team(team)
    attachment = attachments.filter(pk=owner_id).first()
    if attachment is None:
        return None
    if name is not None:  # the link names the file: the photo or its thumbnail
        if name == attachment.file.name:
            return attachment.file, attachment.content_type
        if attachment.thumbnail and name == attachment.thumbnail.name:
            return attachment.thumbnail, "image/jpeg"
        return None
    if thumbnail:
        return (attachment.thumbnail, "image/jpeg") if attachment.thumbnail else None
    return attachment.file, attachment.content_type


# --- The dispatch board: one week of the team's jobs, and the people they are assigned to -----------


def board_jobs_for(
    *,
    team: Team,
    first_day: dt.date,
    last_day: dt.date,
    job_type: JobType | None = None,
    project: Project | None = None,
    client: Client | None = None,
) -> QuerySet[Job, tuple[Any, ...]]:
    """The team's jobs scheduled between two days (inclusive), cancelled ones left out, as rows of
    `BOARD_JOB_COLUMNS`: what a board card shows, the names of its type, client, site, project and
    assignee joined in one query.

    Rows rather than model instances: a week of 500 jobs built 2,500 objects for a few names each.
    The day is read through the same expression as the jobs' schedule indexes, so the week is a range
    scan of `(team, day)` however many jobs the team has in other weeks.
    """
    queryset = _board_filtered(team=team, job_type=job_type, project=project, client=client)
    queryset = queryset.alias(board_day=_BOARD_DAY).filter(board_day__gte=first_day, board_day__lte=last_day)
    queryset = queryset.exclude(status=JobStatus.CANCELLED)
    return queryset.order_by().values_list(*BOARD_JOB_COLUMNS)


def unscheduled_board_jobs_for(
    *,
    team: Team,
    limit: int,
    job_type: JobType | None = None,
    project: Project | None = None,
    client: Client | None = None,
) -> QuerySet[Job, tuple[Any, ...]]:
    """The team's jobs still to dispatch that have no day (PENDING or ASSIGNED), oldest first, at most
    `limit`, as rows of `BOARD_JOB_COLUMNS` followed by how many there are in all (a window count: one
    query, on the same `(team, day)` index as the week, the missing day read as `UNSCHEDULED_SORT_DATE`)."""
    queryset = _board_filtered(team=team, job_type=job_type, project=project, client=client)
    queryset = queryset.alias(board_day=_BOARD_DAY).filter(board_day=UNSCHEDULED_SORT_DATE)
    queryset = queryset.filter(status__in=(JobStatus.PENDING, JobStatus.ASSIGNED))
    queryset = queryset.annotate(total=Window(Count("pk"))).order_by("created_at", "pk")
    return queryset.values_list(*BOARD_JOB_COLUMNS, "total")[:limit]


# A job's day as the jobs' schedule indexes read it (no day: `UNSCHEDULED_SORT_DATE`).
_BOARD_DAY = Coalesce(F("scheduled_date"), Value(UNSCHEDULED_SORT_DATE))


def _board_filtered(
    *, team: Team, job_type: JobType | None, project: Project | None, client: Client | None
) -> QuerySet[Job]:
    """The team's jobs with the board's filters."""
    queryset = Job.objects.for_team(team)
    if job_type is not None:
        queryset = queryset.filter(job_type=job_type)
    if project is not None:
        queryset = queryset.filter(project=project)
    if client is not None:
        queryset = queryset.filter(client=client)
    return queryset


BOARD_JOB_COLUMNS = (
    "id", "status", "scheduled_date", "scheduled_start", "scheduled_end", "created_at", "assigned_to_id",
    "assigned_to__full_name", "assigned_to__email", "job_type__name", "client__name", "site__name",
    "site__postcode", "project__name",
)  # fmt: skip


def team_engineers(*, team: Team) -> QuerySet[User]:
    """The team's active members with the engineer role, by name: who a job may be dispatched to."""
    return (
        User.objects.filter(
            memberships__team=team, memberships__is_active=True, memberships__role=Role.ENGINEER, is_active=True
        )
        .only("full_name", "email")
        .order_by("full_name", "email")
    )


# --- My day: one engineer's jobs, in time order ------------------------------------------------------

# Statuses of work still to do: shown from earlier days (or with no day) until it is done.
OPEN_STATUSES = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
DAY_JOB_RELATIONS = ("job_type", "client", "site", "asset")


def day_jobs_for(*, team: Team, user: User, first_day: dt.date, last_day: dt.date, limit: int) -> list[Job]:
    """The jobs of `team` assigned to `user` scheduled between two days (inclusive), cancelled ones left
    out, in time order (day, then the window's start, untimed jobs after timed ones), at most `limit`.

    The day is read through the jobs' schedule index expression: a range scan of (team, engineer, day).
    """
    day = Coalesce(F("scheduled_date"), Value(UNSCHEDULED_SORT_DATE))
    queryset = (
        Job.objects.for_team(team)
        .filter(assigned_to=user)
        .alias(day=day)
        .filter(day__gte=first_day, day__lte=last_day)
        .exclude(status=JobStatus.CANCELLED)
        .select_related(*DAY_JOB_RELATIONS)
        .order_by("scheduled_date", F("scheduled_start").asc(nulls_last=True), "created_at", "id")
    )
    return list(queryset[:limit])


def open_jobs_before(*, team: Team, user: User, day: dt.date, limit: int) -> list[Job]:
    """`user`'s jobs of `team` still to do (assigned or in progress) from before `day` or with no day."""
    queryset = (
        Job.objects.for_team(team)
        .filter(assigned_to=user, status__in=OPEN_STATUSES)
        .filter(Q(scheduled_date__lt=day) | Q(scheduled_date__isnull=True))
        .select_related(*DAY_JOB_RELATIONS)
        .order_by(F("scheduled_date").asc(nulls_last=True), F("scheduled_start").asc(nulls_last=True), "id")
    )
    return list(queryset[:limit])


def assigned_job(*, team: Team, user: User, job_id: Any) -> Job | None:
    """One job of `team` assigned to `user`, with what the job page shows (None if there is none)."""
    return (
        Job.objects.for_team(team)
        .filter(pk=job_id, assigned_to=user)
        .select_related("team", *DAY_JOB_RELATIONS, "project", "signature")
        .prefetch_related(Prefetch("attachments", queryset=JobAttachment.objects.order_by("created_at", "id")))
        .first()
    )
