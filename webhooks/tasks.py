"""Queue entry points for webhook deliveries (django-tasks; the same database queue flows use)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence

from django.db import transaction
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend

from core.work import enqueue_all, register_queue
from webhooks.models import WebhookDelivery

QUEUE = "webhooks"


@task(queue_name=QUEUE)
def deliver_webhook_task(delivery_id: str) -> str:
    """Make one attempt at a delivery; see `webhooks.worker.process_delivery`."""
    from webhooks.worker import process_delivery

    return process_delivery(uuid.UUID(delivery_id))


def enqueue_delivery(delivery: WebhookDelivery, run_after: dt.datetime | None = None) -> None:
    """Queue an attempt, visible to workers only if the caller's transaction commits (the outbox)."""
    runnable = deliver_webhook_task if run_after is None else deliver_webhook_task.using(run_after=run_after)
    if isinstance(task_backends[runnable.backend], DatabaseBackend):
        runnable.enqueue(str(delivery.pk))
    else:
        delivery_id = str(delivery.pk)
        transaction.on_commit(lambda: runnable.enqueue(delivery_id))


def enqueue_deliveries(deliveries: Sequence[WebhookDelivery]) -> None:
    """`enqueue_delivery` for several deliveries at once (their task rows in one INSERT on the database backend)."""
    enqueue_all(deliver_webhook_task, [(str(delivery.pk),) for delivery in deliveries])


# Retention runs with the sweep, at most once per this many seconds per worker process.
PURGE_INTERVAL_SECONDS = 3600
_last_purge: float | None = None


def _sweep() -> int:
    from webhooks.services import purge_expired_events
    from webhooks.worker import requeue_stalled_deliveries

    global _last_purge
    if _last_purge is None or time.monotonic() - _last_purge >= PURGE_INTERVAL_SECONDS:
        _last_purge = time.monotonic()
        purge_expired_events()
    return requeue_stalled_deliveries()


# `manage.py run_worker` runs this queue and, every sweep interval, re-queues stalled work (and, hourly,
# deletes events past their retention).
register_queue(QUEUE, sweep=_sweep)
