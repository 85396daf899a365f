"""Webhooks: a team's endpoints, the events it emits (the outbox), and every delivery and attempt.

An event row is written in the same transaction as the change that caused it, together with one
delivery per subscribed endpoint and the queued task that sends it: a rolled-back change leaves
nothing behind, a committed one is always delivered (at least once). Every domain event is recorded,
subscribed or not: the rows are also the team's events feed (`GET /v1/events`), kept `EVENT_RETENTION`.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.scopes import Scope
from core.models import TeamOwnedModel

ALL_EVENTS = "*"


class EventType(models.TextChoices):
    """The events an endpoint can subscribe to (`ping` is sent only by the test action)."""

    JOB_CREATED = "job.created", "A job was created"
    JOB_ASSIGNED = "job.assigned", "A job was assigned or reassigned"
    JOB_STARTED = "job.started", "A job was started"
    JOB_COMPLETED = "job.completed", "A job was completed"
    JOB_CANCELLED = "job.cancelled", "A job was cancelled"
    JOB_RESCHEDULED = "job.rescheduled", "A job's date or time window moved"
    FLOW_SENT = "flow.sent", "A customer document was emailed"
    FLOW_FAILED = "flow.failed", "A customer document failed for good"
    ASSET_CREATED = "asset.created", "An asset was created"
    ASSET_UPDATED = "asset.updated", "An asset was changed"
    ASSET_ARCHIVED = "asset.archived", "An asset was archived"
    PROJECT_CREATED = "project.created", "A project was created"
    INVOICE_FINALIZED = "invoice.finalized", "An invoice was finalized"
    INVOICE_APPROVED = "invoice.approved", "An invoice was approved"
    INVOICE_PAID = "invoice.paid", "An invoice was marked paid"
    INVOICE_SENT = "invoice.sent", "An invoice was emailed to the client"
    PLAN_JOB_CREATED = "plan.job_created", "A maintenance plan created a visit's job"
    PLAN_DUE_SOON = "plan.due_soon", "A maintenance plan's visit is due soon (its reminder point)"


PING = "ping"

# How long events (with their deliveries and attempt logs) are kept; the webhooks sweep deletes older ones.
EVENT_RETENTION = dt.timedelta(days=30)


class EventObjectType(models.TextChoices):
    """What an event is about: the first part of its type (`job.completed` is about a `job`)."""

    JOB = "job"
    FLOW = "flow"
    ASSET = "asset"
    PROJECT = "project"
    INVOICE = "invoice"
    PLAN = "plan", "Plan (the object is one visit of a maintenance plan)"


# A token reads an event only if it could read the event's object directly.
OBJECT_TYPE_SCOPES: dict[EventObjectType, Scope] = {
    EventObjectType.JOB: Scope.JOBS_READ,
    EventObjectType.FLOW: Scope.FLOWS_READ,
    EventObjectType.ASSET: Scope.ASSETS_READ,
    EventObjectType.PROJECT: Scope.PROJECTS_READ,
    EventObjectType.INVOICE: Scope.INVOICES_READ,
    EventObjectType.PLAN: Scope.PLANS_READ,
}


def object_type_of(event_type: str) -> EventObjectType:
    """The kind of object an event type is about (`ValueError` for `ping` and unknown types)."""
    return EventObjectType(event_type.partition(".")[0])


def event_scope(event_type: str) -> Scope:
    """The read scope that shows events of `event_type`."""
    return OBJECT_TYPE_SCOPES[object_type_of(event_type)]


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting for its first or next attempt"
    SUCCEEDED = "SUCCEEDED", "The endpoint answered 2xx"
    FAILED = "FAILED", "Given up: retries exhausted, or the endpoint was disabled or deleted"


def new_event_id() -> str:
    return f"evt_{secrets.token_hex(12)}"


class WebhookEndpoint(TeamOwnedModel):
    """A URL of the team's that receives signed POSTs for the events it subscribes to.

    The signing secret is stored encrypted (it must be readable to sign); after a rotation the
    previous secret keeps signing too until `previous_secret_expires_at`.
    """

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    enabled_events = models.JSONField(default=list, help_text='Event types, or ["*"] for every event.')
    active = models.BooleanField(default=True)
    secret_encrypted = models.TextField(editable=False)
    secret_last4 = models.CharField(max_length=4, editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("team", "created_at", "id"), name="whendpoint_team_created_idx")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return ALL_EVENTS in self.enabled_events or event_type in self.enabled_events


class WebhookEvent(TeamOwnedModel):
    """One thing that happened, with the exact JSON body every endpoint receives for it.

    The feed reads it by team in `(created_at, id)` order, optionally of some types or of one object:
    one index for each of those three ways in.
    """

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)  # type: ignore[assignment]
    type = models.CharField(max_length=40)
    # The id of `data.object` (null only on rows written before the feed existed).
    object_id = models.UUIDField(null=True, blank=True)
    body = models.TextField(help_text="The JSON body sent, byte for byte (the signature covers it).")

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="whevent_team_created_idx"),
            models.Index(fields=("team", "type", "created_at", "id"), name="whevent_team_type_idx"),
            models.Index(fields=("team", "object_id", "created_at", "id"), name="whevent_team_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"


class WebhookDelivery(TeamOwnedModel):
    """An event on its way to one endpoint: attempts, the next retry, and the worker holding it.

    A redelivery is a new row pointing at the same event (`redelivery_of` the one it repeats), so the
    log of the original stays as it was.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=("team", "endpoint", "created_at", "id"), name="whdelivery_endpoint_idx"),
            models.Index(fields=("status", "next_attempt_at"), name="whdelivery_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, how long, what came back (status and the first 2 KiB), or the error."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ("started_at", "id")
        indexes = [models.Index(fields=("delivery", "started_at"), name="whattempt_delivery_idx")]

    def __str__(self) -> str:
        return f"Attempt {self.number}: {self.status_code or self.error[:40]}"
