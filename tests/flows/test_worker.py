"""The shared background-work mechanics (`core.work`) and the one worker command that runs them.

Flows and webhook deliveries both lease, retry and sweep through `core.work`; these tests pin the
mechanics once, on flows, and the queue loop `manage.py run_worker` runs for every queue.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import signal
import threading
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from accounts.models import Actor
from core import work
from core.management.commands.run_worker import Command as RunWorker
from core.work import LeaseState
from flows import worker as flows_worker
from flows.models import Flow, FlowGroupStatus, FlowStatus
from tests.conftest import World
from tests.flows.factories import complete, group_of, job_ready_to_complete
from tests.webhooks.factories import make_endpoint
from webhooks import services as webhook_services
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SYSTEM = Actor(user=None, api_key=None)


def _work(owner: str = "", expires: dt.datetime | None = None, next_at: dt.datetime | None = None) -> Any:
    return SimpleNamespace(pk=1, attempts=0, lease_owner=owner, lease_expires_at=expires, next_attempt_at=next_at)


def test_lease_states() -> None:
    later, earlier = NOW + dt.timedelta(seconds=1), NOW - dt.timedelta(seconds=1)
    assert work.lease_state(_work(), NOW) is LeaseState.DUE
    assert work.lease_state(_work(next_at=earlier), NOW) is LeaseState.DUE
    assert work.lease_state(_work(next_at=later), NOW) is LeaseState.SCHEDULED
    assert work.lease_state(_work("w1", later), NOW) is LeaseState.HELD
    assert work.lease_state(_work("w1", earlier), NOW) is LeaseState.ABANDONED
    assert work.lease_state(_work("w1", None), NOW) is LeaseState.ABANDONED


def test_take_schedule_and_clear_a_lease() -> None:
    item = _work(next_at=NOW)
    work.take_lease(item, worker_id="w1", seconds=30, now=NOW)
    assert (item.attempts, item.lease_owner, item.lease_expires_at, item.next_attempt_at) == (
        1, "w1", NOW + dt.timedelta(seconds=30), None,
    )  # fmt: skip
    assert work.holds_lease(item, "w1") and not work.holds_lease(item, "w2")
    work.schedule_retry(item, NOW + dt.timedelta(minutes=1))
    assert (item.lease_owner, item.lease_expires_at, item.next_attempt_at) == ("", None, NOW + dt.timedelta(minutes=1))
    assert not work.holds_lease(item, "")


def test_backoff_doubles_up_to_the_cap_and_jitter_stays_in_the_upper_half() -> None:
    plain = [work.backoff(n, base_seconds=30, max_seconds=200).total_seconds() for n in range(6)]
    assert plain == [30, 30, 60, 120, 200, 200]
    rand = random.Random(3)
    for n in range(1, 8):
        cap = min(10 * 2 ** (n - 1), 300)
        jittered = work.backoff(n, base_seconds=10, max_seconds=300, jitter=True, rand=rand).total_seconds()
        assert cap / 2 <= jittered <= cap


def test_claim_takes_a_due_row_once_and_leaves_held_and_scheduled_rows(world: World) -> None:
    complete(job_ready_to_complete(world.a))
    flow = Flow.objects.first()
    assert flow is not None
    admitted: list[LeaseState] = []

    def admit(row: Flow, state: LeaseState, now: dt.datetime) -> bool:
        admitted.append(state)
        return True

    claimed = work.claim(Flow.objects.all(), flow.pk, worker_id="w1", lease_seconds=60, admit=admit)
    assert claimed is not None and claimed.attempts == 1 and claimed.lease_owner == "w1"
    assert work.claim(Flow.objects.all(), flow.pk, worker_id="w2", lease_seconds=60, admit=admit) is None  # held
    Flow.objects.filter(pk=flow.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    taken_over = work.claim(Flow.objects.all(), flow.pk, worker_id="w2", lease_seconds=60, admit=admit)
    assert taken_over is not None and taken_over.lease_owner == "w2" and taken_over.attempts == 2
    assert admitted == [LeaseState.DUE, LeaseState.ABANDONED]

    work.release(Flow.objects.all(), flow.pk, "w1")  # not w1's any more: nothing changes
    assert Flow.objects.get(pk=flow.pk).lease_owner == "w2"
    work.release(Flow.objects.all(), flow.pk, "w2")
    Flow.objects.filter(pk=flow.pk).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    assert work.claim(Flow.objects.all(), flow.pk, worker_id="w3", lease_seconds=60, admit=admit) is None  # later
    assert work.claim(Flow.objects.all(), flow.pk, worker_id="w3", lease_seconds=60, admit=lambda *_: False) is None
    assert Flow.objects.get(pk=flow.pk).attempts == 2


def test_the_sweep_finds_expired_leases_and_lost_retries_only(world: World) -> None:
    complete(job_ready_to_complete(world.a))
    now = timezone.now()
    rows = Flow.objects.all()
    Flow.objects.update(lease_owner="w1", lease_expires_at=now + dt.timedelta(minutes=1))
    assert not work.stalled(rows, now).exists()
    Flow.objects.update(lease_expires_at=now - dt.timedelta(seconds=1))
    assert work.stalled(rows, now).count() == 2
    Flow.objects.update(lease_owner="", lease_expires_at=None, next_attempt_at=now - dt.timedelta(seconds=30))
    assert not work.stalled(rows, now).exists(), "a retry only just due is left to its task"
    Flow.objects.update(next_attempt_at=now - work.SWEEP_GRACE)
    assert work.stalled(rows, now).count() == 2


@task(queue_name="flows")
def _failing_task() -> None:
    raise RuntimeError("boom")


def test_the_queue_loop_runs_only_its_queues_and_records_failures(world: World) -> None:
    complete(job_ready_to_complete(world.a))  # two flow tasks
    webhook_services.send_test_event(endpoint=make_endpoint(world.a), actor=SYSTEM)
    failing = _failing_task.enqueue()
    assert work.run_due_tasks(["flows"], worker_id="w1") == 3
    assert DBTaskResult.objects.get(pk=failing.id).status == "FAILED"
    webhook_tasks = DBTaskResult.objects.filter(queue_name="webhooks")  # the test event, and flow.sent events
    assert webhook_tasks.exists() and set(webhook_tasks.values_list("status", flat=True)) == {"READY"}
    assert set(DBTaskResult.objects.filter(queue_name="flows").values_list("status", flat=True)) == {
        "SUCCESSFUL", "FAILED",
    }  # fmt: skip
    assert work.run_due_tasks(["webhooks"], worker_id="w1", should_stop=lambda: True) == 0


def test_every_app_queue_is_registered_with_its_sweep() -> None:
    assert {queue.name for queue in work.registered_queues()} == {"flows", "webhooks", "plans"}


def test_run_worker_once_sweeps_then_runs_flows_and_webhooks(world: World) -> None:
    job = job_ready_to_complete(world.a)
    complete(job)
    delivery = webhook_services.send_test_event(endpoint=make_endpoint(world.a), actor=SYSTEM)
    DBTaskResult.objects.filter(queue_name="webhooks").delete()  # its task went missing...
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - dt.timedelta(hours=1))
    answer = SimpleNamespace(status_code=204, body="")
    with (
        mock.patch("core.management.commands.run_worker.close_old_connections"),
        mock.patch("webhooks.worker.transport.post", return_value=answer),
    ):
        call_command("run_worker", "--once", stdout=io.StringIO())
    assert group_of(job).status == FlowGroupStatus.COMPLETED and len(mail.outbox) == 2
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED  # ...the sweep queued it


def test_flows_worker_is_a_deprecated_alias(world: World) -> None:
    complete(job_ready_to_complete(world.a))
    stderr = io.StringIO()
    with mock.patch("core.management.commands.run_worker.close_old_connections"):
        call_command("flows_worker", "--once", stdout=io.StringIO(), stderr=stderr)
    assert "deprecated" in stderr.getvalue() and "run_worker" in stderr.getvalue()
    assert set(Flow.objects.values_list("status", flat=True)) == {FlowStatus.SENT}


def test_a_stop_signal_finishes_the_running_task_and_a_second_stops_at_once() -> None:
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    previous = {name: signal.getsignal(getattr(signal, name)) for name in names}
    stop = threading.Event()
    try:
        RunWorker(stdout=io.StringIO(), stderr=io.StringIO())._stop_on_signals(stop)
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        handler(signal.SIGTERM, None)
        assert stop.is_set()
        with pytest.raises(SystemExit):
            handler(signal.SIGTERM, None)
    finally:
        for name, handler_before in previous.items():
            signal.signal(getattr(signal, name), handler_before)


def test_flows_use_the_shared_backoff(settings: Any) -> None:
    settings.FLOWS_RETRY_BASE_SECONDS, settings.FLOWS_RETRY_MAX_SECONDS = 30, 100
    assert [flows_worker.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


@task(queue_name="flows")
def _quiet_task() -> int:
    return 1


def test_a_task_leaves_one_log_line(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """What `make run`'s terminal shows of the worker: a line per task run, nothing per poll."""
    import logging

    _quiet_task.enqueue()
    with caplog.at_level(logging.DEBUG):
        assert work.run_due_tasks(["flows"], worker_id="w1") == 1
        assert work.run_due_tasks(["flows"], worker_id="w1") == 0  # an empty poll says nothing
    # django-tasks' own started/finished lines would show here too, were they not muted in settings.
    assert [r.getMessage().split(" in ")[0] for r in caplog.records if r.levelno >= logging.INFO] == [
        f"Ran {_quiet_task.module_path}"
    ]
