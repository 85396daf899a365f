"""Background work, written once: leases, attempts with backoff, the sweep of stalled work, the queue loop.

A unit of background work (a flow, a webhook delivery) is a row with `attempts`, `next_attempt_at`,
`lease_owner` and `lease_expires_at`. Its task runs on the database queue (django-tasks-db); the task
*claims* the row: it locks it (SELECT … FOR UPDATE, waiting for whoever holds it), checks the lease,
and takes one for this worker, counting an attempt. The worker commits every step on the row, then
releases the lease or schedules a retry with exponential backoff. A worker that dies leaves a lease
that expires; the sweep queues such rows again (and rows whose retry task went missing), and the
next claim finds the lease `ABANDONED`. Queueing a row twice is harmless: only one claim wins.

`run_due_tasks` is the queue loop `manage.py run_worker` runs: it takes the next due task with
SELECT … FOR UPDATE SKIP LOCKED, so several workers share one queue. Each app registers its queue
and its sweep in its `tasks` module (`register_queue`); this module imports no app.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import Task
from django_tasks.signals import task_enqueued, task_finished, task_started
from django_tasks.utils import normalize_json
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from core.prepared import insert_new

logger = logging.getLogger("shocking.work")

# This process's name on leases and claimed tasks: host, pid and a random part (pids are reused).
WORKER_ID = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
# A row whose retry was due this long ago but has not run (its task went missing) is queued again.
SWEEP_GRACE = dt.timedelta(seconds=120)
SWEEP_BATCH = 500
LEASE_FIELDS = ["lease_owner", "lease_expires_at"]


class LeasedWork(Protocol):
    """The fields every unit of background work has (see the module docstring)."""

    pk: Any
    attempts: int
    next_attempt_at: dt.datetime | None
    lease_owner: str
    lease_expires_at: dt.datetime | None

    def save(self, *args: Any, **kwargs: Any) -> None: ...


W = TypeVar("W", bound=Model)


class LeaseState(enum.Enum):
    DUE = "due"  # nobody holds it and no retry is scheduled for later
    HELD = "held"  # another worker's lease is still running
    SCHEDULED = "scheduled"  # a retry is due later
    ABANDONED = "abandoned"  # a worker held it and its lease expired: that worker died


def lease_state(work: LeasedWork, now: dt.datetime) -> LeaseState:
    if work.lease_owner:
        if work.lease_expires_at is not None and work.lease_expires_at > now:
            return LeaseState.HELD
        return LeaseState.ABANDONED
    if work.next_attempt_at is not None and work.next_attempt_at > now:
        return LeaseState.SCHEDULED
    return LeaseState.DUE


def holds_lease(work: LeasedWork, worker_id: str) -> bool:
    return bool(work.lease_owner) and work.lease_owner == worker_id


def take_lease(work: LeasedWork, *, worker_id: str, seconds: float, now: dt.datetime) -> None:
    """Lease `work` to `worker_id` for `seconds`, counting one attempt (the caller saves)."""
    work.attempts += 1
    work.lease_owner = worker_id
    work.lease_expires_at = now + dt.timedelta(seconds=seconds)
    work.next_attempt_at = None


def clear_lease(work: LeasedWork) -> None:
    """Give the lease up (the caller saves)."""
    work.lease_owner, work.lease_expires_at = "", None


def schedule_retry(work: LeasedWork, at: dt.datetime) -> None:
    """Give the lease up and mark the next attempt due at `at` (the caller saves and queues it)."""
    clear_lease(work)
    work.next_attempt_at = at


def backoff(
    attempts: int, *, base_seconds: float, max_seconds: float, jitter: bool = False, rand: random.Random | None = None
) -> dt.timedelta:
    """The wait after the `attempts`-th failure: base, 2×base, 4×base… capped at `max_seconds`.

    With `jitter`, a random point in [cap/2, cap] instead, so that retries of many failures at once
    (an endpoint that was down) spread out.
    """
    cap = min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)
    if jitter:
        cap *= 0.5 + (rand or random).random() / 2  # spread, not security
    return dt.timedelta(seconds=cap)


def claim(
    queryset: QuerySet[W],
    pk: Any,
    *,
    worker_id: str,
    lease_seconds: float,
    admit: Callable[[W, LeaseState, dt.datetime], bool],
) -> W | None:
    """Lock the row `pk` of `queryset` and lease it to `worker_id`; None when there is nothing to do.

    A row another worker holds, or whose retry is due later, is left alone. Otherwise `admit` applies
    the kind's own rules (is there work left? is it allowed to run?): it may settle the row for good
    and save it, returning False, or prepare it to run and return True; then the lease is taken.
    """
    with transaction.atomic(using=queryset.db):
        work = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
        if work is None:
            return None
        now = timezone.now()
        state = lease_state(work, now)  # type: ignore[arg-type]
        if state in (LeaseState.HELD, LeaseState.SCHEDULED) or not admit(work, state, now):
            return None
        take_lease(work, worker_id=worker_id, seconds=lease_seconds, now=now)  # type: ignore[arg-type]
        work.save()
    return work


def release(queryset: QuerySet[W], pk: Any, worker_id: str) -> None:
    """Give up `worker_id`'s lease on the row `pk`, if it still holds it."""
    with transaction.atomic(using=queryset.db):
        work = queryset.select_for_update(of=("self",)).get(pk=pk)
        if holds_lease(work, worker_id):  # type: ignore[arg-type]
            clear_lease(work)  # type: ignore[arg-type]
            work.save(update_fields=LEASE_FIELDS)


def stalled(queryset: QuerySet[W], now: dt.datetime | None = None) -> QuerySet[W]:
    """The rows of `queryset` (work still to do) whose worker died or whose retry task went missing."""
    now = now or timezone.now()
    return queryset.filter(
        Q(lease_owner__gt="", lease_expires_at__lt=now) | Q(lease_owner="", next_attempt_at__lte=now - SWEEP_GRACE)
    )


def requeue(rows: QuerySet[W], enqueue: Callable[[W], None], what: str) -> int:
    """Queue a task for each of `rows` (at most `SWEEP_BATCH` per sweep); returns how many."""
    count = 0
    for work in rows.only("pk")[:SWEEP_BATCH]:
        with transaction.atomic(using=rows.db):
            enqueue(work)
        count += 1
    if count:
        logger.info("Re-queued %s stalled %s.", count, what)
    return count


def enqueue_all(
    task: Task[Any, Any], calls: Sequence[tuple[Any, ...]], *, along: Sequence[Sequence[Model]] = ()
) -> None:
    """`task.enqueue(*args)` for each `args` of `calls`, visible to workers only if the caller's
    transaction commits (the outbox): on the database backend the task rows are written in that
    transaction with one INSERT (as `enqueue` writes each one: the same columns, the same log line);
    any other backend is called after commit, so it never sees rolled-back rows.

    `along`: new rows the tasks are about (groups of one model each), written first, in the same
    statement as the task rows (`core.prepared.insert_new`: one round trip for all of them).
    """
    backend = task_backends[task.backend]
    if not isinstance(backend, DatabaseBackend):
        insert_new(*along)
        for args in calls:
            transaction.on_commit(functools.partial(task.enqueue, *args))
        return
    backend.validate_task(task)
    rows = [
        DBTaskResult(
            id=backend._get_id(), args_kwargs=normalize_json({"args": args, "kwargs": {}}), priority=task.priority,
            task_path=task.module_path, queue_name=task.queue_name, backend_name=backend.alias,
            run_after=task.run_after or get_date_max(),  # as the model's pre_save signal sets it (not sent here)
        )
        for args in calls
    ]  # fmt: skip
    insert_new(*along, rows)
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


# --- The queue loop -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A queue the worker runs, and the sweep that re-queues its stalled work."""

    name: str
    sweep: Callable[[], int]


_queues: dict[str, Queue] = {}


def register_queue(name: str, *, sweep: Callable[[], int]) -> None:
    """Have `manage.py run_worker` run queue `name` and call `sweep` every sweep interval."""
    _queues[name] = Queue(name, sweep)


def registered_queues() -> list[Queue]:
    """Every queue the apps declare: each installed app's `tasks` module is imported (and registers)."""
    autodiscover_modules("tasks")
    return list(_queues.values())


def sweep(queues: Iterable[Queue]) -> int:
    """Run each queue's sweep; returns how many rows were queued again."""
    return sum(queue.sweep() for queue in queues)


def _next_task(queue_names: list[str], worker_id: str, backend: str) -> DBTaskResult | None:
    """Claim the next due task on `queue_names`, skipping tasks other workers have locked."""
    tasks = DBTaskResult.objects.ready().filter(backend_name=backend, queue_name__in=queue_names)
    try:
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(worker_id)
    except OperationalError as exc:
        if is_locked_database_exception(exc):  # SQLite: another worker is claiming; try on the next round
            return None
        raise
    return task_result


def _run_task(db_result: DBTaskResult) -> None:
    """Run one claimed task and record its outcome on the queue row (django-tasks logs both signals)."""
    try:
        task = db_result.task
        sender = type(task.get_backend())
        result = db_result.task_result
        task_started.send(sender=sender, task_result=result)
        started = time.monotonic()
        value = task.call(*result.args, **result.kwargs)
        db_result.set_successful(value)
        task_finished.send(sender=sender, task_result=db_result.task_result)
        # The one line a task leaves in the log (django-tasks' own started/finished lines are muted in
        # settings; a failure is still logged, with its traceback, by django-tasks and by the queue).
        logger.info("Ran %s in %d ms.", db_result.task_path, (time.monotonic() - started) * 1000)
    except BaseException as exc:
        db_result.set_failed(exc)
        try:
            task_finished.send(sender=type(db_result.task.get_backend()), task_result=db_result.task_result)
        except (ImportError, SuspiciousOperation):  # the task's function is gone: nothing to send it for
            logger.exception("Task %s (%s) failed.", db_result.id, db_result.task_path)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise  # the process is being stopped: the task is recorded as failed, and we stop


def run_due_tasks(
    queue_names: list[str],
    *,
    worker_id: str = WORKER_ID,
    backend: str = DEFAULT_TASK_BACKEND_ALIAS,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Run the tasks due on `queue_names`, one at a time, until none is left; returns how many ran."""
    count = 0
    while not should_stop():
        task_result = _next_task(queue_names, worker_id[:64], backend)
        if task_result is None:
            break
        _run_task(task_result)
        count += 1
    return count
