from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from core.api.filters import MillisecondsFilter, TeamFilterSet
from invoicing.models import Contract, Invoice, InvoiceStatus, PaymentStatus, Rate
from invoicing.selectors import payment_status_match


class InvoiceFilter(TeamFilterSet):
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    clientId = django_filters.UUIDFilter(field_name="client_id")  # noqa: N815
    paymentStatus = django_filters.ChoiceFilter(  # noqa: N815
        choices=PaymentStatus.choices,
        method="filter_payment_status",
        help_text="unpaid: finalized or approved and not paid; overdue: unpaid and due before today in the "
        "team's time zone; paid: marked paid.",
    )
    dateFrom = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte", label="dateFrom", help_text="createdAt ≥ (Unix ms)."
    )
    dateTo = MillisecondsFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lte", label="dateTo", help_text="createdAt ≤ (Unix ms)."
    )

    class Meta:
        model = Invoice
        fields: list[str] = []

    def filter_payment_status(self, queryset: QuerySet[Invoice], name: str, value: str) -> QuerySet[Invoice]:
        team = self.request.user.team
        return queryset.filter(payment_status_match(team=team, status=PaymentStatus(value)))


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
