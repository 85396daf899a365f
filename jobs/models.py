"""Job types, jobs and the event log of every job transition."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Value
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


# --- Flows: customer documents rendered and emailed when a job completes ----------------------------


class FlowKind(models.TextChoices):
    REPORT = "REPORT", "Service report"
    CERTIFICATE = "CERTIFICATE", "Certificate"
    NOTICE = "NOTICE", "Completion notice"


class FlowStatus(models.TextChoices):
    QUEUED = "QUEUED"
    RENDERING = "RENDERING"
    RENDERED = "RENDERED"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class FlowGroupStatus(models.TextChoices):
    IN_PROGRESS = "IN_PROGRESS", "Some documents are still being rendered or sent"
    COMPLETED = "COMPLETED", "Every document is settled and none failed"
    FAILED = "FAILED", "Every document is settled and at least one failed"


class RecipientRule(models.TextChoices):
    CLIENT = "CLIENT", "The job's client's email"
    SITE_CONTACT = "SITE_CONTACT", "The site contact's email"
    FIXED = "FIXED", "Fixed addresses"


class FlowTemplate(TeamOwnedModel):
    """A document a job type sends on completion: Django templates for the subject and the HTML body."""

    job_type = models.ForeignKey(JobType, on_delete=models.CASCADE, related_name="flow_templates")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=FlowKind.choices)
    subject = models.CharField(max_length=500, help_text="Django template for the email subject and document title.")
    body = models.TextField(help_text="Django template (HTML) for the document's content.")
    recipient_rule = models.CharField(max_length=16, choices=RecipientRule.choices, default=RecipientRule.CLIENT)
    fixed_recipients = models.JSONField(default=list, blank=True, help_text="Addresses used by the FIXED rule.")
    result_types = models.JSONField(
        default=list, blank=True, help_text="Result types this document is sent for; empty means every result."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=("job_type", "name"), name="flowtemplate_unique_type_name")]
        indexes = [
            models.Index(fields=("team", "job_type", "created_at", "id"), name="flowtpl_team_type_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class FlowGroup(TeamOwnedModel):
    """The documents one job completion produced."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="flow_group")
    status = models.CharField(max_length=16, choices=FlowGroupStatus.choices, default=FlowGroupStatus.IN_PROGRESS)
    job_completed_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="flowgroup_team_created_idx"),
            models.Index(fields=("team", "status", "created_at", "id"), name="flowgroup_team_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Documents for job {str(self.job_id)[:8]} ({self.status})"


def flow_document_path(flow: Flow, filename: str) -> str:
    return f"flows/{flow.team_id}/{flow.pk}/{filename}"


class Flow(TeamOwnedModel):
    """One customer document: rendered to PDF, then emailed, with retries and a log of every attempt.

    `render_pending` / `send_pending` say what work is outstanding; `send_request` numbers the send
    requests (completion is 1, each resend adds one) and keys delivery, so that one request is emailed
    at most once. `lease_*` mark the worker holding the flow; an expired lease means that worker died.
    """

    group = models.ForeignKey(FlowGroup, on_delete=models.CASCADE, related_name="flows")
    template = models.ForeignKey(FlowTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="flows")
    kind = models.CharField(max_length=16, choices=FlowKind.choices)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=FlowStatus.choices, default=FlowStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made for the current request.")
    last_error = models.TextField(blank=True)
    render_pending = models.BooleanField(default=True)
    send_pending = models.BooleanField(default=True)
    send_request = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    document = models.FileField(upload_to=flow_document_path, max_length=300, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("group", "kind", "name")
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="flow_team_created_idx"),
            models.Index(fields=("status", "next_attempt_at"), name="flow_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class FlowStage(models.TextChoices):
    RENDER = "RENDER"
    SEND = "SEND"


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN", "The worker stopped mid-delivery: the email may or may not have left"


class FlowAttempt(models.Model):
    """One entry of a flow's delivery log: a render or a send, when, and how it ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField(help_text="The flow's attempt counter when this ran.")
    stage = models.CharField(max_length=8, choices=FlowStage.choices)
    send_request = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS)
    error = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("started_at", "id")
        constraints = [
            # The delivery key: one send request is in flight or delivered at most once.
            models.UniqueConstraint(
                fields=("flow", "send_request"),
                condition=models.Q(stage="SEND", outcome__in=["IN_PROGRESS", "SUCCEEDED", "UNKNOWN"]),
                name="flowattempt_one_delivery_per_request",
            ),
        ]
        indexes = [models.Index(fields=("flow", "started_at"), name="flowattempt_flow_started_idx")]

    def __str__(self) -> str:
        return f"{self.stage} #{self.number}: {self.outcome}"
