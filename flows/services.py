"""Writes for flows: templates, starting a job's documents on completion, regenerate and resend."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from core.related import rows_pointing_at
from flows.documents import check_template
from flows.models import Flow, FlowGroup, FlowKind, FlowStatus, FlowTemplate, RecipientRule
from flows.tasks import enqueue_flow, enqueue_flows
from flows.worker import refresh_group_status
from jobs.models import Job, JobStatus, JobType


def _check_template_fields(recipient_rule: str, fixed_recipients: list[str], subject: str, body: str) -> None:
    check_template(subject, "subject")
    check_template(body, "body")
    if recipient_rule == RecipientRule.FIXED and not fixed_recipients:
        raise InvalidInputError("The FIXED rule needs at least one address.", "fixedRecipients")


def create_flow_template(
    *,
    team: Team,
    actor: Actor,
    job_type: JobType,
    name: str,
    kind: FlowKind,
    subject: str,
    body: str,
    recipient_rule: RecipientRule = RecipientRule.CLIENT,
    fixed_recipients: list[str] | None = None,
    result_types: list[str] | None = None,
    active: bool = True,
) -> FlowTemplate:
    """Add a document to a job type; its name is unique within the type (a duplicate is a 409)."""
    fixed_recipients = list(dict.fromkeys(fixed_recipients or []))
    _check_template_fields(recipient_rule, fixed_recipients, subject, body)
    try:
        with transaction.atomic():
            return FlowTemplate.objects.create(
                team=team,
                job_type=job_type,
                name=name,
                kind=kind,
                subject=subject,
                body=body,
                recipient_rule=recipient_rule,
                fixed_recipients=fixed_recipients,
                result_types=list(dict.fromkeys(result_types or [])),
                active=active,
            )
    except IntegrityError:
        raise StateConflictError(f"This job type already has a flow template named '{name}'.", "name") from None


def update_flow_template(*, template: FlowTemplate, actor: Actor, **changes: Any) -> FlowTemplate:
    """Change a template's fields; flows already rendered keep their document until regenerated."""
    with transaction.atomic():
        locked = FlowTemplate.objects.select_for_update().get(pk=template.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        _check_template_fields(locked.recipient_rule, locked.fixed_recipients, locked.subject, locked.body)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise StateConflictError(
                f"This job type already has a flow template named '{locked.name}'.", "name"
            ) from None
    return locked


def start_flow_group(*, job: Job) -> FlowGroup | None:
    """Create the documents of a job that has just completed and queue them, in the caller's transaction.

    One flow per active template of the job's type whose `result_types` is empty or includes the job's
    result. No template, no group. The queued tasks exist only if the completion commits.
    """
    # The type's few templates by name (core.related.rows_pointing_at: no queryset compiled), then by kind.
    of_type = rows_pointing_at(FlowTemplate, "job_type", [job.job_type_id])
    templates = sorted(
        (t for t in of_type if t.active and (not t.result_types or job.result_type in t.result_types)),
        key=lambda template: template.kind,
    )
    if not templates:
        return None
    now = timezone.now()
    group = FlowGroup(team_id=job.team_id, job=job, job_completed_at=job.completed_at or now)
    group.updated_at = group.created_at  # as `TeamOwnedModel.save` stamps a new row
    flows = [
        Flow(
            team_id=job.team_id, group=group, template=template, kind=template.kind, name=template.name,
            next_attempt_at=now, created_at=now, updated_at=now,
        )
        for template in templates
    ]  # fmt: skip
    # The group, its flows and their tasks in one statement (core.prepared.insert_new), in the
    # completion's transaction.
    enqueue_flows(flows, along=[[group], flows])
    return group


def _lock_for_rework(flow: Flow, verb: str) -> Flow:
    locked = Flow.objects.select_for_update().select_related("group__job").get(pk=flow.pk)
    job_status = locked.group.job.status
    if job_status != JobStatus.COMPLETED:
        raise StateConflictError(f"Cannot {verb} a document of a job that is {job_status}.", "status")
    if locked.status != FlowStatus.FAILED and (locked.render_pending or locked.send_pending):
        raise StateConflictError(
            f"This document is {locked.status} with work still queued; try again when it settles.", "status"
        )
    return locked


def _requeue(flow: Flow) -> Flow:
    flow.status = FlowStatus.QUEUED
    flow.attempts = 0
    flow.last_error = ""
    flow.next_attempt_at = timezone.now()
    flow.lease_owner, flow.lease_expires_at = "", None
    flow.save()
    refresh_group_status(flow.group_id)
    enqueue_flow(flow)
    return flow


def regenerate_flow(*, flow: Flow, actor: Actor, send: bool = False) -> Flow:
    """Re-render a document from the job's current data (queued); with `send`, email the new one too.

    Refused (409) for a job that is not COMPLETED and while the flow still has work queued.
    """
    with transaction.atomic():
        locked = _lock_for_rework(flow, "regenerate")
        locked.render_pending = True
        locked.send_pending = send
        if send:
            locked.send_request += 1
        return _requeue(locked)


def resend_flow(*, flow: Flow, actor: Actor) -> Flow:
    """Email the existing document again as a new send request (queued); renders first if it has none.

    Refused (409) for a job that is not COMPLETED and while the flow still has work queued.
    """
    with transaction.atomic():
        locked = _lock_for_rework(flow, "resend")
        locked.render_pending = not locked.document
        locked.send_pending = True
        locked.send_request += 1
        return _requeue(locked)
