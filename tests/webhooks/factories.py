"""Endpoints made through the service (so their secrets are real), and the queue worker run in-process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Actor
from core.work import run_due_tasks
from flows.tasks import QUEUE as FLOWS_QUEUE
from tests.conftest import TeamWorld
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.tasks import QUEUE

SYSTEM = Actor(user=None, api_key=None)


def make_endpoint(
    team_world: TeamWorld, url: str = "https://hooks.example.com/shocking", **fields: Any
) -> WebhookEndpoint:
    endpoint, secret = services.create_endpoint(
        team=team_world.team, actor=Actor(user=team_world.owner), url=url, **fields
    )
    endpoint.plain_secret = secret  # for tests only: the plaintext is never stored
    return endpoint


def make_delivery(
    team_world: TeamWorld, status: str = DeliveryStatus.SUCCEEDED, endpoint: WebhookEndpoint | None = None
) -> WebhookDelivery:
    endpoint = endpoint or make_endpoint(team_world)
    event = WebhookEvent.objects.create(team=team_world.team, type="ping", body='{"id":"evt_test","type":"ping"}')
    return WebhookDelivery.objects.create(
        team=team_world.team,
        endpoint=endpoint,
        event=event,
        status=status,
        attempts=1 if status != DeliveryStatus.PENDING else 0,
    )


def run_worker(*queues: str) -> None:
    """Run `manage.py run_worker`'s queue loop in-process over the webhooks (and flows) queues until nothing is due."""
    run_due_tasks(list(queues or (QUEUE, FLOWS_QUEUE)), worker_id="test-worker")


def fast_forward() -> None:
    """Make every scheduled retry due now (instead of sleeping through the backoff)."""
    past = timezone.now() - dt.timedelta(seconds=1)
    WebhookDelivery.objects.filter(next_attempt_at__isnull=False).update(next_attempt_at=past)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)
