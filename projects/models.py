"""Clients, their sites, project templates, projects that group a client's jobs, and project revisions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from core.models import TeamOwnedModel
from projects.countries import COUNTRY_CODES


def validate_country_code(value: str) -> None:
    """An ISO 3166-1 alpha-2 code in capitals (blank allowed: unknown)."""
    if value and value not in COUNTRY_CODES:
        raise ValidationError("Enter an ISO 3166-1 alpha-2 country code in capitals, e.g. GB.")


class ClientType(models.TextChoices):
    BUSINESS = "BUSINESS"
    PERSON = "PERSON"


class ProjectStatus(models.TextChoices):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


def _list_indexes(prefix: str, *leads: str) -> list[models.Index]:
    """Indexes for keyset lists: (team, sort, id) per sort field, and (team, filter, created_at, id) per filter."""
    indexes = [
        models.Index(fields=("team", "created_at", "id"), name=f"{prefix}_team_created_idx"),
        models.Index(fields=("team", "updated_at", "id"), name=f"{prefix}_team_updated_idx"),
        models.Index(fields=("team", "name", "id"), name=f"{prefix}_team_name_idx"),
    ]
    for lead in leads:
        indexes.append(models.Index(fields=("team", lead, "created_at", "id"), name=f"{prefix}_team_{lead}_idx"))
    return indexes


class Client(TeamOwnedModel):
    """A customer of the team: who is billed and who receives documents. Names are unique per team."""

    name = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=ClientType.choices, default=ClientType.BUSINESS)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    billing_line1 = models.CharField("billing address line 1", max_length=200, blank=True)
    billing_line2 = models.CharField("billing address line 2", max_length=200, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_region = models.CharField(max_length=100, blank=True)
    billing_postcode = models.CharField(max_length=20, blank=True)
    billing_country = models.CharField(
        max_length=2, blank=True, validators=[validate_country_code], help_text="ISO 3166-1 alpha-2."
    )
    external_reference = models.CharField(
        max_length=200, blank=True, help_text="The client's id in another system (accounting, CRM)."
    )
    notes = models.TextField(blank=True)
    archived = models.BooleanField(default=False, help_text="Archived clients get no new sites or projects.")

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                "team",
                Lower("name"),
                name="client_unique_team_name_ci",
                violation_error_message="A client with this name already exists in the team.",
            )
        ]
        indexes = _list_indexes("client")

    def __str__(self) -> str:
        return self.name


class Site(TeamOwnedModel):
    """A place where a client has assets and where engineers do jobs."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="County, state or province.")
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2, blank=True, validators=[validate_country_code], help_text="ISO 3166-1 alpha-2."
    )
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    access_notes = models.TextField(blank=True, help_text="Keys, codes, parking, hazards: what an engineer must know.")
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]
        indexes = _list_indexes("site", "client")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError("Give latitude and longitude together, or neither.")


class ProjectTemplate(TeamOwnedModel):
    """A reusable plan: the ordered job steps a new project starts with. Names are unique per team."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                "team",
                Lower("name"),
                name="projecttemplate_unique_team_name_ci",
                violation_error_message="A project template with this name already exists in the team.",
            )
        ]
        indexes = _list_indexes("projtpl")

    def __str__(self) -> str:
        return self.name


class ProjectTemplateStep(models.Model):
    """One job a template creates: its type, a title, and when, in days after the project starts."""

    template = models.ForeignKey(ProjectTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text="Order of the step in the template, from 0.")
    job_type = models.ForeignKey("jobs.JobType", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    offset_days = models.PositiveSmallIntegerField(default=0, help_text="Days after the project's start date.")
    payload = models.JSONField(default=dict, blank=True, help_text="The created job's payload.")

    class Meta:
        ordering = ("template", "position")
        constraints = [models.UniqueConstraint(fields=("template", "position"), name="projtplstep_unique_position")]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.title}"


class Project(TeamOwnedModel):
    """A piece of work for one client, at one of its sites, that groups jobs."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    start_date = models.DateField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217; set whenever budget is.")
    template = models.ForeignKey(
        ProjectTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    notes = models.TextField(blank=True)
    # The highest revision number handed out; bumped under the project's row lock, so numbers are gapless.
    last_revision_number = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(target_date__gte=models.F("start_date")),
                name="project_target_after_start",
            ),
        ]
        indexes = _list_indexes("project", "client", "site", "status")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.site is not None and self.client_id is not None and self.site.client_id != self.client_id:
            raise ValidationError({"site": "The site belongs to another client."})
        if self.start_date and self.target_date and self.target_date < self.start_date:
            raise ValidationError({"target_date": "The target date must not be before the start date."})


class ProjectRevision(TeamOwnedModel):
    """An immutable, numbered snapshot of a project and its job list, with who made it and why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(editable=False)
    message = models.TextField(blank=True)
    snapshot = models.JSONField(editable=False)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ("project", "-number")
        constraints = [models.UniqueConstraint(fields=("project", "number"), name="projectrevision_unique_number")]
        indexes = [models.Index(fields=("team", "created_at", "id"), name="projrev_team_created_idx")]

    def __str__(self) -> str:
        return f"{self.project} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Project revisions are immutable.")
        super().save(*args, **kwargs)
