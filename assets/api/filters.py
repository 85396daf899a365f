from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from assets.models import Asset, AssetStatus
from core.api.filters import TeamFilterSet

BOOLEAN_CHOICES = [("false", "false"), ("true", "true")]


class AssetFilter(TeamFilterSet):
    siteId = django_filters.UUIDFilter(field_name="site_id")  # noqa: N815
    clientId = django_filters.UUIDFilter(field_name="site__client_id", help_text="The client of the asset's site.")  # noqa: N815
    assetType = django_filters.CharFilter(field_name="asset_type", help_text="An asset type's key.")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices)
    manufacturer = django_filters.CharFilter(field_name="manufacturer", help_text="Exact manufacturer name.")
    archived = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_archived", help_text="Archived assets instead (default false)."
    )
    warrantyExpiresBefore = django_filters.DateFilter(  # noqa: N815
        field_name="warranty_expiry", lookup_expr="lt", help_text="Warranty expires before this date (YYYY-MM-DD)."
    )
    q = django_filters.CharFilter(method="filter_text", help_text="Text in the name, serial number or model.")

    class Meta:
        model = Asset
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Archived assets stay out of the list unless asked for, as GitHub hides archived repositories.
        if not self.form.cleaned_data.get("archived"):
            queryset = queryset.filter(archived=False)
        return super().filter_queryset(queryset)

    def filter_archived(self, queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
        return queryset.filter(archived=value == "true")

    def filter_text(self, queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(serial_number__icontains=text) | Q(model__icontains=text))
