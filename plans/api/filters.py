from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from core.api.filters import TeamFilterSet
from plans.models import NO_DUE_DATE, MaintenancePlan, PlanStatus

Plans = QuerySet[MaintenancePlan]
DUE_SORT = Coalesce(F("next_due_on"), Value(NO_DUE_DATE))  # as the nextDueOn order and its index spell it


class MaintenancePlanFilter(TeamFilterSet):
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815
    siteId = django_filters.UUIDFilter(field_name="site_id")  # noqa: N815
    assetId = django_filters.UUIDFilter(field_name="assets__id", help_text="Plans that cover this asset.")  # noqa: N815
    jobType = django_filters.CharFilter(field_name="job_type__key", max_length=64, help_text="A job type's key.")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    nextDueFrom = django_filters.DateFilter(  # noqa: N815
        method="next_due_from", help_text="nextDueOn ≥ this date (YYYY-MM-DD)."
    )
    nextDueTo = django_filters.DateFilter(  # noqa: N815
        method="next_due_to", help_text="nextDueOn ≤ this date (YYYY-MM-DD); overdue plans too."
    )

    # Methods that only compare the expression with the value: a hot list binds their value into
    # a kept statement (core.api.statements) instead of keeping a statement per value.
    plain_methods = frozenset({"nextDueFrom", "nextDueTo"})

    class Meta:
        model = MaintenancePlan
        fields: list[str] = []

    # The window is a range on the expression the nextDueOn order uses (nulls as NO_DUE_DATE), so one
    # index, (team, COALESCE(next_due_on, NO_DUE_DATE), id), gives both: an ordered range scan that
    # stops at the page's LIMIT, whatever the number of plans in the window (plans without a next
    # visit are never in it).
    def next_due_from(self, queryset: Plans, name: str, value: dt.date) -> Plans:
        return queryset.filter(GreaterThanOrEqual(DUE_SORT, value), next_due_on__isnull=False)

    def next_due_to(self, queryset: Plans, name: str, value: dt.date) -> Plans:
        return queryset.filter(LessThanOrEqual(DUE_SORT, value), next_due_on__isnull=False)
