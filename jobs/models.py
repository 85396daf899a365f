"""Job types, jobs and the event log of every job transition."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from core.models import TeamOwnedModel

# Unscheduled jobs sort as if scheduled on this day: last in `desc`, first in `asc`.
UNSCHEDULED_SORT_DATE = dt.date(1, 1, 1)


class JobStatus(models.TextChoices):
    PENDING = "PENDING"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class ResultType(models.TextChoices):
    SUCCESS = "SUCCESS"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    NO_ACCESS = "NO_ACCESS"


class JobType(TeamOwnedModel):
    """A kind of work the team does; its optional JSON Schema validates job payloads."""

    key = models.SlugField(max_length=64, help_text="Stable identifier used by integrations, e.g. boiler-service.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    payload_schema = models.JSONField(null=True, blank=True, help_text="JSON Schema (2020-12) for job payloads.")
    result_schema = models.JSONField(
        null=True, blank=True, help_text="JSON Schema (2020-12) for the result recorded when a job is completed."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=("team", "key"), name="jobtype_unique_team_key")]
        indexes = [models.Index(fields=("team", "created_at", "id"), name="jobtype_team_created_idx")]

    def __str__(self) -> str:
        return self.name


def _indexes() -> list[models.Index]:
    """One index per sort, and one per (equality filter, sort): every list query is a range scan."""
    sorts = {
        "created": F("created_at"),
        "updated": F("updated_at"),
        "sched": Coalesce(F("scheduled_date"), Value(UNSCHEDULED_SORT_DATE)),
    }
    filters = {"": None, "type": "job_type", "status": "status", "result": "result_type",
               "eng": "assigned_to", "site": "site", "proj": "project"}  # fmt: skip
    indexes = []
    for filter_name, filter_field in filters.items():
        for sort_name, sort in sorts.items():
            lead = [F("team"), F(filter_field)] if filter_field else [F("team")]
            name = "_".join(p for p in ("job", filter_name, sort_name) if p) + "_idx"
            indexes.append(models.Index(*lead, sort, F("id"), name=name))  # type: ignore[arg-type]
    return indexes


class Job(TeamOwnedModel):
    """A service visit, install or inspection, moving PENDING → ASSIGNED → IN_PROGRESS → COMPLETED."""

    job_type = models.ForeignKey(JobType, on_delete=models.PROTECT, related_name="jobs")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    result_type = models.CharField(max_length=16, choices=ResultType.choices, null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    notes = models.TextField(blank=True)
    scheduled_date = models.DateField(null=True, blank=True)
    # An optional time window on that day (both or neither; shown in the team's time zone).
    scheduled_start = models.DateTimeField(null=True, blank=True)
    scheduled_end = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_jobs"
    )
    client = models.ForeignKey("projects.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    site = models.ForeignKey("projects.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = _indexes()
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_start__isnull=True, scheduled_end__isnull=True)
                | Q(scheduled_start__isnull=False, scheduled_end__gt=F("scheduled_start")),
                name="job_window_both_or_neither_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_type.name} {str(self.id)[:8]} ({self.status})"


class JobEvent(models.Model):
    """One transition of a job: who moved it, when, from which status to which."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=JobStatus.choices, null=True, blank=True)
    to_status = models.CharField(max_length=16, choices=JobStatus.choices)
    at = models.DateTimeField()
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_key = models.ForeignKey("accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("at", "id")
        indexes = [models.Index(fields=("job", "at"), name="jobevent_job_at_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


def attachment_path(attachment: JobAttachment, filename: str) -> str:
    """Under the team's folder: `teams/<team>/jobs/<job>/<random>.<ext>` (the upload's name is not trusted)."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"teams/{attachment.team_id}/jobs/{attachment.job_id}/{uuid.uuid4().hex}.{extension}"


class JobAttachment(TeamOwnedModel):
    """A photo taken on a job, stored in the default storage with a thumbnail; served by signed links only."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    thumbnail = models.FileField(upload_to=attachment_path, max_length=300, blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    caption = models.CharField(max_length=500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    at_completion = models.BooleanField(default=False, help_text="Named when the job was completed.")
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=("team", "job", "created_at", "id"), name="jobattachment_job_created_idx")]

    def __str__(self) -> str:
        return self.caption or self.original_name or str(self.id)


class JobSignature(TeamOwnedModel):
    """The customer's signature taken when the job was completed: a PNG, the signer's name and the time."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="signature")
    signer_name = models.CharField(max_length=200)
    image = models.FileField(upload_to=attachment_path, max_length=300)
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Signed by {self.signer_name}"
