"""`GET /v1/jobs/{id}`: one job read as the list reads its rows, plus its timeline, photos and signature.

The job itself is the list's row (`jobs.api.rows.job_rows` over the list's columns: the job and
every related name in one query), so a job looks the same in the list and alone by
construction. Its timeline and photos come in one small query each and its signature joined to its
row, all shown by their own serializers (`JobEventSerializer`, `JobAttachmentSerializer`,
`JobSignatureSerializer`), exactly as `JobDetailSerializer` nests them; a test compares the whole
answer with that serializer's.

Before, the detail read a model instance with eight relations prefetched (eight queries, and the
ORM's prefetch machinery was the largest layer of the request: see bench/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import F, QuerySet

from jobs.api.rows import JOB_COLUMNS, RELATED_COLUMNS, job_rows
from jobs.api.serializers import JobAttachmentSerializer, JobEventSerializer, JobSignatureSerializer
from jobs.models import Job, JobAttachment, JobEvent, JobSignature

SIGNATURE_COLUMNS = {f"sig_{name}": F(f"signature__{name}") for name in ("id", "signer_name", "signed_at", "image")}


def job_detail(
    jobs: QuerySet[Job],
    pk: Any,
    *,
    fetch_rows: Callable[[Any], list[dict[str, Any]]],
    context: Mapping[str, Any],
) -> dict[str, Any] | None:
    """The job `pk` of `jobs` (already narrowed to the caller's team) as the API shows it, or None.

    Keys of the job's own fields are camelCase (the list's row); the nested lists are serializer
    output, camelCased by the renderer as every other answer.
    """
    # The signature (one per job at most) comes joined to the job's row, as the serializer's read had it.
    rows = fetch_rows(jobs.filter(pk=pk).values(*JOB_COLUMNS, **RELATED_COLUMNS, **SIGNATURE_COLUMNS))
    if not rows:
        return None
    row = job_rows(rows)[0]
    job_id = row["id"]  # a row of the caller's team: what hangs off it is the team's too
    events = JobEvent.objects.filter(job_id=job_id).select_related("actor_user", "actor_key")
    attachments = JobAttachment.objects.filter(job_id=job_id).select_related("uploaded_by_user", "uploaded_by_key")
    first = rows[0]
    signature = None
    if first["sig_id"] is not None:
        signature = JobSignature(pk=first["sig_id"], job_id=job_id, signer_name=first["sig_signer_name"],
                                 signed_at=first["sig_signed_at"], image=first["sig_image"])  # fmt: skip
    return {
        **row,
        "events": JobEventSerializer(events, many=True, context=context).data,
        "attachments": JobAttachmentSerializer(attachments, many=True, context=context).data,
        "signature": None if signature is None else JobSignatureSerializer(signature, context=context).data,
    }
