"""`GET /v1/jobs/{id}`: one job read as the list reads its rows, plus its timeline, photos and signature.

The job itself is the list's row (`jobs.api.rows.job_rows` over the list's columns: the job and
every related name in one query), so a job looks the same in the list and alone by construction.
Its timeline and photos come in one query each, with the names of who acted joined, made into
model instances and shown by their own serializers (`JobEventSerializer`, `JobAttachmentSerializer`,
`JobSignatureSerializer`), exactly as `JobDetailSerializer` nests them; a test compares the whole
answer with that serializer's.

The three statements are the same for every job: each is kept once learnt (`core.api.statements`)
and only bound to the team and the job after, so no request builds or compiles an ORM query (that
was over half of the detail's time: see bench/README.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import F, QuerySet

from accounts.models import APIKey, User
from core.api.statements import StatementCache, as_team, kept_rows
from jobs.api.rows import JOB_COLUMNS, RELATED_COLUMNS, job_rows
from jobs.api.serializers import JobAttachmentSerializer, JobEventSerializer, JobSignatureSerializer
from jobs.models import Job, JobAttachment, JobEvent, JobSignature

SIGNATURE_COLUMNS = {f"sig_{name}": F(f"signature__{name}") for name in ("id", "signer_name", "signed_at", "image")}


_STATEMENTS = StatementCache(size=8)

EVENT_COLUMNS = ("id", "from_status", "to_status", "at", "note", "actor_user_id", "actor_key_id")
ATTACHMENT_COLUMNS = (
    "id", "team_id", "job_id", "file", "thumbnail", "content_type", "size", "original_name", "caption", "width",
    "height", "at_completion", "uploaded_by_user_id", "uploaded_by_key_id", "created_at",
)  # fmt: skip


def _people(prefix: str) -> dict[str, Any]:
    """The names of who acted (a user, an API key), joined to the row as `actor_data` shows them."""
    return {
        "who_user_name": F(f"{prefix}_user__full_name"),
        "who_user_email": F(f"{prefix}_user__email"),
        "who_key_name": F(f"{prefix}_key__name"),
    }


def _with_people(obj: Any, row: dict[str, Any], prefix: str) -> Any:
    user_id, key_id = row[f"{prefix}_user_id"], row[f"{prefix}_key_id"]
    if user_id is not None:
        setattr(obj, f"{prefix}_user", User(pk=user_id, full_name=row["who_user_name"], email=row["who_user_email"]))
    if key_id is not None:
        setattr(obj, f"{prefix}_key", APIKey(pk=key_id, name=row["who_key_name"]))
    return obj


def job_detail(view: Any, pk: Any, *, context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The job `pk` of the caller's team (`view.scoped_queryset`) as the API shows it, or None.

    Keys of the job's own fields are camelCase (the list's row); the nested lists are serializer
    output, camelCased by the renderer as every other answer.
    """
    team = view.team

    def job(bound: Mapping[str, Any]) -> QuerySet[Job, dict[str, Any]]:
        jobs = view.scoped_queryset(as_team(team, bound["team"])).filter(pk=bound["job"])
        # The signature (one per job at most) comes joined to the job's row, as the serializer's read had it.
        return jobs.values(*JOB_COLUMNS, **RELATED_COLUMNS, **SIGNATURE_COLUMNS)

    rows = kept_rows(_STATEMENTS, "job", {"team": team.pk, "job": pk}, job)
    if not rows:
        return None
    row = job_rows(rows)[0]
    # A row of the caller's team: what hangs off it is the team's too.
    found = {"job": uuid.UUID(str(pk))}
    events = kept_rows(
        _STATEMENTS,
        "events",
        found,
        lambda bound: JobEvent.objects.filter(job_id=bound["job"]).values(*EVENT_COLUMNS, **_people("actor")),
        wire=False,
    )
    attachments = kept_rows(
        _STATEMENTS,
        "attachments",
        found,
        lambda bound: JobAttachment.objects.filter(job_id=bound["job"]).values(
            *ATTACHMENT_COLUMNS, **_people("uploaded_by")
        ),
        wire=False,
    )
    first = rows[0]
    signature = None
    if first["sig_id"] is not None:
        signature = JobSignature(pk=first["sig_id"], job_id=row["id"], signer_name=first["sig_signer_name"],
                                 signed_at=first["sig_signed_at"], image=first["sig_image"])  # fmt: skip
    timeline = [
        _with_people(JobEvent(job_id=found["job"], **{c: e[c] for c in EVENT_COLUMNS}), e, "actor") for e in events
    ]
    photos = [
        _with_people(JobAttachment(**{c: a[c] for c in ATTACHMENT_COLUMNS}), a, "uploaded_by") for a in attachments
    ]
    return {
        **row,
        "events": JobEventSerializer(timeline, many=True, context=context).data,
        "attachments": JobAttachmentSerializer(photos, many=True, context=context).data,
        "signature": None if signature is None else JobSignatureSerializer(signature, context=context).data,
    }
