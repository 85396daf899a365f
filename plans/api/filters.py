from __future__ import annotations

import django_filters

from core.api.filters import TeamFilterSet
from plans.models import MaintenancePlan, PlanStatus


class MaintenancePlanFilter(TeamFilterSet):
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815
    siteId = django_filters.UUIDFilter(field_name="site_id")  # noqa: N815
    assetId = django_filters.UUIDFilter(field_name="assets__id", help_text="Plans that cover this asset.")  # noqa: N815
    jobType = django_filters.CharFilter(field_name="job_type__key", max_length=64, help_text="A job type's key.")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    nextDueFrom = django_filters.DateFilter(  # noqa: N815
        field_name="next_due_on", lookup_expr="gte", help_text="nextDueOn ≥ this date (YYYY-MM-DD)."
    )
    nextDueTo = django_filters.DateFilter(  # noqa: N815
        field_name="next_due_on", lookup_expr="lte", help_text="nextDueOn ≤ this date (YYYY-MM-DD); overdue plans too."
    )

    class Meta:
        model = MaintenancePlan
        fields: list[str] = []
