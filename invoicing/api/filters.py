from __future__ import annotations

import django_filters

from core.api.filters import MillisecondsFilter, TeamFilterSet
from invoicing.models import Contract, Invoice, InvoiceStatus, Rate


class InvoiceFilter(TeamFilterSet):
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815
    dateFrom = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte", label="dateFrom", help_text="createdAt ≥ (Unix ms)."
    )
    dateTo = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lte", label="dateTo", help_text="createdAt ≤ (Unix ms)."
    )

    class Meta:
        model = Invoice
        fields: list[str] = []


class RateFilter(TeamFilterSet):
    jobTypeId = django_filters.UUIDFilter(field_name="job_type_id")  # noqa: N815
    currency = django_filters.CharFilter(field_name="currency")

    class Meta:
        model = Rate
        fields: list[str] = []


class ContractFilter(TeamFilterSet):
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815

    class Meta:
        model = Contract
        fields: list[str] = []
