"""Writes for jobs: creation and every state transition, each in one transaction with a row lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from accounts.models import Actor, Membership, Team, User
from assets.models import Asset
from core.exceptions import InvalidInputError, StateConflictError
from jobs.models import Job, JobEvent, JobStatus, JobType, ResultType
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


def check_payload_schema(schema: Any) -> None:
    """Refuse (400 on `payloadSchema`) anything that is not a valid JSON Schema object."""
    if not isinstance(schema, dict):
        raise InvalidInputError("payloadSchema must be a JSON Schema object.", "payloadSchema")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = ".".join(str(p) for p in exc.absolute_path)
        path = ".".join(filter(None, ["payloadSchema", where]))
        raise InvalidInputError(f"Not a valid JSON Schema: {exc.message}", path) from None


def validate_payload(job_type: JobType, payload: Any) -> None:
    """Validate a payload against its type's schema: one 400 issue per failure, dotted path under `payload`."""
    if not isinstance(payload, dict):
        raise InvalidInputError("payload must be a JSON object.", "payload")
    if not job_type.payload_schema:
        return
    validator = Draft202012Validator(job_type.payload_schema)
    errors = sorted(validator.iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        issues = [
            (".".join(["payload", *(str(p) for p in error.absolute_path)]), error.message) for error in errors[:50]
        ]
        raise InvalidInputError(issues[0][1], issues=issues)


def create_job_type(
    *,
    team: Team,
    actor: Actor,
    key: str,
    name: str,
    description: str = "",
    payload_schema: Any = None,
    active: bool = True,
) -> JobType:
    """Create a job type; its key is unique in the team (a duplicate is a 409)."""
    if payload_schema is not None:
        check_payload_schema(payload_schema)
    try:
        with transaction.atomic():
            return JobType.objects.create(
                team=team, key=key, name=name, description=description, payload_schema=payload_schema, active=active
            )
    except IntegrityError:
        raise StateConflictError(f"A job type with key '{key}' already exists.", "key") from None


def create_job(
    *,
    team: Team,
    actor: Actor,
    job_type: JobType,
    payload: dict[str, Any] | None = None,
    scheduled_date: dt.date | None = None,
    notes: str = "",
    client: Client | None = None,
    site: Site | None = None,
    asset: Asset | None = None,
    project: Project | None = None,
) -> Job:
    """Create a PENDING job of `job_type`. Related records must be the team's own and agree with each other."""
    if not job_type.active:
        raise InvalidInputError("This job type is inactive.", "jobTypeId")
    payload = {} if payload is None else payload
    validate_payload(job_type, payload)
    if asset is not None:
        if site is not None and asset.site_id != site.pk:
            raise InvalidInputError("The asset is not installed at this site.", "assetId")
        site = site or asset.site
    if project is not None:
        if client is not None and project.client_id != client.pk:
            raise InvalidInputError("The project belongs to another client.", "projectId")
        client = client or project.client
    if site is not None:
        if client is not None and site.client_id != client.pk:
            raise InvalidInputError("The site belongs to another client.", "siteId")
        client = client or site.client
    with transaction.atomic():
        job = Job.objects.create(
            team=team,
            job_type=job_type,
            payload=payload,
            scheduled_date=scheduled_date,
            notes=notes,
            client=client,
            site=site,
            asset=asset,
            project=project,
            created_by_user=actor.user,
            created_by_key=actor.api_key,
        )
        _record(job, actor, None, JobStatus.PENDING, job.created_at)
        record_event(EventType.JOB_CREATED, job)
    return job


# What a person may change on a job directly; everything else moves through a transition.
EDITABLE_JOB_FIELDS = ("scheduled_date", "notes")


def update_job(*, job: Job, actor: Actor, changes: Mapping[str, Any]) -> Job:
    """Change a job's scheduled date or notes, on the locked row (a concurrent transition is not undone)."""
    unknown = set(changes) - set(EDITABLE_JOB_FIELDS)
    if unknown:
        raise ValueError(f"Not editable job fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        if changes:
            locked.save(update_fields=list(changes))
    return locked


def _record(job: Job, actor: Actor, from_status: str | None, to_status: str, at: dt.datetime, note: str = "") -> None:
    JobEvent.objects.create(
        job=job,
        from_status=from_status,
        to_status=to_status,
        at=at,
        actor_user=actor.user,
        actor_key=actor.api_key,
        note=note,
    )


def _transition(job: Job, actor: Actor, to_status: JobStatus, note: str = "", **changes: Any) -> Job:
    """Lock the row, check the move is allowed from its *current* status, apply it and log it."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
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
        for field, value in {**changes, "status": to_status, stamp: now}.items():
            setattr(locked, field, value)
        locked.save()
        _record(locked, actor, from_status, to_status, now, note)
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
    """Assign (or reassign, before start) an engineer who is a member of the job's team."""
    return _transition(job, actor, JobStatus.ASSIGNED, note=f"Assigned to {engineer}", assigned_to=engineer)


def start_job(*, job: Job, actor: Actor) -> Job:
    """Start an assigned job."""
    return _transition(job, actor, JobStatus.IN_PROGRESS)


def complete_job(
    *, job: Job, actor: Actor, result_type: ResultType, result: dict[str, Any] | None = None, notes: str | None = None
) -> Job:
    """Complete a job in progress with its outcome; its documents (flows) are queued in the same transaction."""
    changes: dict[str, Any] = {"result_type": result_type, "result": result}
    if notes is not None:
        changes["notes"] = notes
    with transaction.atomic():
        completed = _transition(job, actor, JobStatus.COMPLETED, **changes)
        job_completed.send(sender=Job, job=completed)  # flows: the customer documents
    return completed


def cancel_job(*, job: Job, actor: Actor, reason: str = "") -> Job:
    """Cancel a job that has not completed."""
    return _transition(job, actor, JobStatus.CANCELLED, note=reason, cancel_reason=reason)
