"""Maintenance plans: recurring service (an RFC 5545 rule) that creates its own jobs, one per occurrence."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from core.models import TeamOwnedModel

# Plans without a next visit (ended) sort as if due on this day: last in `asc`.
NO_DUE_DATE = dt.date(9999, 12, 31)


class PlanStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Creating jobs as occurrences come into the lead window"
    PAUSED = "PAUSED", "Paused: no new jobs until resumed"
    ENDED = "ENDED", "Ended for good: no new jobs"


class OccurrenceStatus(models.TextChoices):
    PLANNED = "PLANNED", "Recorded, no job yet"
    JOB_CREATED = "JOB_CREATED", "Its job exists"
    SKIPPED = "SKIPPED", "Skipped: no visit for this date"
    MOVED = "MOVED", "Moved to another date (its job is made for that date)"
    DONE = "DONE", "Its job was completed"


class MaintenancePlan(TeamOwnedModel):
    """Recurring service at a client's site: each occurrence of `rrule` becomes a job `lead_time_days` ahead.

    `series_from` is the first date occurrences count from (the later of the start date and the day
    the plan was made), so a plan started in the past does not create jobs for visits long gone.
    `create_next_job_on` is when the worker next has something to do for the plan (its index makes
    the daily pass a range scan, however many plans there are).
    """

    name = models.CharField(max_length=200)
    client = models.ForeignKey("projects.Client", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("projects.Site", on_delete=models.PROTECT, related_name="+")
    assets = models.ManyToManyField("assets.Asset", blank=True, related_name="+")
    job_type = models.ForeignKey("jobs.JobType", on_delete=models.PROTECT, related_name="+")
    default_payload = models.JSONField(default=dict, blank=True)
    rrule = models.CharField(
        max_length=500, help_text="An RFC 5545 RRULE, e.g. FREQ=YEARLY or FREQ=MONTHLY;INTERVAL=3."
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    series_from = models.DateField(editable=False)
    lead_time_days = models.PositiveIntegerField(default=14)
    reminder_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Email the client this many days before each visit (none when empty)."
    )
    preferred_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contract = models.ForeignKey(
        "invoicing.Contract", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=8, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    notes = models.TextField(blank=True)
    last_serviced_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True, help_text="The next visit not yet done (overdue if past).")
    create_next_job_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="plan_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="plan_team_created_idx"),
            models.Index(fields=("team", "next_due_on", "id"), name="plan_team_next_due_idx"),
            # The list sorted by nextDueOn (nulls as NO_DUE_DATE): an ordered range scan, then LIMIT.
            models.Index(
                F("team"), Coalesce(F("next_due_on"), Value(NO_DUE_DATE)), F("id"), name="plan_team_due_sort_idx"
            ),
            models.Index(fields=("create_next_job_on",), condition=Q(status="ACTIVE"), name="plan_active_next_job_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class PlanOccurrence(TeamOwnedModel):
    """One date of a plan's series, recorded when it gets its job or is skipped or moved.

    The unique (plan, due_on) is what makes job creation exactly-once: a worker inserts the row and
    creates the job in one transaction, and a second worker's insert waits on the index and fails.
    """

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="occurrences")
    due_on = models.DateField(help_text="The date in the plan's series.")
    moved_to = models.DateField(null=True, blank=True, help_text="The visit's date when it was moved.")
    status = models.CharField(max_length=12, choices=OccurrenceStatus.choices, default=OccurrenceStatus.PLANNED)
    job = models.OneToOneField(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_occurrence"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("plan", "due_on")
        constraints = [models.UniqueConstraint(fields=("plan", "due_on"), name="occurrence_unique_plan_date")]
        indexes = [models.Index(fields=("team", "created_at", "id"), name="occurrence_team_created_idx")]

    def __str__(self) -> str:
        return f"{self.plan} on {self.visit_on}"

    @property
    def visit_on(self) -> dt.date:
        return self.moved_to or self.due_on
