"""Writes for jobs: creation and every state transition, each in one transaction with a row lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Actor, Membership, Team, User
from assets.models import Asset
from core.exceptions import InvalidInputError, StateConflictError
from core.models import for_team
from core.prepared import insert_new, row_by_pk
from core.timerange import team_zone
from jobs.attachments import SignatureInput, check_photo, decode_signature_png, thumbnail_of
from jobs.creation import NewJob as NewJob  # re-exported (the plans' daily pass)
from jobs.creation import check_schedule as check_schedule
from jobs.creation import create_jobs_bulk as create_jobs_bulk
from jobs.models import Job, JobAttachment, JobEvent, JobSignature, JobStatus, JobType, ResultType
from jobs.rules import check_assignable
from jobs.schemas import check_payload_schema as check_payload_schema  # re-exported (admin, projects)
from jobs.schemas import check_schema, validate_result
from jobs.schemas import validate_payload as validate_payload
from jobs.signals import job_completed
from projects.models import Client, Project, Site
from webhooks.models import EventType
from webhooks.services import record_event

# Which statuses each transition may start from.
ALLOWED_FROM: dict[JobStatus, set[str]] = {
    JobStatus.ASSIGNED: {JobStatus.PENDING, JobStatus.ASSIGNED},
    JobStatus.IN_PROGRESS: {JobStatus.ASSIGNED},
    JobStatus.COMPLETED: {JobStatus.IN_PROGRESS},
    JobStatus.CANCELLED: {JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS},
}

EVENTS = {
    JobStatus.ASSIGNED: EventType.JOB_ASSIGNED,
    JobStatus.IN_PROGRESS: EventType.JOB_STARTED,
    JobStatus.COMPLETED: EventType.JOB_COMPLETED,
    JobStatus.CANCELLED: EventType.JOB_CANCELLED,
}

VERBS = {
    JobStatus.ASSIGNED: "assign",
    JobStatus.IN_PROGRESS: "start",
    JobStatus.COMPLETED: "complete",
    JobStatus.CANCELLED: "cancel",
}


def create_job_type(
    *,
    team: Team,
    actor: Actor,
    key: str,
    name: str,
    description: str = "",
    payload_schema: Any = None,
    result_schema: Any = None,
    active: bool = True,
) -> JobType:
    """Create a job type; its key is unique in the team (a duplicate is a 409)."""
    if payload_schema is not None:
        check_schema(payload_schema, "payloadSchema")
    if result_schema is not None:
        check_schema(result_schema, "resultSchema")
    try:
        with transaction.atomic():
            return JobType.objects.create(
                team=team, key=key, name=name, description=description, payload_schema=payload_schema,
                result_schema=result_schema, active=active,
            )  # fmt: skip
    except IntegrityError:
        raise StateConflictError(f"A job type with key '{key}' already exists.", "key") from None


# What may change on a job type; its key is fixed once created (integrations refer to it).
EDITABLE_JOB_TYPE_FIELDS = ("name", "description", "payload_schema", "result_schema", "active")


def update_job_type(*, job_type: JobType, actor: Actor, changes: Mapping[str, Any]) -> JobType:
    """Change the given fields of a job type. A new schema applies to jobs created or completed from now on."""
    unknown = set(changes) - set(EDITABLE_JOB_TYPE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable job type fields: {sorted(unknown)}")
    for field, wire in (("payload_schema", "payloadSchema"), ("result_schema", "resultSchema")):
        if changes.get(field) is not None:
            check_schema(changes[field], wire)
    with transaction.atomic():
        locked = JobType.objects.select_for_update().get(pk=job_type.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        if changes:
            locked.save(update_fields=[*changes, "updated_at"])
    return locked


def create_job(
    *,
    team: Team,
    actor: Actor,
    job_type: JobType,
    payload: dict[str, Any] | None = None,
    scheduled_date: dt.date | None = None,
    scheduled_start: dt.datetime | None = None,
    scheduled_end: dt.datetime | None = None,
    notes: str = "",
    client: Client | None = None,
    site: Site | None = None,
    asset: Asset | None = None,
    project: Project | None = None,
) -> Job:
    """Create a PENDING job of `job_type`. Related records must be the team's own and agree with each other.

    The checks and writes are `create_jobs_bulk`'s (`jobs.creation`), for one job.
    """
    new = NewJob(
        team=team, job_type=job_type, payload=payload, scheduled_date=scheduled_date, scheduled_start=scheduled_start,
        scheduled_end=scheduled_end, notes=notes, client=client, site=site, asset=asset, project=project,
    )  # fmt: skip
    return create_jobs_bulk(actor=actor, jobs=[new])[0]


def _window_off_day(job: Job, day: dt.date | None) -> bool:
    """Whether the job has a time window that does not start on `day` (in the team's time zone)."""
    start = job.scheduled_start
    return start is not None and (day is None or start.astimezone(team_zone(job.team)).date() != day)


# What a person may change on a job directly; everything else moves through a transition.
EDITABLE_JOB_FIELDS = ("scheduled_date", "notes")


def update_job(*, job: Job, actor: Actor, changes: Mapping[str, Any]) -> Job:
    """Change a job's scheduled date or notes, on the locked row (a concurrent transition is not undone).

    A new date drops a time window that was on another day, as `reschedule_job` does.
    """
    unknown = set(changes) - set(EDITABLE_JOB_FIELDS)
    if unknown:
        raise ValueError(f"Not editable job fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Job.objects.select_for_update(of=("self",)).select_related("team").get(pk=job.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        fields = list(changes)
        if "scheduled_date" in changes and _window_off_day(locked, locked.scheduled_date):
            locked.scheduled_start = locked.scheduled_end = None  # the window was on the old day
            fields += ["scheduled_start", "scheduled_end"]
        if fields:
            locked.save(update_fields=fields)
    return locked


# Until a job is done its schedule may move.
RESCHEDULABLE = (JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
UNSET: Any = object()


def reschedule_job(
    *,
    job: Job,
    actor: Actor,
    scheduled_date: dt.date | None = UNSET,
    scheduled_start: dt.datetime | None = UNSET,
    scheduled_end: dt.datetime | None = UNSET,
) -> Job:
    """Move a job's day and/or time window (409 once COMPLETED or CANCELLED), logged and announced.

    A window given without a date moves the day to the window's start (in the team's time zone); a
    date given alone drops a window that was on another day; a window cleared alone keeps the day.
    """
    window_given = scheduled_start is not UNSET or scheduled_end is not UNSET
    if scheduled_date is UNSET and not window_given:
        raise InvalidInputError("Give scheduledDate, a window (scheduledStart and scheduledEnd), or both.", "")
    with transaction.atomic():
        locked = _lock(job)
        if locked.status not in RESCHEDULABLE:
            raise StateConflictError(f"Cannot reschedule a job that is {locked.status}.", "status")
        if window_given:
            start = None if scheduled_start is UNSET else scheduled_start
            end = None if scheduled_end is UNSET else scheduled_end
            # Clearing the window alone keeps the day.
            keep_day = scheduled_date is UNSET and start is None
            day = locked.scheduled_date if keep_day else (None if scheduled_date is UNSET else scheduled_date)
            day = check_schedule(team=locked.team, scheduled_date=day, start=start, end=end)
        else:
            day, start, end = scheduled_date, locked.scheduled_start, locked.scheduled_end
            if _window_off_day(locked, day):
                start = end = None  # the window was on the old day
        before = (locked.scheduled_date, locked.scheduled_start, locked.scheduled_end)
        locked.scheduled_date, locked.scheduled_start, locked.scheduled_end = day, start, end
        locked.save(update_fields=["scheduled_date", "scheduled_start", "scheduled_end"])
        if before != (day, start, end):
            shown = day.isoformat() if day else "unscheduled"
            if start is not None and end is not None:
                shown += f" {start.isoformat()}–{end.isoformat()}"
            _record(locked, actor, locked.status, locked.status, timezone.now(), f"Rescheduled to {shown}")
            record_event(EventType.JOB_RESCHEDULED, locked)
    return locked


def _record(job: Job, actor: Actor, from_status: str | None, to_status: str, at: dt.datetime, note: str = "") -> None:
    event = JobEvent(
        job=job, from_status=from_status, to_status=to_status, at=at, actor_user=actor.user, actor_key=actor.api_key,
        note=note,
    )  # fmt: skip
    insert_new([event])  # its INSERT kept once built (core.prepared)


def _transition(
    job: Job, actor: Actor, to_status: JobStatus, note: str = "", announce: bool = True, **changes: Any
) -> Job:
    """Lock the row, check the move is allowed from its *current* status, apply it and log it.

    `announce=False` leaves the webhook event to the caller, once what belongs with the move is saved.
    """
    with transaction.atomic():
        return _move(job, actor, to_status, note, announce, **changes)


# The rows whose names a job shows (`jobs.api.rows.RELATED_NAMES`): joined to the locked row, so the
# write's event and answer build the job's row from the instance (`jobs.api.detail.written_jobs`).
SHOWN_RELATIONS = ("assigned_to", "client", "site", "asset", "project", "created_by_user", "created_by_key")


def _lock(job: Job) -> Job:
    """The job's row, locked and read now, among its team's rows only, with what its event shows
    joined to it: its team (the event needs it), its type, its signature and the rows it shows names
    of (small joins on primary keys PostgreSQL plans at once; a query each would cost far more). Only
    the job's row is locked. The team and type the caller's instance already holds are taken from it
    instead (neither changes once the job exists).

    `job` may be a row read before or only its key and team (`TeamScopedViewSet.object_to_lock`: the
    API's transitions read the row once, here); a key that is not a row of that team is `DoesNotExist`.
    """
    kept = [name for name in ("team", "job_type") if getattr(Job, name).field.is_cached(job)]
    joined = [name for name in ("team", "job_type", "signature", *SHOWN_RELATIONS) if name not in kept]

    def locking(team: Team) -> QuerySet[Job]:
        return for_team(Job.objects.select_for_update(of=("self",)).select_related(*joined), team)

    # One of a few statements, compiled once (core.prepared): compiling it cost four times reading the row.
    team = job.team if "team" in kept else Team(pk=job.team_id)
    locked = row_by_pk(f"jobs.lock.{'.'.join(joined)}", locking, job.pk, team=team)
    if locked is None:
        raise Job.DoesNotExist("Job matching query does not exist.")
    for name in kept:
        setattr(locked, name, getattr(job, name))
    return locked


def _move(job: Job, actor: Actor, to_status: JobStatus, note: str, announce: bool, **changes: Any) -> Job:
    """`_transition`'s work, in the caller's transaction."""
    return _apply(_lock(job), actor, to_status, note, announce, **changes)


def _apply(locked: Job, actor: Actor, to_status: JobStatus, note: str, announce: bool, **changes: Any) -> Job:
    """Move the row `_lock` read, if its current status allows it, and log the move."""
    if locked.status not in ALLOWED_FROM[to_status]:
        raise StateConflictError(f"Cannot {VERBS[to_status]} a job that is {locked.status}.", "status")
    if to_status == JobStatus.IN_PROGRESS and locked.assigned_to_id is None:
        raise StateConflictError("Cannot start a job without an assigned engineer.", "assignedTo")
    from_status = locked.status
    now = timezone.now()
    stamp = {
        JobStatus.ASSIGNED: "assigned_at",
        JobStatus.IN_PROGRESS: "started_at",
        JobStatus.COMPLETED: "completed_at",
        JobStatus.CANCELLED: "cancelled_at",
    }[to_status]
    moved = {**changes, "status": to_status, stamp: now}
    for field, value in moved.items():
        setattr(locked, field, value)
    locked.save_fields(moved)  # the row is locked and read now: the other columns are as saved
    _record(locked, actor, from_status, to_status, now, note)
    if announce:
        record_event(EVENTS[to_status], locked)
    return locked


def engineer_in_team(team: Team, user_id: Any) -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(team=team, user_id=user_id, is_active=True, user__is_active=True)
        .first()
    )
    if membership is None:
        raise InvalidInputError("No active member of your team has this id.", "engineerId")
    return membership.user


def assign_job(*, job: Job, actor: Actor, engineer: User) -> Job:
    """Assign (or reassign, before start) an engineer who is a member of the job's team.

    Only engineers, owners and admins are assigned jobs (`jobs.rules.ASSIGNABLE_ROLES`).
    """
    check_assignable(team=job.team, engineer=engineer)
    return _transition(job, actor, JobStatus.ASSIGNED, note=f"Assigned to {engineer}", assigned_to=engineer)


def start_job(*, job: Job, actor: Actor) -> Job:
    """Start an assigned job."""
    return _transition(job, actor, JobStatus.IN_PROGRESS)


def complete_job(
    *,
    job: Job,
    actor: Actor,
    result_type: ResultType,
    result: dict[str, Any] | None = None,
    notes: str | None = None,
    signature: SignatureInput | None = None,
    attachments: Sequence[JobAttachment] = (),
) -> Job:
    """Complete a job in progress with its outcome; its documents (flows) are queued in the same transaction.

    The customer's signature (a PNG) is stored with the signer's name and the time, and the photos named
    (uploaded to this job before) are marked as taken at completion, in that same transaction.
    """
    changes: dict[str, Any] = {"result_type": result_type, "result": result}
    if notes is not None:
        changes["notes"] = notes
    with transaction.atomic():
        # The row and its type read once, locked: the result is checked against the type's schema
        # here (another team's job or none is `DoesNotExist` first), then the rest, in that order.
        locked = _lock(job)
        validate_result(locked.job_type, result_type, result)
        for index, attachment in enumerate(attachments):
            if attachment.job_id != job.pk:
                raise InvalidInputError("This attachment belongs to another job.", f"attachmentIds.{index}")
        png = None
        if signature is not None:
            if not signature.signer_name.strip():
                raise InvalidInputError("The signer's name is required.", "signature.signerName")
            png = decode_signature_png(signature.image_png)
        completed = _apply(locked, actor, JobStatus.COMPLETED, "", False, **changes)  # in this transaction
        if signature is not None and png is not None:
            JobSignature.objects.create(
                team_id=completed.team_id,
                job=completed,
                signer_name=signature.signer_name.strip(),
                image=ContentFile(png, name="signature.png"),
                signed_at=completed.completed_at or timezone.now(),
            )
        if attachments:
            JobAttachment.objects.filter(pk__in=[a.pk for a in attachments]).update(at_completion=True)
        record_event(EVENTS[JobStatus.COMPLETED], completed)  # with its signature and photos
        job_completed.send(sender=Job, job=completed)  # flows: the customer documents
    return completed


def add_attachment(*, job: Job, actor: Actor, content: bytes, filename: str = "", caption: str = "") -> JobAttachment:
    """Store a photo of a job (JPEG, PNG, WebP or HEIC by its bytes, at most 10 MiB) with a thumbnail.

    Refused with a 400 (nothing stored) for another type or a bigger file, and with a 409 once the
    job is CANCELLED.
    """
    checked = check_photo(content)
    thumbnail = thumbnail_of(checked)
    if job.status == JobStatus.CANCELLED:
        raise StateConflictError("Cannot add photos to a cancelled job.", "status")
    attachment = JobAttachment(
        team_id=job.team_id, job=job, content_type=checked.content_type, size=len(content),
        original_name=filename[:255], caption=caption, width=checked.width, height=checked.height,
        uploaded_by_user=actor.user, uploaded_by_key=actor.api_key,
    )  # fmt: skip
    try:
        with transaction.atomic():
            attachment.file.save(f"photo.{checked.extension}", ContentFile(content), save=False)
            if thumbnail is not None:
                attachment.thumbnail.save("thumbnail.jpg", thumbnail, save=False)
            attachment.save()
    except Exception:  # the files are written before the row: a row that is not saved leaves none behind
        for stored in (attachment.file, attachment.thumbnail):
            if stored:
                stored.delete(save=False)
        raise
    return attachment


def cancel_job(*, job: Job, actor: Actor, reason: str = "") -> Job:
    """Cancel a job that has not completed."""
    return _transition(job, actor, JobStatus.CANCELLED, note=reason, cancel_reason=reason)
