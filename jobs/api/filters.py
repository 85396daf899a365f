from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from core.api.filters import MillisecondsFilter, TeamFilterSet
from jobs.models import Job, JobStatus, ResultType
from jobs.selectors import job_type_match


class JobFilter(TeamFilterSet):
    jobType = django_filters.CharFilter(  # noqa: N815
        method="filter_job_type", max_length=64, help_text="A job type's key or id."
    )
    status = django_filters.ChoiceFilter(choices=JobStatus.choices)
    resultType = django_filters.ChoiceFilter(field_name="result_type", choices=ResultType.choices)  # noqa: N815
    dateFrom = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte", label="dateFrom", help_text="createdAt ≥ (Unix ms)."
    )
    dateTo = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lte", label="dateTo", help_text="createdAt ≤ (Unix ms)."
    )
    scheduledFrom = django_filters.DateFilter(  # noqa: N815
        field_name="scheduled_date", lookup_expr="gte", help_text="scheduledDate ≥ this day (YYYY-MM-DD)."
    )
    scheduledTo = django_filters.DateFilter(  # noqa: N815
        field_name="scheduled_date", lookup_expr="lte", help_text="scheduledDate ≤ this day (YYYY-MM-DD)."
    )
    assignedTo = django_filters.UUIDFilter(field_name="assigned_to_id", help_text="An engineer's user id.")  # noqa: N815
    siteId = django_filters.UUIDFilter(field_name="site_id")  # noqa: N815
    projectId = django_filters.UUIDFilter(field_name="project_id")  # noqa: N815
    assetId = django_filters.UUIDFilter(field_name="asset_id", help_text="An asset's id: its job history.")  # noqa: N815
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815

    class Meta:
        model = Job
        fields: list[str] = []

    def filter_job_type(self, queryset: QuerySet[Job], name: str, value: Any) -> QuerySet[Job]:
        return queryset.filter(job_type_match(value))
