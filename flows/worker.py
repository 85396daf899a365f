"""The background pipeline of a flow: claim it, render its PDF, email it, retry, recover.

Every step commits its state on the `Flow` row before the next one starts, so a worker that dies
at any point leaves a state another worker resumes from once the lease expires:

- claimed (lease taken, `attempts` + 1) → RENDERING → the PDF is stored → RENDERED (committed)
- the delivery is claimed: a SEND log entry keyed by (flow, send request) is committed → SENDING
- the email leaves → the entry and the flow are marked SENT.

Delivery is at most once per send request: the unique key refuses a second in-flight or delivered
entry for the same request. A worker that died *during* the SMTP exchange leaves an entry whose
outcome cannot be known; recovery marks it UNKNOWN and the flow FAILED rather than risk a second
email, and a resend (a new request) delivers again. The Message-ID is the same for every try of
a request, so a receiving server can de-duplicate too. Leases, backoff and the sweep are `core.work`'s.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core import work
from core.work import WORKER_ID, LeaseState
from flows.documents import DocumentError, build_email, message_id, render_document
from flows.models import (
    AttemptOutcome,
    Flow,
    FlowAttempt,
    FlowGroup,
    FlowGroupStatus,
    FlowStage,
    FlowStatus,
    flow_document_path,
)
from flows.tasks import enqueue_flow
from webhooks.models import EventType
from webhooks.services import record_event

logger = logging.getLogger("shocking.flows")


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after the `attempts`-th failure: base, 2×base, 4×base… capped."""
    return work.backoff(
        attempts, base_seconds=settings.FLOWS_RETRY_BASE_SECONDS, max_seconds=settings.FLOWS_RETRY_MAX_SECONDS
    )


def refresh_group_status(group_id: uuid.UUID) -> None:
    """Recompute a group's status from its flows (call inside the transaction that changed one)."""
    group = FlowGroup.objects.select_for_update().get(pk=group_id)
    rows = list(Flow.objects.filter(group_id=group_id).values_list("status", "render_pending", "send_pending"))
    if any(status != FlowStatus.FAILED and (render or send) for status, render, send in rows):
        status = FlowGroupStatus.IN_PROGRESS
    elif any(status == FlowStatus.FAILED for status, _, _ in rows):
        status = FlowGroupStatus.FAILED
    else:
        status = FlowGroupStatus.COMPLETED
    if group.status != status:
        group.status = status
        group.save(update_fields=["status"])


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _fail_for_good(flow: Flow, error: str) -> None:
    flow.status = FlowStatus.FAILED
    flow.last_error = error
    flow.render_pending = flow.send_pending = False
    flow.next_attempt_at = None
    work.clear_lease(flow)


def _recover_abandoned(flow: Flow, now: dt.datetime) -> None:
    """The worker holding `flow` died: close its open log entries; an unfinished email fails the flow."""
    open_entries = list(FlowAttempt.objects.filter(flow=flow, outcome=AttemptOutcome.IN_PROGRESS))
    for entry in open_entries:
        entry.finished_at = now
        if entry.stage == FlowStage.SEND:
            entry.outcome = AttemptOutcome.UNKNOWN
            entry.error = "The worker stopped while sending; the email may or may not have been delivered."
        else:
            entry.outcome = AttemptOutcome.FAILED
            entry.error = "The worker stopped while rendering."
        entry.save(update_fields=["outcome", "error", "finished_at"])
    work.clear_lease(flow)
    if any(entry.stage == FlowStage.SEND for entry in open_entries):
        _fail_for_good(
            flow,
            "Delivery outcome unknown: the worker stopped while sending. Not retried, so that the customer "
            "never gets the document twice; resend it to deliver again.",
        )
    logger.warning("Recovered flow %s from a stopped worker (now %s).", flow.pk, flow.status)


def _admit(flow: Flow, state: LeaseState, now: dt.datetime) -> bool:
    """A flow's own rules before a worker takes it: work left, a dead worker's mess cleared, attempts left."""
    if flow.status == FlowStatus.FAILED or not (flow.render_pending or flow.send_pending):
        return False
    if state is LeaseState.ABANDONED:
        _recover_abandoned(flow, now)
        if flow.status == FlowStatus.FAILED:
            _settle_failed(flow)
            return False
    if flow.attempts >= settings.FLOWS_MAX_ATTEMPTS:
        _fail_for_good(flow, flow.last_error or "Gave up after the maximum number of attempts.")
        _settle_failed(flow)
        return False
    flow.status = FlowStatus.RENDERING if flow.render_pending else FlowStatus.SENDING
    return True


def _settle_failed(flow: Flow) -> None:
    flow.save()
    refresh_group_status(flow.group_id)
    record_event(EventType.FLOW_FAILED, flow)


def claim_flow(flow_id: uuid.UUID, worker_id: str = WORKER_ID) -> Flow | None:
    """Take the lease on a flow with work due, counting one attempt; None when there is nothing to do."""
    return work.claim(
        Flow.objects.all(), flow_id, worker_id=worker_id, lease_seconds=settings.FLOWS_LEASE_SECONDS, admit=_admit
    )


def _record_failure(flow_id: uuid.UUID, entry: FlowAttempt, exc: BaseException, *, permanent: bool) -> None:
    """Log a failed attempt; schedule a retry with backoff, or give up (permanent error or last attempt)."""
    error = _error_text(exc)
    logger.warning("Flow %s attempt %s (%s) failed: %s", flow_id, entry.number, entry.stage, error)
    with transaction.atomic():
        flow = Flow.objects.select_for_update().get(pk=flow_id)
        now = timezone.now()
        entry.outcome, entry.error, entry.finished_at = AttemptOutcome.FAILED, error, now
        entry.save(update_fields=["outcome", "error", "finished_at"])
        if permanent or flow.attempts >= settings.FLOWS_MAX_ATTEMPTS:
            _fail_for_good(flow, error)
        else:
            flow.last_error = error
            flow.status = FlowStatus.QUEUED
            work.schedule_retry(flow, now + retry_delay(flow.attempts))
            enqueue_flow(flow, run_after=flow.next_attempt_at)
        flow.save()
        refresh_group_status(flow.group_id)
        if flow.status == FlowStatus.FAILED:
            record_event(EventType.FLOW_FAILED, flow)


def _open_entry(flow: Flow, stage: FlowStage, **fields: object) -> FlowAttempt:
    return FlowAttempt.objects.create(flow=flow, number=flow.attempts, stage=stage, started_at=timezone.now(), **fields)


def render_flow(flow: Flow, worker_id: str = WORKER_ID) -> bool:
    """Render the PDF from current data and store it; True when the flow is RENDERED."""
    entry = _open_entry(flow, FlowStage.RENDER)
    fresh = Flow.objects.select_related(
        "template",
        "group__job__job_type",
        "group__job__team",
        "group__job__client",
        "group__job__site",
        "group__job__asset",
        "group__job__assigned_to",
    ).get(pk=flow.pk)
    try:
        document = render_document(fresh)
    except DocumentError as exc:
        _record_failure(flow.pk, entry, exc, permanent=True)
        return False
    except Exception as exc:
        _record_failure(flow.pk, entry, exc, permanent=False)
        return False
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    name = default_storage.save(
        flow_document_path(fresh, f"{fresh.kind.lower()}-{stamp}.pdf"), ContentFile(document.pdf)
    )
    with transaction.atomic():
        locked = Flow.objects.select_for_update().get(pk=flow.pk)
        if not work.holds_lease(locked, worker_id):  # our lease expired and another worker took over
            transaction.on_commit(lambda: default_storage.delete(name))
            return False
        previous = locked.document.name
        locked.document.name = name
        locked.document_size = len(document.pdf)
        locked.subject = document.subject
        locked.recipients = document.recipients
        locked.rendered_at = timezone.now()
        locked.render_pending = False
        locked.status = FlowStatus.RENDERED
        locked.last_error = ""
        locked.save()
        entry.outcome, entry.finished_at, entry.recipients = (
            AttemptOutcome.SUCCEEDED,
            timezone.now(),
            document.recipients,
        )
        entry.save(update_fields=["outcome", "finished_at", "recipients"])
        refresh_group_status(locked.group_id)
        if previous and previous != name:
            transaction.on_commit(lambda: default_storage.delete(previous))
    flow.refresh_from_db()
    return True


def send_flow(flow: Flow, worker_id: str = WORKER_ID) -> bool:
    """Email the stored PDF once for the current send request; True when the flow is SENT."""
    with transaction.atomic():
        locked = Flow.objects.select_for_update().get(pk=flow.pk)
        if not work.holds_lease(locked, worker_id) or not locked.send_pending:
            return False
        try:
            with transaction.atomic():
                entry = _open_entry(
                    locked,
                    FlowStage.SEND,
                    send_request=locked.send_request,
                    recipients=locked.recipients,
                    message_id=message_id(locked, locked.send_request),
                )
        except IntegrityError:
            # This request is already delivered or being delivered: never a second email.
            logger.warning("Flow %s send request %s already claimed; not sending.", locked.pk, locked.send_request)
            return False
        locked.status = FlowStatus.SENDING
        locked.save(update_fields=["status"])
    try:
        sendable = Flow.objects.select_related("group__job__job_type", "group__job__team", "group__job__site").get(
            pk=flow.pk
        )
        with sendable.document.open("rb") as handle:
            pdf = handle.read()
        build_email(sendable, pdf, entry.send_request or 0).send()
    except Exception as exc:
        _record_failure(flow.pk, entry, exc, permanent=False)
        return False
    with transaction.atomic():
        locked = Flow.objects.select_for_update().get(pk=flow.pk)
        now = timezone.now()
        entry.outcome, entry.error, entry.finished_at = AttemptOutcome.SUCCEEDED, "", now
        entry.save(update_fields=["outcome", "error", "finished_at"])
        if locked.send_request == entry.send_request:
            locked.send_pending = False
        locked.status = FlowStatus.SENT
        locked.sent_at = now
        locked.last_error = ""
        work.clear_lease(locked)
        locked.save()
        refresh_group_status(locked.group_id)
        record_event(EventType.FLOW_SENT, locked)
    flow.refresh_from_db()
    return True


def process_flow(flow_id: uuid.UUID, worker_id: str = WORKER_ID) -> str:
    """Do the work due on one flow (render, then send); returns its status afterwards, for the task log."""
    flow = claim_flow(flow_id, worker_id)
    if flow is None:
        return "nothing to do"
    if flow.render_pending and not render_flow(flow, worker_id):
        return Flow.objects.values_list("status", flat=True).get(pk=flow_id)
    if flow.send_pending:
        send_flow(flow, worker_id)
    else:
        work.release(Flow.objects.all(), flow_id, worker_id)
    return Flow.objects.values_list("status", flat=True).get(pk=flow_id)


def requeue_stalled_flows(now: dt.datetime | None = None) -> int:
    """Re-queue flows whose worker died (lease expired) or whose task went missing; returns how many.

    Queueing a flow twice is harmless: `claim_flow` takes it once and the other task finds nothing due.
    """
    unfinished = Flow.objects.filter(Q(render_pending=True) | Q(send_pending=True)).exclude(status=FlowStatus.FAILED)
    return work.requeue(work.stalled(unfinished, now), enqueue_flow, "flow(s)")
