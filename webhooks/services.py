"""Writes for webhooks: endpoints and secrets, the outbox (`record_event`) and its retention, pings, redelivery."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from core.prepared import insert_new
from core.related import rows_pointing_at
from core.wire import dumps, iso_datetime
from webhooks.models import (
    ALL_EVENTS,
    EVENT_RETENTION,
    PING,
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.payloads import object_json, object_jsons
from webhooks.signing import decrypt_secret, encrypt_secret, new_secret
from webhooks.targets import UnsafeTargetError, validate_url
from webhooks.tasks import enqueue_deliveries, enqueue_delivery

logger = logging.getLogger("shocking.webhooks")

MAX_ENDPOINTS_PER_TEAM = 16


def _check_url(url: str) -> None:
    try:
        validate_url(url)
    except UnsafeTargetError as exc:
        raise InvalidInputError(str(exc), "url") from None


def _clean_events(enabled_events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(enabled_events))
    if not events:
        raise InvalidInputError('Choose at least one event type, or ["*"] for every event.', "enabledEvents")
    if ALL_EVENTS in events:
        if len(events) > 1:
            raise InvalidInputError('"*" means every event: give it alone.', "enabledEvents")
        return events
    for index, name in enumerate(events):
        if name not in EventType.values:
            raise InvalidInputError(f"Unknown event type '{name}'.", f"enabledEvents.{index}")
    return sorted(events)


def create_endpoint(
    *,
    team: Team,
    actor: Actor,
    url: str,
    enabled_events: Iterable[str] = (ALL_EVENTS,),
    description: str = "",
    active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it with its signing secret, which is shown this once and never again."""
    _check_url(url)
    events = _clean_events(enabled_events)
    secret = new_secret()
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()  # serialises the per-team limit check
        if WebhookEndpoint.objects.filter(team=team).count() >= MAX_ENDPOINTS_PER_TEAM:
            raise StateConflictError(f"A team can have at most {MAX_ENDPOINTS_PER_TEAM} webhook endpoints.", "url")
        endpoint = WebhookEndpoint.objects.create(
            team=team,
            url=url,
            description=description,
            enabled_events=events,
            active=active,
            secret_encrypted=encrypt_secret(secret),
            secret_last4=secret[-4:],
            created_by=actor.user,
        )
    return endpoint, secret


def update_endpoint(*, endpoint: WebhookEndpoint, actor: Actor, **changes: Any) -> WebhookEndpoint:
    """Change url, description, enabledEvents or active; re-enabling clears the failure record."""
    if "url" in changes:
        _check_url(changes["url"])
    if "enabled_events" in changes:
        changes["enabled_events"] = _clean_events(changes["enabled_events"])
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if changes.get("active") and not locked.active:
            locked.disabled_at, locked.disabled_reason = None, ""
            locked.failing_since, locked.consecutive_failures = None, 0
        for field in ("url", "description", "enabled_events", "active"):
            if field in changes:
                setattr(locked, field, changes[field])
        locked.save()
    return locked


def delete_endpoint(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete an endpoint with its delivery log; deliveries still queued are dropped."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> tuple[WebhookEndpoint, str]:
    """Make a new signing secret (returned once); the old one keeps signing too for the overlap period.

    Rotating again during an overlap ends the older overlap at once: at most two secrets ever sign.
    """
    secret = new_secret()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret_encrypted = locked.secret_encrypted
        locked.previous_secret_expires_at = timezone.now() + dt.timedelta(
            seconds=settings.WEBHOOKS_SECRET_OVERLAP_SECONDS
        )
        locked.secret_encrypted = encrypt_secret(secret)
        locked.secret_last4 = secret[-4:]
        locked.save()
    return locked, secret


def signing_secrets(endpoint: WebhookEndpoint, now: dt.datetime | None = None) -> list[str]:
    """The secrets that sign a delivery to `endpoint` now: the current one, and the previous during its overlap."""
    now = now or timezone.now()
    current = [decrypt_secret(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        current.append(decrypt_secret(endpoint.previous_secret_encrypted))
    return current


def _built_event(team: Team, event_type: str, obj: models.Model, shown: Any) -> WebhookEvent:
    """An unsaved event about `obj`, whose representation is `shown`."""
    event = WebhookEvent(team=team, type=event_type, object_id=obj.pk)
    body = {
        "id": event.pk,
        "type": event_type,
        "createdAt": iso_datetime(event.created_at),
        "teamId": str(team.pk),
        "data": {"object": shown},
    }
    event.body = dumps(body).decode()
    return event


def _event(team: Team, event_type: str, obj: models.Model) -> WebhookEvent:
    event = _built_event(team, event_type, obj, object_json(team, obj))
    event.save(force_insert=True)
    return event


def _deliver(event: WebhookEvent, endpoints: Iterable[WebhookEndpoint]) -> list[WebhookDelivery]:
    deliveries = [
        WebhookDelivery.objects.create(team_id=event.team_id, endpoint=endpoint, event=event) for endpoint in endpoints
    ]
    for delivery in deliveries:
        enqueue_delivery(delivery)
    return deliveries


def _deliver_all(events: Sequence[WebhookEvent], endpoints: Sequence[WebhookEndpoint]) -> None:
    """A delivery of each event to each endpoint, as `_deliver` makes them, the rows and their tasks
    written with one INSERT each (the plans' daily pass records hundreds of events)."""
    if len(events) * len(endpoints) <= 1:
        for event in events:
            _deliver(event, endpoints)
        return
    deliveries = [
        WebhookDelivery(team_id=event.team_id, endpoint=endpoint, event=event)
        for event in events
        for endpoint in endpoints
    ]
    for delivery in deliveries:
        delivery.updated_at = delivery.created_at  # as `TeamOwnedModel.save` stamps a new row
    WebhookDelivery.objects.bulk_create(deliveries)
    enqueue_deliveries(deliveries)


def record_event(event_type: EventType, obj: models.Model) -> WebhookEvent:
    """Emit `event_type` about `obj` (the transactional outbox); call it inside the change's transaction.

    The event, one delivery per active endpoint of the object's team subscribed to the type, and their
    queued tasks are written in the caller's transaction, so they exist exactly when the change commits.
    `data.object` is `obj` as the REST API returns it, as of this moment. The event is written whether
    or not an endpoint subscribes, since it is also the team's events feed (`GET /v1/events`); an
    endpoint receives the events recorded after it exists.
    """
    return record_events(event_type, [obj])[0]


def record_events(event_type: EventType, objs: Sequence[models.Model]) -> list[WebhookEvent]:
    """`record_event` for many objects of one model at once (a bulk write: the plans' daily pass).

    Per team: the endpoints read once, the objects' representations read together (a query per
    relation, not per object), the events inserted in one statement; then a delivery per event and
    subscribed endpoint, as `record_event` makes them.
    """
    by_team: dict[Any, list[models.Model]] = {}
    for obj in objs:
        by_team.setdefault(obj.team_id, []).append(obj)  # type: ignore[attr-defined]
    recorded: dict[int, WebhookEvent] = {}
    # Inside the caller's transaction no savepoint is needed (a failure here fails the whole change).
    with transaction.atomic(savepoint=False):
        for group in by_team.values():
            team: Team = group[0].team  # type: ignore[attr-defined]
            # A team has at most MAX_ENDPOINTS_PER_TEAM endpoints: all of them read, without compiling a query.
            endpoints = sorted(
                (e for e in rows_pointing_at(WebhookEndpoint, "team", [team.pk]) if e.active and e.wants(event_type)),
                key=lambda endpoint: endpoint.created_at,
            )
            shown = object_jsons(team, group)
            events = [_built_event(team, str(event_type), obj, data) for obj, data in zip(group, shown, strict=True)]
            for event in events:
                event.updated_at = event.created_at  # as `TeamOwnedModel.save` stamps a new row
            insert_new(events)  # one INSERT for all, kept once built (core.prepared)
            _deliver_all(events, endpoints)
            for obj, event in zip(group, events, strict=True):
                recorded[id(obj)] = event
    return [recorded[id(obj)] for obj in objs]


def purge_expired_events(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Delete events older than `EVENT_RETENTION`, with their deliveries and attempt logs; returns how many.

    Each team's old rows are found through its `(team, created_at)` index (no scan of the whole table),
    in batches of `batch` so no transaction holds many locks.
    """
    cutoff = (now or timezone.now()) - EVENT_RETENTION
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    deleted = 0
    for start in range(0, len(team_ids), 500):
        expired = WebhookEvent.objects.filter(team_id__in=team_ids[start : start + 500], created_at__lt=cutoff)
        while ids := list(expired.order_by().values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                WebhookEvent.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
    if deleted:
        logger.info("Deleted %s events past their %s-day retention.", deleted, EVENT_RETENTION.days)
    return deleted


def send_test_event(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """Queue a `ping` event (its object is the endpoint) to this endpoint alone, whatever it subscribes to.

    Refused (409) when the endpoint is disabled: nothing is sent to a disabled endpoint.
    """
    if not endpoint.active:
        raise StateConflictError("The endpoint is disabled; enable it before sending a test event.", "active")
    with transaction.atomic():
        event = _event(endpoint.team, PING, endpoint)
        return _deliver(event, [endpoint])[0]


def redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again, as a new delivery with the same event id and body.

    Refused (409) while the delivery is still pending, or when the endpoint is disabled.
    """
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if locked.status == DeliveryStatus.PENDING:
            raise StateConflictError("This delivery is still being attempted; wait for it to settle.", "status")
        if not locked.endpoint.active:
            raise StateConflictError("The endpoint is disabled; enable it before redelivering.", "endpoint")
        again = WebhookDelivery.objects.create(
            team_id=locked.team_id, endpoint=locked.endpoint, event_id=locked.event_id, redelivery_of=locked
        )
        enqueue_delivery(again)
    return again
