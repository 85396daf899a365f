from __future__ import annotations

import django_filters

from core.api.filters import MillisecondsFilter, TeamFilterSet
from flows.models import FlowGroup, FlowGroupStatus


class FlowGroupFilter(TeamFilterSet):
    jobId = django_filters.UUIDFilter(field_name="job_id", help_text="The job whose documents to list.")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=FlowGroupStatus.choices)
    dateFrom = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte", label="dateFrom", help_text="createdAt ≥ (Unix ms)."
    )
    dateTo = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lte", label="dateTo", help_text="createdAt ≤ (Unix ms)."
    )

    class Meta:
        model = FlowGroup
        fields: list[str] = []
