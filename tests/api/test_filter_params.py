"""`TeamFilterSet.cleaned_params` (the hot lists' parameter check) cleans as the filter set itself does.

It cleans each given parameter with the cached form class's field instead of building the form; for
every query below, valid or not, its values or its 400's issues must be those of the filter set.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

from jobs.api.filters import JobFilter
from plans.api.filters import MaintenancePlanFilter

QUERIES = [
    "",
    "status=COMPLETED",
    "status=COMPLETED&jobType=boiler-service&dateFrom=1700000000000",
    "status=NOPE",
    "status=",
    "dateFrom=-1",
    "dateFrom=abc&dateTo=99999999999999999999",
    "scheduledFrom=2026-02-30&scheduledTo=2026-03-01",
    "assignedTo=not-a-uuid&siteId=5b0f3a52-2d7e-4c8b-9a41-0c6e1f2d3b4a",
    "siteId=5b0f3a52-2d7e-4c8b-9a41-0c6e1f2d3b4a&siteId=also-not-a-uuid",
    "colour=blue&limit=5&sortBy=createdAt",
    "jobType=" + "x" * 65,
    "resultType=SUCCESS&clientId=&projectId=5b0f3a52-2d7e-4c8b-9a41-0c6e1f2d3b4a",
    "nextDueFrom=2026-01-01&nextDueTo=2026-13-01",
    "active=true&clientId=5b0f3a52-2d7e-4c8b-9a41-0c6e1f2d3b4a",
    "active=maybe",
]


def by_the_filter_set(filter_class: Any, data: QueryDict) -> Any:
    filterset = filter_class(data=data, queryset=filter_class._meta.model._default_manager.none())
    if not filterset.is_valid():
        return translate_validation(filterset.errors).detail
    return {name: filterset.form.cleaned_data[name] for name in data if name in filter_class.base_filters}


def by_cleaned_params(filter_class: Any, data: QueryDict) -> Any:
    try:
        return filter_class.cleaned_params(data)
    except ValidationError as exc:
        return exc.detail


@pytest.mark.django_db
@pytest.mark.parametrize("filter_class", [JobFilter, MaintenancePlanFilter])
@pytest.mark.parametrize("query", QUERIES)
def test_cleaned_params_cleans_as_the_filter_set_does(filter_class: Any, query: str) -> None:
    data = QueryDict(query)
    filter_class.cleaned_params(QueryDict(""))  # the form class is cached from here on
    expected, found = by_the_filter_set(filter_class, data), by_cleaned_params(filter_class, data)
    assert found == expected
