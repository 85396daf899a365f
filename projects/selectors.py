"""Reads for the projects app: team-scoped querysets shaped for the API, and project progress."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Team
from jobs.models import Job, JobStatus
from projects.models import Client, Project, ProjectRevision, ProjectTemplate, ProjectTemplateStep, Site

# Progress keys (API: camelCase) → job status.
PROGRESS_STATUSES = {
    "pending": JobStatus.PENDING,
    "assigned": JobStatus.ASSIGNED,
    "in_progress": JobStatus.IN_PROGRESS,
    "completed": JobStatus.COMPLETED,
    "cancelled": JobStatus.CANCELLED,
}
# How many of a project's jobs its detail embeds; `GET /v1/jobs?projectId=` pages through all of them.
PROJECT_DETAIL_JOBS = 100


def clients_for(*, team: Team) -> QuerySet[Client]:
    """The team's clients."""
    return Client.objects.for_team(team)


def sites_for(*, team: Team) -> QuerySet[Site]:
    """The team's sites, each with its client."""
    return Site.objects.for_team(team).select_related("client")


def project_templates_for(*, team: Team) -> QuerySet[ProjectTemplate]:
    """The team's project templates, each with its steps in order."""
    steps = ProjectTemplateStep.objects.select_related("job_type").order_by("position")
    return ProjectTemplate.objects.for_team(team).prefetch_related(Prefetch("steps", queryset=steps))


def _job_count(status: str) -> Coalesce:
    # A correlated subquery per returned row: evaluated for the page only, on the jobs (team, project) index.
    jobs = (
        Job.objects.filter(team=OuterRef("team"), project=OuterRef("pk"), status=status)
        .order_by()
        .values("project")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(jobs, output_field=IntegerField()), Value(0))


def progress_annotations() -> dict[str, Coalesce]:
    """`progress_<name>` job counts by status, for any project queryset (read by `project_progress`)."""
    return {f"progress_{name}": _job_count(status) for name, status in PROGRESS_STATUSES.items()}


def projects_for(*, team: Team, with_jobs: bool = False) -> QuerySet[Project]:
    """The team's projects with client, site and job counts by status; `with_jobs` embeds a job summary."""
    queryset = Project.objects.for_team(team).select_related("client", "site").annotate(**progress_annotations())
    if with_jobs:
        jobs = Job.objects.select_related("job_type").order_by("scheduled_date", "created_at", "id")
        return queryset.prefetch_related(Prefetch("jobs", queryset=jobs[:PROJECT_DETAIL_JOBS], to_attr="job_summaries"))
    return queryset


def revisions_for(*, team: Team) -> QuerySet[ProjectRevision]:
    """The team's project revisions, with who made each."""
    return ProjectRevision.objects.for_team(team).select_related("created_by_user", "created_by_key")


def progress_from_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """`{total, pending, …, cancelled, percent_complete}`; cancelled jobs don't count towards the percentage."""
    progress = {name: int(counts.get(name, 0)) for name in PROGRESS_STATUSES}
    total = sum(progress.values())
    live = total - progress["cancelled"]
    percent = round(100 * progress["completed"] / live) if live else 0
    return {"total": total, **progress, "percent_complete": percent}


def project_progress(project: Project) -> dict[str, int]:
    """A project's job counts by status, from `projects_for`'s annotations when present, else one query."""
    if all(hasattr(project, f"progress_{name}") for name in PROGRESS_STATUSES):
        return progress_from_counts({name: getattr(project, f"progress_{name}") for name in PROGRESS_STATUSES})
    rows = Job.objects.filter(team_id=project.team_id, project=project).values("status").annotate(n=Count("id"))
    by_status = {row["status"]: row["n"] for row in rows}
    return progress_from_counts({name: by_status.get(status, 0) for name, status in PROGRESS_STATUSES.items()})
