"""Reads for webhooks: a team's endpoints, deliveries and events feed, loaded as their readers need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import Team
from accounts.scopes import grants
from webhooks.models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent, event_scope

# The columns a feed row needs (the body holds the rest).
EVENT_FIELDS = ("id", "type", "created_at", "object_id", "body")


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


def readable_event_types(scopes: Iterable[str]) -> list[str]:
    """The event types a credential with `scopes` may read: those whose object it could read directly."""
    granted = list(scopes)
    return [event_type for event_type in EventType.values if grants(granted, event_scope(event_type))]


def events_for(
    *, team: Team, types: Collection[str] | None = None, settled_before: dt.datetime | None = None
) -> QuerySet[WebhookEvent]:
    """The team's domain events (never test pings) of `types` (every type when None), as bare feed rows.

    `settled_before` leaves out events recorded at or after that moment (see the feed's catch-up order).
    """
    queryset = WebhookEvent.objects.for_team(team).filter(type__in=sorted(EventType.values if types is None else types))
    if settled_before is not None:
        queryset = queryset.filter(created_at__lt=settled_before)
    return queryset.only(*EVENT_FIELDS)
