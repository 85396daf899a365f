"""Writes for clients, sites, project templates, projects and revisions: one business action per function.

Clients and sites live in `projects.customers` and are re-exported here.

Every function takes the acting team/actor, checks that related rows are the team's own (the API
resolves ids through the team already; the checks here keep the admin and other callers honest),
and runs in one transaction. Paths in errors are the API's camelCase field names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from accounts.models import Actor, Team
from core.exceptions import DomainError, InvalidInputError, StateConflictError
from jobs.models import Job, JobType
from jobs.services import create_job, validate_payload
from projects.customers import (
    BILLING_ADDRESS_FIELDS,
    SITE_ADDRESS_FIELDS,
    check_client_open,
    check_team,
    create_client,
    create_site,
    save_unique_name,
    update_client,
    update_site,
)
from projects.models import (
    Client,
    Project,
    ProjectRevision,
    ProjectStatus,
    ProjectTemplate,
    ProjectTemplateStep,
    Site,
)
from projects.selectors import project_progress
from webhooks.models import EventType
from webhooks.services import record_event

# Which statuses a project may move to from each status; COMPLETED and CANCELLED are final.
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    ProjectStatus.PLANNED: {ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD, ProjectStatus.CANCELLED},
    ProjectStatus.ACTIVE: {ProjectStatus.ON_HOLD, ProjectStatus.COMPLETED, ProjectStatus.CANCELLED},
    ProjectStatus.ON_HOLD: {ProjectStatus.ACTIVE, ProjectStatus.CANCELLED},
    ProjectStatus.COMPLETED: set(),
    ProjectStatus.CANCELLED: set(),
}
FINAL_PROJECT_STATUSES = {ProjectStatus.COMPLETED, ProjectStatus.CANCELLED}
INITIAL_PROJECT_STATUSES = {ProjectStatus.PLANNED, ProjectStatus.ACTIVE}
MAX_TEMPLATE_STEPS = 100


# Project templates -----------------------------------------------------------------------------
def create_project_template(
    *,
    team: Team,
    actor: Actor,
    name: str,
    steps: Sequence[Mapping[str, Any]],
    description: str = "",
) -> ProjectTemplate:
    """Create a template with its ordered steps; each step's payload must satisfy its job type's schema.

    A step is `{job_type: JobType, title, offset_days, payload}`; errors name `steps.<index>.<field>`.
    """
    _check_steps(team, steps)
    with transaction.atomic():
        template = ProjectTemplate(team=team, name=name.strip(), description=description)
        save_unique_name(template, "project template")
        _write_steps(template, steps)
    return template


def update_project_template(
    *,
    template: ProjectTemplate,
    actor: Actor,
    changes: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]] | None = None,
) -> ProjectTemplate:
    """Change a template's name or description and, when `steps` is given, replace its steps.

    The steps follow the rules of `create_project_template` (1 to 100, payloads valid for their
    types); projects made from the template keep the jobs they already have.
    """
    unknown = set(changes) - {"name", "description"}
    if unknown:
        raise ValueError(f"Not template fields: {sorted(unknown)}")
    if steps is not None:
        _check_steps(template.team, steps)
    with transaction.atomic():
        locked = ProjectTemplate.objects.select_for_update().select_related("team").get(pk=template.pk)
        for field, value in changes.items():
            setattr(locked, field, value.strip() if field == "name" else value)
        if changes:
            save_unique_name(locked, "project template")
        if steps is not None:
            locked.steps.all().delete()
            _write_steps(locked, steps)
    return locked


def _check_steps(team: Team, steps: Sequence[Mapping[str, Any]]) -> None:
    if not steps:
        raise InvalidInputError("A template needs at least one step.", "steps")
    if len(steps) > MAX_TEMPLATE_STEPS:
        raise InvalidInputError(f"A template has at most {MAX_TEMPLATE_STEPS} steps.", "steps")
    for index, step in enumerate(steps):
        job_type: JobType = step["job_type"]
        check_team(team, job_type, f"steps.{index}.jobType")
        try:
            validate_payload(job_type, step.get("payload", {}))
        except DomainError as exc:
            raise InvalidInputError(
                str(exc), issues=[(f"steps.{index}.{path}", message) for path, message in exc.issues]
            ) from None


def _write_steps(template: ProjectTemplate, steps: Sequence[Mapping[str, Any]]) -> None:
    ProjectTemplateStep.objects.bulk_create(
        ProjectTemplateStep(
            template=template,
            position=index,
            job_type=step["job_type"],
            title=step["title"],
            offset_days=step.get("offset_days", 0),
            payload=step.get("payload", {}),
        )
        for index, step in enumerate(steps)
    )


def _create_template_jobs(project: Project, template: ProjectTemplate, actor: Actor) -> list[Job]:
    """Create one job per template step, scheduled `offset_days` after the project's start."""
    assert project.start_date is not None, "checked by the caller"
    jobs = []
    for step in template.steps.select_related("job_type").order_by("position"):
        try:
            job = create_job(
                team=project.team,
                actor=actor,
                job_type=step.job_type,
                payload=dict(step.payload or {}),
                scheduled_date=project.start_date + dt.timedelta(days=step.offset_days),
                notes=step.title,
                client=project.client,
                site=project.site,
                project=project,
            )
        except DomainError as exc:
            # The template was valid when saved; its job type may have changed since.
            raise InvalidInputError(
                f"Step {step.position + 1} ({step.title}) cannot create its job: {exc}", "templateId"
            ) from None
        jobs.append(job)
    return jobs


# Projects --------------------------------------------------------------------------------------
def _check_project_fields(project: Project) -> None:
    if project.site is not None and project.site.client_id != project.client_id:
        raise InvalidInputError("The site belongs to another client.", "siteId")
    if project.start_date and project.target_date and project.target_date < project.start_date:
        raise InvalidInputError("targetDate must not be before startDate.", "targetDate")
    if project.budget is None:
        project.currency = ""
    elif not project.currency:
        project.currency = project.team.currency


def create_project(
    *,
    team: Team,
    actor: Actor,
    client: Client,
    name: str,
    site: Site | None = None,
    description: str = "",
    status: str = ProjectStatus.PLANNED,
    start_date: dt.date | None = None,
    target_date: dt.date | None = None,
    budget: Decimal | None = None,
    currency: str = "",
    template: ProjectTemplate | None = None,
    notes: str = "",
) -> Project:
    """Create a project for one of the team's clients; with a template, also create its jobs, in one transaction.

    The site (optional) must belong to the client. A template needs `start_date`: each step's job is
    scheduled `offset_days` after it, linked to the project, its client and site.
    """
    for row, path in ((client, "clientId"), (site, "siteId"), (template, "templateId")):
        check_team(team, row, path)
    check_client_open(client)
    if status not in INITIAL_PROJECT_STATUSES:
        raise InvalidInputError("A new project is PLANNED or ACTIVE.", "status")
    if template is not None and start_date is None:
        raise InvalidInputError("A project from a template needs a startDate to schedule its jobs.", "startDate")
    project = Project(
        team=team,
        client=client,
        site=site,
        name=name.strip(),
        description=description,
        status=status,
        start_date=start_date,
        target_date=target_date,
        budget=budget,
        currency=currency,
        template=template,
        notes=notes,
    )
    _check_project_fields(project)
    with transaction.atomic():
        project.save()
        if template is not None:
            _create_template_jobs(project, template, actor)
        record_event(EventType.PROJECT_CREATED, project)
    return project


def update_project(*, project: Project, actor: Actor, changes: Mapping[str, Any]) -> Project:
    """Change the given fields of a project; a status change must be an allowed transition (else 409).

    PLANNED → ACTIVE | ON_HOLD | CANCELLED; ACTIVE → ON_HOLD | COMPLETED | CANCELLED;
    ON_HOLD → ACTIVE | CANCELLED; COMPLETED and CANCELLED are final. The client is fixed.
    """
    with transaction.atomic():
        locked = Project.objects.select_for_update(of=("self",)).select_related("team").get(pk=project.pk)
        new_status = changes.get("status")
        if new_status not in (None, locked.status) and new_status not in PROJECT_TRANSITIONS[locked.status]:
            allowed = ", ".join(sorted(PROJECT_TRANSITIONS[locked.status])) or "nothing (it is final)"
            raise StateConflictError(
                f"A {locked.status} project cannot become {new_status}; it can become {allowed}.", "status"
            )
        for field, value in changes.items():
            if field == "site":
                check_team(locked.team, value, "siteId")
            setattr(locked, field, value.strip() if field == "name" else value)
        _check_project_fields(locked)
        locked.save()
    return locked


def add_job_to_project(*, team: Team, actor: Actor, project: Project, job: Job) -> Project:
    """Link an existing job to a project. A job belongs to at most one project: another project's job is a 409.

    Adding a job that is already in this project changes nothing. The job must be for the project's
    client (a job without a client takes the project's client and, if it has none, site).
    """
    check_team(team, project, "projectId")
    check_team(team, job, "jobId")
    with transaction.atomic():
        # Project first, then job: the same lock order as revisions, which read the job list.
        locked_project = Project.objects.select_for_update().get(pk=project.pk)
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.project_id == project.pk:
            return project
        if locked_project.status in FINAL_PROJECT_STATUSES:
            raise StateConflictError(f"Cannot add jobs to a {locked_project.status} project.", "projectId")
        if locked.project_id is not None:
            raise StateConflictError("This job already belongs to another project.", "jobId")
        if locked.client_id is not None and locked.client_id != project.client_id:
            raise StateConflictError("This job is for another client than the project's.", "jobId")
        locked.project = project
        locked.client_id = project.client_id
        if locked.site_id is None:
            locked.site_id = project.site_id
        locked.save(update_fields=["project", "client", "site"])
    return project


# Revisions -------------------------------------------------------------------------------------
def _snapshot(project: Project) -> dict[str, Any]:
    """The project's fields and job list as the API shows them (camelCase keys: stored and served as is)."""
    jobs = (
        Job.objects.filter(team_id=project.team_id, project=project)
        .select_related("job_type")
        .order_by("scheduled_date", "created_at", "id")
    )
    progress = project_progress(project)
    data = {
        "project": {
            "id": project.pk,
            "name": project.name,
            "description": project.description,
            "status": project.status,
            "clientId": project.client_id,
            "clientName": project.client.name,
            "siteId": project.site_id,
            "siteName": project.site.name if project.site else None,
            "startDate": project.start_date,
            "targetDate": project.target_date,
            "budget": None if project.budget is None else f"{project.budget:.2f}",
            "currency": project.currency or None,
            "templateId": project.template_id,
            "notes": project.notes,
        },
        "jobs": [
            {
                "id": job.pk,
                "jobType": job.job_type.key,
                "status": job.status,
                "resultType": job.result_type,
                "scheduledDate": job.scheduled_date,
                "assignedToId": job.assigned_to_id,
                "notes": job.notes,
            }
            for job in jobs
        ],
        "progress": {
            "total": progress["total"],
            "pending": progress["pending"],
            "assigned": progress["assigned"],
            "inProgress": progress["in_progress"],
            "completed": progress["completed"],
            "cancelled": progress["cancelled"],
            "percentComplete": progress["percent_complete"],
        },
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def create_project_revision(*, team: Team, actor: Actor, project: Project, message: str = "") -> ProjectRevision:
    """Record the next numbered, immutable snapshot of a project and its jobs.

    Numbers run 1, 2, 3 … per project with no gaps: the project row is locked while the next
    number is taken, so concurrent creates queue up instead of colliding.
    """
    check_team(team, project, "projectId")
    with transaction.atomic():
        locked = Project.objects.select_for_update(of=("self",)).select_related("client", "site").get(pk=project.pk)
        locked.last_revision_number += 1
        # A plain UPDATE: taking a revision does not change the project, so `updated_at` stays.
        Project.objects.filter(pk=locked.pk).update(last_revision_number=locked.last_revision_number)
        return ProjectRevision.objects.create(
            team=team,
            project=locked,
            number=locked.last_revision_number,
            message=message,
            snapshot=_snapshot(locked),
            created_by_user=actor.user,
            created_by_key=actor.api_key,
        )


__all__ = [
    "BILLING_ADDRESS_FIELDS",
    "SITE_ADDRESS_FIELDS",
    "add_job_to_project",
    "create_client",
    "create_project",
    "create_project_revision",
    "create_project_template",
    "create_site",
    "update_client",
    "update_project",
    "update_project_template",
    "update_site",
]
