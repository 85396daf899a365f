"""Many deliveries and task rows in one INSERT each, exactly as one at a time writes them.

`core.work.enqueue_all` writes the task rows `task.enqueue` writes, with one statement;
`webhooks.services.record_events` writes every delivery of its events that way, and
`flows.services.start_flow_group` its documents' tasks.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accounts.models import Actor
from core.work import enqueue_all
from flows.models import Flow, FlowKind
from jobs import services
from jobs.models import Job, JobStatus, ResultType
from tests.conftest import World
from tests.factories import JobFactory
from tests.flows.factories import FlowTemplateFactory, job_ready_to_complete
from tests.webhooks.factories import make_endpoint
from webhooks.models import EventType, WebhookDelivery
from webhooks.services import record_events
from webhooks.tasks import deliver_webhook_task

pytestmark = pytest.mark.django_db

# The columns a task row is compared on (its id and time of queueing differ from row to row).
COMPARED = ("status", "args_kwargs", "priority", "task_path", "worker_ids", "queue_name", "backend_name",
            "run_after", "return_value", "exception_class_path", "traceback", "started_at", "finished_at")  # fmt: skip


def _task_row(pk: Any) -> dict[str, Any]:
    row = DBTaskResult.objects.filter(pk=pk).values(*COMPARED).get()
    row["args_kwargs"]["args"] = ["…"]
    return row


def test_enqueue_all_writes_the_rows_enqueue_writes_in_one_statement(db: Any) -> None:
    one = deliver_webhook_task.enqueue("d-one")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        enqueue_all(deliver_webhook_task, [("d-two",), ("d-three",)])
    assert len([q for q in queries.captured_queries if q["sql"].startswith("INSERT")]) == 1
    rows = list(DBTaskResult.objects.exclude(pk=one.id).order_by("enqueued_at"))
    assert [row.args_kwargs for row in rows] == [{"args": ["d-two"], "kwargs": {}}, {"args": ["d-three"], "kwargs": {}}]
    assert all(_task_row(row.pk) == _task_row(one.id) for row in rows)
    assert rows[0].enqueued_at < rows[1].enqueued_at  # queued in the order given


def test_many_events_to_many_endpoints_take_two_inserts_and_match_one_at_a_time(world: World) -> None:
    endpoints = [make_endpoint(world.a), make_endpoint(world.a, url="https://hooks.example.com/other")]
    jobs: list[Job] = [JobFactory(team=world.a.team, status=JobStatus.PENDING) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        events = record_events(EventType.JOB_CREATED, jobs)
    inserts = [q["sql"].split('"')[1] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts == ["webhooks_webhookevent", "webhooks_webhookdelivery", "django_tasks_database_dbtaskresult"]
    deliveries = WebhookDelivery.objects.order_by("created_at")
    assert [(d.event_id, d.endpoint_id) for d in deliveries] == [(e.pk, p.pk) for e in events for p in endpoints]
    assert all(d.updated_at == d.created_at and d.status == "PENDING" and d.next_attempt_at for d in deliveries)
    tasks = DBTaskResult.objects.filter(queue_name="webhooks").order_by("enqueued_at")
    assert [t.args_kwargs["args"] for t in tasks] == [[str(d.pk)] for d in deliveries]
    single = record_events(EventType.JOB_CANCELLED, [jobs[0]])[0]  # one event: one delivery at a time
    by_one = WebhookDelivery.objects.filter(event=single).first()
    assert by_one is not None and _task_row(tasks[0].pk) == _task_row(
        DBTaskResult.objects.filter(args_kwargs__args=[str(by_one.pk)]).get().pk
    )


def test_a_completion_queues_its_documents_with_one_insert_in_their_order(world: World) -> None:
    job = job_ready_to_complete(world.a)  # a "Service report" and a "Gas safety certificate"
    FlowTemplateFactory(team=world.a.team, job_type=job.job_type, name="A summary", kind=FlowKind.REPORT)
    FlowTemplateFactory(team=world.a.team, job_type=job.job_type, name="Old notice", active=False)
    with CaptureQueriesContext(connection) as queries:
        services.complete_job(job=Job.objects.get(pk=job.pk), actor=Actor(), result_type=ResultType.SUCCESS)
    tasks = [q for q in queries.captured_queries if "django_tasks_database_dbtaskresult" in q["sql"]]
    assert len(tasks) == 1
    queued = DBTaskResult.objects.filter(queue_name="flows", status="READY").order_by("enqueued_at")
    names = {str(flow.pk): flow.name for flow in Flow.objects.all()}
    # the active templates, by kind and then by name, as the documents have always been made
    assert [names[task.args_kwargs["args"][0]] for task in queued] == [
        "Gas safety certificate", "A summary", "Service report",
    ]  # fmt: skip
