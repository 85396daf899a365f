"""Queue entry points for flows (django-tasks; the database backend in every environment)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Model
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend

from core.work import enqueue_all, register_queue
from flows.models import Flow

QUEUE = "flows"


@task(queue_name=QUEUE)
def process_flow_task(flow_id: str) -> str:
    """Render and/or send one flow; see `flows.worker.process_flow`."""
    from flows.worker import process_flow

    return process_flow(uuid.UUID(flow_id))


def enqueue_flow(flow: Flow, run_after: dt.datetime | None = None) -> None:
    """Queue work for `flow`, visible to workers only if the caller's transaction commits.

    With the database backend the task row is written in the caller's transaction. Any other
    backend (e.g. one that runs tasks at once) is called after commit, so it never sees rolled-back rows.
    """
    runnable = process_flow_task if run_after is None else process_flow_task.using(run_after=run_after)
    if isinstance(task_backends[runnable.backend], DatabaseBackend):
        runnable.enqueue(str(flow.pk))
    else:
        flow_id = str(flow.pk)
        transaction.on_commit(lambda: runnable.enqueue(flow_id))


def enqueue_flows(flows: Sequence[Flow], *, along: Sequence[Sequence[Model]] = ()) -> None:
    """`enqueue_flow` for several flows at once (their task rows in one INSERT on the database backend),
    written with the new rows `along` (`core.work.enqueue_all`)."""
    enqueue_all(process_flow_task, [(str(flow.pk),) for flow in flows], along=along)


def _sweep() -> int:
    from flows.worker import requeue_stalled_flows

    return requeue_stalled_flows()


# `manage.py run_worker` runs this queue and, every sweep interval, re-queues stalled work.
register_queue(QUEUE, sweep=_sweep)
