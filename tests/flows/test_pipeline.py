"""The flows pipeline end to end, with the real queue (django-tasks-db) and worker run in-process."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from accounts.models import Actor
from flows import services, worker
from flows.models import AttemptOutcome, Flow, FlowGroup, FlowGroupStatus, FlowKind, FlowStage, FlowStatus
from jobs.models import Job, JobStatus, ResultType
from jobs.services import complete_job
from tests.conftest import World
from tests.flows.factories import complete, fast_forward, group_of, job_ready_to_complete, run_worker

pytestmark = pytest.mark.django_db
SYSTEM = Actor(user=None, api_key=None)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def stored_pdf(flow: Flow) -> bytes:
    with flow.document.open("rb") as handle:
        return handle.read()


def fail_sending(times: int) -> Any:
    """Patch the locmem backend so that the first `times` sends raise like an SMTP outage."""
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self: Any, messages: Any) -> int:
        calls["n"] += 1
        if calls["n"] <= times:
            raise ConnectionRefusedError("SMTP server unreachable")
        return real(self, messages)

    return mock.patch.object(EmailBackend, "send_messages", flaky)


def test_completion_renders_pdfs_and_emails_them(world: World) -> None:
    job = job_ready_to_complete(world.a)
    complete(job)
    group = group_of(job)
    assert group.status == FlowGroupStatus.IN_PROGRESS
    assert sorted(group.flows.values_list("kind", "status")) == [
        (FlowKind.CERTIFICATE, FlowStatus.QUEUED),
        (FlowKind.REPORT, FlowStatus.QUEUED),
    ]
    assert DBTaskResult.objects.filter(queue_name="flows", status="READY").count() == 2
    assert mail.outbox == []

    run_worker()

    group.refresh_from_db()
    assert group.status == FlowGroupStatus.COMPLETED
    report = group.flows.get(kind=FlowKind.REPORT)
    assert report.status == FlowStatus.SENT and report.attempts == 1 and report.sent_at is not None
    assert report.recipients == ["accounts@harbourside.example.com"]
    assert report.subject == "Service report for Harbourside Dental, Bristol"
    pdf = stored_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    expected_details = ["Harbourside Dental Ltd", "Harbourside Dental, Bristol", "12 Quay Street",
                        "Annual boiler service", str(job.pk)[:8].upper(), "9.1 %", "1.4 bar",
                        "Greenstar 30i"]  # fmt: skip
    for expected in expected_details:
        assert expected in text, expected
    certificate = group.flows.get(kind=FlowKind.CERTIFICATE)
    assert "Safe to use" in pdf_text(stored_pdf(certificate))

    assert len(mail.outbox) == 2
    email = next(m for m in mail.outbox if m.subject == report.subject)
    assert email.to == ["accounts@harbourside.example.com"]
    ((name, content, mimetype),) = email.attachments
    assert mimetype == "application/pdf" and name.endswith(".pdf") and content == pdf
    assert email.extra_headers["Message-ID"] == f"<flow-{report.pk}-1@shocking.example.com>"
    assert [(e.stage, e.outcome) for e in report.log.all()] == [
        (FlowStage.RENDER, AttemptOutcome.SUCCEEDED),
        (FlowStage.SEND, AttemptOutcome.SUCCEEDED),
    ]


def test_nothing_is_queued_when_the_completion_rolls_back(world: World) -> None:
    job = job_ready_to_complete(world.a)
    with pytest.raises(RuntimeError), transaction.atomic():
        complete(job)
        raise RuntimeError("the request failed after completing")
    assert Job.objects.get(pk=job.pk).status == JobStatus.IN_PROGRESS
    assert not FlowGroup.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_templates_apply_only_to_their_result_types(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).update(result_types=[ResultType.SUCCESS])
    complete(job, result_type=ResultType.NO_ACCESS, result={})
    assert list(group_of(job).flows.values_list("kind", flat=True)) == [FlowKind.REPORT]


def test_job_type_without_templates_makes_no_group(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.update(active=False)
    complete(job)
    assert not FlowGroup.objects.exists()


def test_a_failed_send_is_retried_with_backoff_then_succeeds(world: World, settings: Any) -> None:
    settings.FLOWS_RETRY_BASE_SECONDS = 30
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    complete(job)
    flow = group_of(job).flows.get()
    with fail_sending(times=1):
        before = timezone.now()
        run_worker()
        flow.refresh_from_db()
        assert flow.status == FlowStatus.QUEUED and flow.attempts == 1
        assert "SMTP server unreachable" in flow.last_error
        assert flow.next_attempt_at is not None
        assert before + dt.timedelta(seconds=29) < flow.next_attempt_at < timezone.now() + dt.timedelta(seconds=31)
        assert mail.outbox == []
        run_worker()  # the retry is not due yet
        assert Flow.objects.get(pk=flow.pk).attempts == 1
        fast_forward()
        run_worker()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.SENT and flow.attempts == 2 and flow.last_error == ""
    assert len(mail.outbox) == 1
    assert [(e.stage, e.outcome) for e in flow.log.all()] == [
        (FlowStage.RENDER, AttemptOutcome.SUCCEEDED),
        (FlowStage.SEND, AttemptOutcome.FAILED),
        (FlowStage.SEND, AttemptOutcome.SUCCEEDED),
    ]
    assert worker.retry_delay(1) == dt.timedelta(seconds=30) and worker.retry_delay(3) == dt.timedelta(seconds=120)


def test_gives_up_after_the_last_attempt_keeping_the_error(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    complete(job)
    with fail_sending(times=99):
        for _ in range(4):
            run_worker()
            fast_forward()
    flow = group_of(job).flows.get()
    assert flow.status == FlowStatus.FAILED and flow.attempts == 3
    assert "SMTP server unreachable" in flow.last_error
    assert group_of(job).status == FlowGroupStatus.FAILED
    assert mail.outbox == []
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_document_without_recipient_fails_at_once(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    job.client.email = ""
    job.client.save()
    complete(job)
    run_worker()
    flow = group_of(job).flows.get()
    assert flow.status == FlowStatus.FAILED and flow.attempts == 1
    assert "No recipient" in flow.last_error


def test_a_crash_between_render_and_send_resumes_without_rendering_again(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    complete(job)
    flow = group_of(job).flows.get()
    # A worker renders, then dies before sending (SystemExit is not caught by the pipeline).
    with mock.patch.object(worker, "send_flow", side_effect=SystemExit("killed")), pytest.raises(SystemExit):
        worker.process_flow(flow.pk, worker_id="dead-worker")
    flow.refresh_from_db()
    assert flow.status == FlowStatus.RENDERED and flow.send_pending and flow.lease_owner == "dead-worker"
    document = flow.document.name

    run_worker()  # the lease is still valid: another worker leaves it alone
    assert mail.outbox == [] and Flow.objects.get(pk=flow.pk).status == FlowStatus.RENDERED
    Flow.objects.filter(pk=flow.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert worker.requeue_stalled_flows() == 1
    run_worker()

    flow.refresh_from_db()
    assert flow.status == FlowStatus.SENT and flow.document.name == document
    assert len(mail.outbox) == 1
    assert [(e.stage, e.outcome) for e in flow.log.all()] == [
        (FlowStage.RENDER, AttemptOutcome.SUCCEEDED),
        (FlowStage.SEND, AttemptOutcome.SUCCEEDED),
    ]


def test_a_crash_while_sending_is_never_sent_twice(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    complete(job)
    flow = group_of(job).flows.get()
    with (
        mock.patch("flows.worker.build_email", side_effect=SystemExit("killed mid-SMTP")),
        pytest.raises(SystemExit),
    ):
        worker.process_flow(flow.pk, worker_id="dead-worker")
    Flow.objects.filter(pk=flow.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    worker.requeue_stalled_flows()
    run_worker()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.FAILED and "Delivery outcome unknown" in flow.last_error
    assert mail.outbox == []
    assert flow.log.get(stage=FlowStage.SEND).outcome == AttemptOutcome.UNKNOWN

    services.resend_flow(flow=flow, actor=SYSTEM)  # a new send request delivers it
    run_worker()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.SENT and flow.send_request == 2 and len(mail.outbox) == 1


def test_duplicate_tasks_send_one_email(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    complete(job)
    flow = group_of(job).flows.get()
    from flows.tasks import enqueue_flow

    for _ in range(3):
        enqueue_flow(flow)
    run_worker()
    assert len(mail.outbox) == 1
    assert Flow.objects.get(pk=flow.pk).attempts == 1


def test_regenerate_uses_current_data_and_resend_sends_the_same_document(world: World) -> None:
    job = job_ready_to_complete(world.a)
    job.job_type.flow_templates.filter(kind=FlowKind.CERTIFICATE).delete()
    complete(job)
    run_worker()
    flow = group_of(job).flows.get()
    first = stored_pdf(flow)

    job.site.name = "Harbourside Dental, Clifton"
    job.site.save()
    services.regenerate_flow(flow=flow, actor=SYSTEM)
    assert Flow.objects.get(pk=flow.pk).status == FlowStatus.QUEUED
    run_worker()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.RENDERED and "Clifton" in pdf_text(stored_pdf(flow))
    assert len(mail.outbox) == 1, "regenerating alone emails nothing"
    assert group_of(job).status == FlowGroupStatus.COMPLETED

    services.resend_flow(flow=flow, actor=SYSTEM)
    run_worker()
    flow.refresh_from_db()
    assert flow.status == FlowStatus.SENT and flow.send_request == 2
    assert len(mail.outbox) == 2
    assert mail.outbox[1].attachments[0][1] == stored_pdf(flow) != first
    assert mail.outbox[1].extra_headers["Message-ID"] != mail.outbox[0].extra_headers["Message-ID"]

    services.regenerate_flow(flow=flow, actor=SYSTEM, send=True)
    run_worker()
    assert len(mail.outbox) == 3 and Flow.objects.get(pk=flow.pk).send_request == 3


def test_rework_is_refused_for_uncompleted_jobs_and_while_queued(world: World) -> None:
    from core.exceptions import StateConflictError

    job = job_ready_to_complete(world.a)
    complete(job)
    flow = group_of(job).flows.first()
    assert flow is not None
    with pytest.raises(StateConflictError, match="work still queued"):
        services.resend_flow(flow=flow, actor=SYSTEM)
    run_worker()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
    with pytest.raises(StateConflictError, match="CANCELLED"):
        services.regenerate_flow(flow=flow, actor=SYSTEM)
    with pytest.raises(StateConflictError, match="CANCELLED"):
        services.resend_flow(flow=flow, actor=SYSTEM)


def test_the_worker_command_runs_once(world: World) -> None:
    from django.core.management import call_command

    job = job_ready_to_complete(world.a)
    complete(job)
    with mock.patch("core.management.commands.run_worker.close_old_connections"):
        call_command("run_worker", "--once")
    assert group_of(job).status == FlowGroupStatus.COMPLETED and len(mail.outbox) == 2


def test_complete_job_through_the_service_signature(world: World) -> None:
    job = job_ready_to_complete(world.a)
    completed = complete_job(job=job, actor=SYSTEM, result_type=ResultType.SUCCESS)
    assert completed.status == JobStatus.COMPLETED and group_of(job).flows.count() == 2
