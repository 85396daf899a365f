"""Queue entry points for webhook deliveries (django-tasks; the same database queue flows use)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend

from core.work import register_queue
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


def _sweep() -> int:
    from webhooks.worker import requeue_stalled_deliveries

    return requeue_stalled_deliveries()


# `manage.py run_worker` runs this queue and, every sweep interval, re-queues stalled work.
register_queue(QUEUE, sweep=_sweep)
