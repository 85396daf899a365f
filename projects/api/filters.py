"""List filters for clients, sites, project templates and projects."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from core.api.filters import MillisecondsFilter, TeamFilterSet
from projects.models import Client, ClientType, Project, ProjectStatus, ProjectTemplate, Site


class CreatedBetweenFilterSet(TeamFilterSet):
    """`q` searches the fields in `search_fields` (case-insensitive substring); `dateFrom`/`dateTo` bound createdAt."""

    search_fields: tuple[str, ...] = ("name",)

    q = django_filters.CharFilter(method="filter_q", help_text="Case-insensitive search in the name.")
    dateFrom = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte", label="dateFrom", help_text="createdAt ≥ (Unix ms)."
    )
    dateTo = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lte", label="dateTo", help_text="createdAt ≤ (Unix ms)."
    )

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        match = Q()
        for field in self.search_fields:
            match |= Q(**{f"{field}__icontains": value})
        return queryset.filter(match)


class ClientFilter(CreatedBetweenFilterSet):
    search_fields = ("name", "email", "external_reference")

    q = django_filters.CharFilter(method="filter_q", help_text="Search in name, email and external reference.")
    type = django_filters.ChoiceFilter(choices=ClientType.choices)
    archived = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_archived",
        help_text="true: only archived clients; false: only active ones.",
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def filter_archived(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        return queryset.filter(archived=value == "true")


class SiteFilter(CreatedBetweenFilterSet):
    search_fields = ("name", "address_line1", "city", "postcode")

    q = django_filters.CharFilter(method="filter_q", help_text="Search in name, address line 1, city and postcode.")
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815

    class Meta:
        model = Site
        fields: list[str] = []


class ProjectTemplateFilter(CreatedBetweenFilterSet):
    class Meta:
        model = ProjectTemplate
        fields: list[str] = []


class ProjectFilter(CreatedBetweenFilterSet):
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815
    siteId = django_filters.UUIDFilter(field_name="site_id")  # noqa: N815
    templateId = django_filters.UUIDFilter(field_name="template_id")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)

    class Meta:
        model = Project
        fields: list[str] = []
