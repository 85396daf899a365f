"""Flows: the customer documents (reports, certificates, notices) rendered and emailed when a job completes.

The tables keep the names they had when flows lived in the `jobs` app (`jobs_flow`, ...), so an
installation that upgrades keeps its rows; see migrations/0001_initial.py.
"""

from __future__ import annotations

import uuid

from django.db import models

from core.models import TeamOwnedModel


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

    job_type = models.ForeignKey("jobs.JobType", on_delete=models.CASCADE, related_name="flow_templates")
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
        db_table = "jobs_flowtemplate"  # the table it had in the jobs app
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=("job_type", "name"), name="flowtemplate_unique_type_name")]
        indexes = [
            models.Index(fields=("team", "job_type", "created_at", "id"), name="flowtpl_team_type_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class FlowGroup(TeamOwnedModel):
    """The documents one job completion produced."""

    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="flow_group")
    status = models.CharField(max_length=16, choices=FlowGroupStatus.choices, default=FlowGroupStatus.IN_PROGRESS)
    job_completed_at = models.DateTimeField()

    class Meta:
        db_table = "jobs_flowgroup"  # the table it had in the jobs app
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
        db_table = "jobs_flow"  # the table it had in the jobs app
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
        db_table = "jobs_flowattempt"  # the table it had in the jobs app
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
