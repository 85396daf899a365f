"""Reads of jobs and job types."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Team
from core.exceptions import InvalidInputError
from jobs.models import Job, JobAttachment, JobEvent, JobSignature, JobType

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
        events = JobEvent.objects.select_related("actor_user", "actor_key")
        attachments = JobAttachment.objects.select_related("uploaded_by_user", "uploaded_by_key")
        # The signature is a reverse one-to-one: a join, not another query.
        queryset = queryset.select_related("signature").prefetch_related(
            Prefetch("events", queryset=events), Prefetch("attachments", queryset=attachments)
        )
    return queryset


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
