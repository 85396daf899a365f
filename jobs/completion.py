"""Completing a job on site in one go: the outcome, the result, notes, new photos and the customer's signature.

The engineer's Complete form (`jobs.field`) sends everything at once. Every check runs first and all the
problems are reported together (one 400 with an issue each: `resultType`, `result.<path>`, `photos.<i>`,
`signature.signerName`, `signature.imagePng`). Then the photos are stored by `add_attachment` and the job
is completed by `complete_job` — the same services as `POST /v1/jobs/{id}/attachments` and `/complete` —
in one transaction: if anything is refused, no row is written and the photo files already written are
removed again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction

from accounts.models import Actor
from core.exceptions import DomainError, InvalidInputError, StateConflictError
from jobs.attachments import SignatureInput, check_photo, decode_signature_png
from jobs.models import Job, JobAttachment, JobStatus, ResultType
from jobs.schemas import validate_result
from jobs.services import ALLOWED_FROM, add_attachment, complete_job

# Photos taken with one completion (each at most `jobs.attachments.MAX_PHOTO_BYTES`).
MAX_PHOTOS_PER_COMPLETION = 10


@dataclass(frozen=True)
class PhotoUpload:
    """A photo sent with the completion: its bytes (read up to one byte past the limit) and its name."""

    content: bytes
    filename: str = ""
    caption: str = ""


def completion_issues(
    *,
    job: Job,
    result_type: Any,
    result: Any,
    photos: Sequence[PhotoUpload],
    signature: SignatureInput | None,
) -> list[tuple[str, str]]:
    """Every problem with a completion, without writing anything (an empty list when it may go ahead)."""
    issues: list[tuple[str, str]] = []

    def collect(check: Callable[[], Any]) -> None:
        try:
            check()
        except DomainError as exc:
            issues.extend(exc.issues)

    if result_type not in ResultType.values:
        issues.append(("resultType", "Choose how the visit went."))
    else:
        collect(lambda: validate_result(job.job_type, result_type, result))
    if len(photos) > MAX_PHOTOS_PER_COMPLETION:
        issues.append(("photos", f"At most {MAX_PHOTOS_PER_COMPLETION} photos at a time."))
    else:
        for index, photo in enumerate(photos):
            collect(partial(check_photo, photo.content, path=f"photos.{index}"))
    if signature is not None:
        if not signature.signer_name.strip():
            issues.append(("signature.signerName", "The signer's name is required."))
        collect(lambda: decode_signature_png(signature.image_png))
    return issues


def complete_on_site(
    *,
    job: Job,
    actor: Actor,
    result_type: ResultType,
    result: dict[str, Any] | None = None,
    notes: str | None = None,
    photos: Sequence[PhotoUpload] = (),
    signature: SignatureInput | None = None,
) -> Job:
    """Check everything (all problems in one `InvalidInputError`), then store the photos and complete the
    job with them and the signature, in one transaction (a 409 if the job is no longer in progress)."""
    if job.status not in ALLOWED_FROM[JobStatus.COMPLETED]:
        raise StateConflictError(f"Cannot complete a job that is {job.status}.", "status")
    issues = completion_issues(job=job, result_type=result_type, result=result, photos=photos, signature=signature)
    if issues:
        raise InvalidInputError(issues[0][1], issues=issues)
    stored: list[JobAttachment] = []
    try:
        with transaction.atomic():
            for photo in photos:
                stored.append(
                    add_attachment(
                        job=job, actor=actor, content=photo.content, filename=photo.filename, caption=photo.caption
                    )
                )
            return complete_job(
                job=job,
                actor=actor,
                result_type=ResultType(result_type),
                result=result,
                notes=notes,
                signature=signature,
                attachments=stored,
            )
    except BaseException:  # the rows are rolled back; their files are not
        for attachment in stored:
            for stored_file in (attachment.file, attachment.thumbnail):
                if stored_file:
                    stored_file.delete(save=False)
        raise
