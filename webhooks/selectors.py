"""Reads for webhooks: a team's endpoints and deliveries, loaded as their readers need."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import Team
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_for(*, team: Team) -> QuerySet[WebhookEndpoint]:
    """The team's webhook endpoints."""
    return WebhookEndpoint.objects.for_team(team)


def deliveries_for(*, team: Team, endpoint_id: Any = None) -> QuerySet[WebhookDelivery]:
    """The team's deliveries (of one endpoint, if given) with their event and attempt log, in two more queries."""
    queryset = (
        WebhookDelivery.objects.for_team(team)
        .select_related("event")
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("started_at", "id")))
    )
    if endpoint_id is not None:
        queryset = queryset.filter(endpoint_id=endpoint_id)
    return queryset
