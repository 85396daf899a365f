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

A write shows its job the same way (`written_jobs`, the reader `jobs.apps` registers in
`core.registry`): its event's object and its answer are this detail, read in the write's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import F, QuerySet

from accounts.models import APIKey, Team, User
from core.api.fast import WIRE_TIME_PREFIX
from core.api.statements import StatementCache, as_team, kept_rows
from core.models import for_team
from jobs import selectors
from jobs.api.rows import EMPTY_AS_NULL, JOB_COLUMNS, RELATED_COLUMNS, RELATED_NAMES, TIME_COLUMNS, job_rows
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
    key = uuid.UUID(str(pk))
    return job_details(view.team, [key], jobs=view.scoped_queryset, context=context, statements=_STATEMENTS).get(key)


def job_details(
    team: Any,
    pks: Sequence[Any],
    *,
    jobs: Callable[[Any], QuerySet[Job]],
    context: Mapping[str, Any],
    statements: StatementCache,
    in_hand: Mapping[uuid.UUID, Sequence[JobEvent]] | None = None,
    rows_in_hand: Sequence[dict[str, Any]] | None = None,
) -> dict[uuid.UUID, dict[str, Any]]:
    """The jobs `pks` of `jobs(team)` (the team's jobs, tenancy applied) as the API shows them, by key
    (in the order of `pks`); a key that is not one of them is left out.

    One job is read through kept statements (`statements`, one cache per caller: each keeps what its
    own `jobs` built); several at once through the same three statements, compiled for their number.
    When every job's timeline is `in_hand` (jobs just created: no photos yet), only their rows are read.
    `rows_in_hand`: the jobs' rows as the job statement reads them, one per key of `pks` (the team's
    jobs just written, built from the instances: `_row_in_hand`), so only their timelines and photos are.
    """
    if not pks:
        return {}
    ids = [uuid.UUID(str(pk)) for pk in pks]
    one = len(ids) == 1
    keys = {f"job{index}": pk for index, pk in enumerate(ids)}

    def job(bound: Mapping[str, Any]) -> QuerySet[Job, dict[str, Any]]:
        chosen = jobs(as_team(team, bound["team"]))
        chosen = chosen.filter(pk=bound["job0"]) if one else chosen.filter(pk__in=[bound[key] for key in keys])
        # The signature (one per job at most) comes joined to the job's row, as the serializer's read had it.
        return chosen.values(*JOB_COLUMNS, **RELATED_COLUMNS, **SIGNATURE_COLUMNS)

    # Several jobs at once (a bulk write) are compiled each time: their number makes the statement.
    def kept(name: str) -> tuple[str, str] | None:
        return (name, "one") if one else None

    rows = (
        list(rows_in_hand)
        if rows_in_hand is not None
        else kept_rows(statements, kept("job"), {"team": team.pk, **keys}, job)
    )
    if not rows:
        return {}
    # Rows of the caller's team: what hangs off them is the team's too.
    found = {f"job{index}": uuid.UUID(str(row["id"])) for index, row in enumerate(rows)}

    def of_jobs(model: Any, bound: Mapping[str, Any]) -> Any:
        if one:
            return model.objects.filter(job_id=bound["job0"])
        return model.objects.filter(job_id__in=[bound[key] for key in found])

    if in_hand is not None and set(found.values()) <= set(in_hand):
        return _shown(rows, {str(pk): list(in_hand[pk]) for pk in found.values()}, {}, ids, context)
    events = kept_rows(
        statements,
        kept("events"),
        found,
        lambda bound: of_jobs(JobEvent, bound).values("job_id", *EVENT_COLUMNS, **_people("actor")),
        wire=False,
    )
    attachments = kept_rows(
        statements,
        kept("attachments"),
        found,
        lambda bound: of_jobs(JobAttachment, bound).values(*ATTACHMENT_COLUMNS, **_people("uploaded_by")),
        wire=False,
    )
    timelines: dict[str, list[JobEvent]] = {str(key): [] for key in found.values()}
    for e in events:
        timelines[str(e["job_id"])].append(
            _with_people(JobEvent(**{c: e[c] for c in ("job_id", *EVENT_COLUMNS)}), e, "actor")
        )
    photos: dict[str, list[JobAttachment]] = {str(key): [] for key in found.values()}
    for a in attachments:
        photo = JobAttachment(**{c: a[c] for c in ATTACHMENT_COLUMNS})
        photos[str(a["job_id"])].append(_with_people(photo, a, "uploaded_by"))
    return _shown(rows, timelines, photos, ids, context)


def _shown(
    rows: list[dict[str, Any]],
    timelines: Mapping[str, list[JobEvent]],
    photos: Mapping[str, list[JobAttachment]],
    ids: list[uuid.UUID],
    context: Mapping[str, Any],
) -> dict[uuid.UUID, dict[str, Any]]:
    shown: dict[str, dict[str, Any]] = {}
    for first, row in zip(rows, job_rows(rows), strict=True):
        signature = None
        if first["sig_id"] is not None:
            signature = JobSignature(pk=first["sig_id"], job_id=row["id"], signer_name=first["sig_signer_name"],
                                     signed_at=first["sig_signed_at"], image=first["sig_image"])  # fmt: skip
        shown[str(row["id"])] = {
            **row,
            "events": JobEventSerializer(timelines[str(row["id"])], many=True, context=context).data,
            "attachments": JobAttachmentSerializer(photos.get(str(row["id"]), []), many=True, context=context).data,
            "signature": None if signature is None else JobSignatureSerializer(signature, context=context).data,
        }
    return {pk: shown[str(pk)] for pk in ids if str(pk) in shown}


_WRITTEN_STATEMENTS = StatementCache(size=8)


def served_jobs(team: Team) -> QuerySet[Job]:
    """The rows `JobViewSet` serves (its `base_queryset`): the list, the detail and the writes read
    bare rows and build what they show themselves."""
    return selectors.jobs_for(team=team, with_related=False, with_events=False)


def _team_jobs(team: Team) -> QuerySet[Job]:
    """`served_jobs` narrowed to `team`, as `TeamScopedViewSet.scoped_queryset` narrows them."""
    return for_team(served_jobs(team), team)


def written_jobs(*, team: Team, objs: Sequence[Job]) -> dict[Any, dict[str, Any]]:
    """Jobs just written (in the write's transaction), as `GET /v1/jobs/{id}` shows them: the reader
    `core.registry` takes their event's object and the write's answer from (`jobs.apps`).

    Their documents (`payload`, `result`) are the instances' own, as the write holds them (the order
    its author gave the keys; the database's `jsonb` keeps its own), as the serializer showed them.
    """
    in_hand = {job.pk: timeline for job in objs if (timeline := selectors.timeline_in_hand(job)) is not None}
    rows = [_row_in_hand(job, new=job.pk in in_hand) if job.team_id == team.pk else None for job in objs]
    every_row = all(row is not None for row in rows)
    if every_row and len(in_hand) == len(objs):  # jobs just created, every relation in hand: nothing to read
        timelines = {str(pk): list(timeline) for pk, timeline in in_hand.items()}
        found = _shown(rows, timelines, {}, [job.pk for job in objs], {"team": team})  # type: ignore[arg-type]
    else:  # a transition's job, its relations joined to its lock (`jobs.services._lock`): its timeline and photos read
        found = job_details(team, [job.pk for job in objs], jobs=_team_jobs, context={"team": team},
                            statements=_WRITTEN_STATEMENTS, in_hand=in_hand,
                            rows_in_hand=rows if every_row else None)  # type: ignore[arg-type]  # fmt: skip
    for job in objs:
        if job.pk in found:
            found[job.pk].update(payload=job.payload, result=job.result)
    return found


def _row_in_hand(job: Job, *, new: bool) -> dict[str, Any] | None:
    """The detail's row of `job` (`JOB_COLUMNS`, `RELATED_COLUMNS`, `SIGNATURE_COLUMNS`) from the instance
    and the related rows it holds, or None when one it points at is not in hand (or lacks a shown
    column). A `new` job has no signature; another's must be in hand (joined to its lock) too."""
    if job.get_deferred_fields():
        return None
    row = {column: getattr(job, column) for column in JOB_COLUMNS}
    row.update({f"{WIRE_TIME_PREFIX}{column}": getattr(job, column) for column in TIME_COLUMNS})  # printed by job_rows
    for name, path in RELATED_NAMES.items():
        relation, attribute = path.split("__")
        field = getattr(Job, relation).field  # the foreign key
        if getattr(job, field.attname) is None:
            row[name] = None
            continue
        if not field.is_cached(job):
            return None
        related = getattr(job, relation)
        # A lock that waited for another writer reads that writer's row but not the rows joined to it
        # anew (PostgreSQL rechecks only the locked row): a relation that does not match is read.
        if related is None or related.pk != getattr(job, field.attname) or attribute in related.get_deferred_fields():
            return None
        value = getattr(related, attribute)
        row[name] = None if value == "" and name in EMPTY_AS_NULL else value
    signature = None
    if not new:
        if not Job.signature.is_cached(job):
            return None
        signature = getattr(job, "signature", None)
    if signature is None:
        return {**row, **dict.fromkeys(SIGNATURE_COLUMNS)}
    shown = {"id": signature.pk, "signer_name": signature.signer_name, "signed_at": signature.signed_at}
    return {**row, **{f"sig_{name}": value for name, value in shown.items()}, "sig_image": signature.image.name}
