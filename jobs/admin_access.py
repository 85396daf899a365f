"""Read-only admin access to the client, site and asset of one's own jobs.

People whose rights are on their assigned jobs only (engineers: `jobs.view_assigned_job` /
`jobs.change_assigned_job`) may *view* the clients, sites and assets that their own jobs name, so the
links on their job's page open (they were a 404). Nothing else of those models, and never a change:
the rows are added to the view scope only (`scope_rows(..., "view")`), so the change, add and delete
permissions are the role's own. The models stay out of their admin index and sidebar (they reach the
rows from their jobs; their own pages are My day).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.roles import team_permissions
from core.admin import is_staff, permitted_team_ids
from jobs.models import Job

ASSIGNED_JOB_RIGHTS = ("jobs.view_assigned_job", "jobs.change_assigned_job")


class ViewedThroughAssignedJobsMixin:
    """For the admin (a `TeamScopedAdmin`) of a model that jobs point to: `job_field` is the job's
    foreign key to it (`client`, `site`, `asset`)."""

    job_field: str

    def _assigned_view_team_ids(self, request: HttpRequest, action: str) -> list[Any]:
        if action != "view" or not is_staff(request):
            return []
        return team_permissions(request).teams_with(*ASSIGNED_JOB_RIGHTS)

    def scope_rows(self, request: HttpRequest, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        rows = super().scope_rows(request, queryset, action)  # type: ignore[misc]
        team_ids = self._assigned_view_team_ids(request, action)
        if not team_ids:
            return rows
        named = Job.objects.filter(team_id__in=team_ids, assigned_to_id=request.user.pk).values(f"{self.job_field}_id")
        return rows | queryset.filter(team_id__in=team_ids, pk__in=named)

    def has_row_permission(self, request: HttpRequest, action: str) -> bool:
        return bool(self._assigned_view_team_ids(request, action)) or super().has_row_permission(request, action)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        """Listed in the admin's index only for the role's own rights on the model, not these rows."""
        return is_staff(request) and bool(
            request.user.is_superuser or permitted_team_ids(request, self.model, "view")  # type: ignore[attr-defined]
        )
