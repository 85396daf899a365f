"""Writes for maintenance plans: create, update, pause, resume, end, skip or move one visit, and the
daily pass that creates each occurrence's job exactly once (`create_due_jobs`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Actor, Team, User
from assets.models import Asset
from core.exceptions import InvalidInputError, StateConflictError
from core.related import rows_pointing_at
from invoicing.models import Contract
from jobs import services as job_services
from jobs.models import Job, JobStatus, JobType
from plans import recurrence
from plans.models import MaintenancePlan, OccurrenceStatus, PlanOccurrence, PlanStatus
from projects.models import Client, Site

logger = logging.getLogger("shocking.plans")

SYSTEM = Actor()  # the worker acts as the system
OPEN_STATUSES = (OccurrenceStatus.PLANNED, OccurrenceStatus.JOB_CREATED, OccurrenceStatus.MOVED)
# Fields a client may change with update_plan (model names); the API's camelCase names are for error paths.
EDITABLE_FIELDS: dict[str, str] = {
    "name": "name", "client": "clientId", "site": "siteId", "assets": "assetIds", "job_type": "jobTypeId",
    "default_payload": "defaultPayload", "rrule": "rrule", "start_date": "startDate", "end_date": "endDate",
    "lead_time_days": "leadTimeDays", "reminder_days": "reminderDays", "preferred_engineer": "preferredEngineerId",
    "contract": "contractId", "price": "price", "notes": "notes",
}  # fmt: skip
SERIES_FIELDS = {"rrule", "start_date", "end_date"}
OccurrenceState = tuple[dt.date, dt.date | None, str, Any]  # due_on, moved_to, status, job_id


def today_for(team: Team, now: dt.datetime | None = None) -> dt.date:
    """Today on the team's clock."""
    return recurrence.team_today(team.timezone, now or timezone.now())


# Validation ----------------------------------------------------------------------------------------
def _check(plan: MaintenancePlan, assets: Iterable[Asset]) -> None:
    """The plan's fields agree with each other (400 on the field that does not)."""
    try:
        recurrence.parse_rule(plan.rrule, plan.start_date)
    except recurrence.InvalidRuleError as exc:
        raise InvalidInputError(str(exc), "rrule") from None
    if plan.end_date is not None and plan.end_date < plan.start_date:
        raise InvalidInputError("endDate must not be before startDate.", "endDate")
    if plan.site.client_id != plan.client_id:
        raise InvalidInputError("The site belongs to another client.", "siteId")
    if any(asset.site_id != plan.site_id for asset in assets):
        raise InvalidInputError("Every asset must be installed at the plan's site.", "assetIds")
    if not plan.job_type.active:
        raise InvalidInputError("This job type is inactive.", "jobTypeId")
    try:
        job_services.validate_payload(plan.job_type, plan.default_payload)
    except InvalidInputError as exc:
        issues = [("defaultPayload" + path.removeprefix("payload"), message) for path, message in exc.issues]
        raise InvalidInputError(issues[0][1], issues=issues) from None
    if plan.reminder_days is not None and plan.reminder_days > plan.lead_time_days:
        raise InvalidInputError(
            "reminderDays must not exceed leadTimeDays (the visit is booked by then).", "reminderDays"
        )
    if plan.contract is not None and plan.contract.client_id != plan.client_id:
        raise InvalidInputError("The contract is another client's.", "contractId")


def create_plan(
    *,
    team: Team,
    actor: Actor,
    name: str,
    client: Client,
    site: Site,
    job_type: JobType,
    rrule: str,
    start_date: dt.date,
    assets: Iterable[Asset] = (),
    default_payload: dict[str, Any] | None = None,
    end_date: dt.date | None = None,
    lead_time_days: int = 14,
    reminder_days: int | None = None,
    preferred_engineer: User | None = None,
    contract: Contract | None = None,
    price: Decimal | None = None,
    notes: str = "",
    today: dt.date | None = None,
) -> MaintenancePlan:
    """Create an ACTIVE plan; its series counts from the later of its start and today (no back-filled jobs)."""
    today = today or today_for(team)
    assets = list(assets)
    plan = MaintenancePlan(
        team=team, name=name, client=client, site=site, job_type=job_type, rrule=rrule.strip(),
        start_date=start_date, end_date=end_date, series_from=max(start_date, today),
        default_payload={} if default_payload is None else default_payload, lead_time_days=lead_time_days,
        reminder_days=reminder_days, preferred_engineer=preferred_engineer, contract=contract, price=price,
        notes=notes,
    )  # fmt: skip
    _check(plan, assets)
    with transaction.atomic():
        reschedule(plan, today)
        plan.save()
        plan.assets.set(assets)
    return plan


def update_plan(
    *, plan: MaintenancePlan, actor: Actor, changes: Mapping[str, Any], today: dt.date | None = None
) -> MaintenancePlan:
    """Change some of a plan's fields on the locked row. Occurrences that already have a job keep it;
    a new rule or start counts from today (dates already past are not back-filled)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable plan fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = (
            MaintenancePlan.objects.select_for_update(of=("self",))
            .select_related("site", "job_type", "contract")
            .get(pk=plan.pk)
        )
        if locked.status == PlanStatus.ENDED:
            raise StateConflictError("The plan has ended; it can no longer change.", "status")
        today = today or today_for(locked.team)
        fields = {name: value for name, value in changes.items() if name != "assets"}
        for name, value in fields.items():
            setattr(locked, name, value.strip() if name == "rrule" else value)
        assets = list(changes["assets"]) if "assets" in changes else list(locked.assets.all())
        _check(locked, assets)
        if SERIES_FIELDS & set(changes):
            locked.series_from = max(locked.start_date, today)
            # Dates of the old series that never got a job are forgotten; those with a job keep it.
            locked.occurrences.filter(job__isnull=True, due_on__gte=today).exclude(
                status=OccurrenceStatus.DONE
            ).delete()
        reschedule(locked, today)
        locked.save()
        if "assets" in changes:
            locked.assets.set(assets)
    return locked


def _set_status(
    plan: MaintenancePlan, to: PlanStatus, allowed: set[str], verb: str, today: dt.date | None
) -> MaintenancePlan:
    with transaction.atomic():
        locked = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status not in allowed:
            raise StateConflictError(f"Cannot {verb} a plan that is {locked.status}.", "status")
        today = today or today_for(locked.team)
        if to == PlanStatus.ACTIVE:
            locked.series_from = max(locked.series_from, today)  # visits missed while paused are not made up
        locked.status = to
        reschedule(locked, today)
        locked.save()
    return locked


def pause_plan(*, plan: MaintenancePlan, actor: Actor, today: dt.date | None = None) -> MaintenancePlan:
    """Stop creating jobs until resumed (jobs already created stay)."""
    return _set_status(plan, PlanStatus.PAUSED, {PlanStatus.ACTIVE}, "pause", today)


def resume_plan(*, plan: MaintenancePlan, actor: Actor, today: dt.date | None = None) -> MaintenancePlan:
    """Create jobs again, from today on: visits that fell in the pause are not made up."""
    return _set_status(plan, PlanStatus.ACTIVE, {PlanStatus.PAUSED}, "resume", today)


def end_plan(*, plan: MaintenancePlan, actor: Actor, today: dt.date | None = None) -> MaintenancePlan:
    """End the plan for good: no more jobs (jobs already created stay, to be done or cancelled)."""
    return _set_status(plan, PlanStatus.ENDED, {PlanStatus.ACTIVE, PlanStatus.PAUSED}, "end", today)


# One occurrence --------------------------------------------------------------------------------------
def _occurrence_for_change(plan: MaintenancePlan, due_on: dt.date, today: dt.date) -> PlanOccurrence:
    """The locked row of `due_on` (created if the date has none yet); 400 when the date is not in the series."""
    row = plan.occurrences.select_for_update().filter(due_on=due_on).first()
    if row is not None:
        if row.status == OccurrenceStatus.DONE:
            raise StateConflictError("This visit is done.", "date")
        return row
    in_series = next(recurrence.dates_between(
        plan.rrule, start=plan.start_date, first=due_on, last=due_on, end=plan.end_date
    ), None)  # fmt: skip
    if in_series is None or due_on < plan.series_from:
        raise InvalidInputError("No visit of this plan falls on this date.", "date")
    return PlanOccurrence(team_id=plan.team_id, plan=plan, due_on=due_on)


def _release_job(row: PlanOccurrence, actor: Actor, reason: str) -> None:
    """Cancel the occurrence's job if it has not started; a started or finished one is a 409."""
    job = row.job
    if job is None or job.status == JobStatus.CANCELLED:
        return
    if job.status not in (JobStatus.PENDING, JobStatus.ASSIGNED):
        raise StateConflictError(f"The visit's job is {job.status}; it can no longer be skipped.", "date")
    row.job = job_services.cancel_job(job=job, actor=actor, reason=reason)


def skip_occurrence(
    *, plan: MaintenancePlan, actor: Actor, due_on: dt.date, reason: str = "", today: dt.date | None = None
) -> PlanOccurrence:
    """Skip the visit of `due_on` (its job is cancelled if not started); the rest of the series is unchanged."""
    with transaction.atomic():
        locked = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
        today = today or today_for(locked.team)
        row = _occurrence_for_change(locked, due_on, today)
        if row.status != OccurrenceStatus.SKIPPED:
            _release_job(row, actor, reason or "Visit skipped in its maintenance plan.")
            row.status = OccurrenceStatus.SKIPPED
            row.save()
        reschedule(locked, today)
        locked.save()
    return row


def move_occurrence(
    *, plan: MaintenancePlan, actor: Actor, due_on: dt.date, to: dt.date, today: dt.date | None = None
) -> PlanOccurrence:
    """Move the visit of `due_on` to the date `to` (its job, if any, is rescheduled); the series is unchanged."""
    with transaction.atomic():
        locked = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
        today = today or today_for(locked.team)
        row = _occurrence_for_change(locked, due_on, today)
        if row.status == OccurrenceStatus.SKIPPED:
            raise StateConflictError("This visit was skipped.", "date")
        row.moved_to = to
        if row.job is not None and row.job.status not in (JobStatus.COMPLETED, JobStatus.CANCELLED):
            job_services.update_job(job=row.job, actor=actor, changes={"scheduled_date": to})
        elif row.job is None:
            row.status = OccurrenceStatus.MOVED
        row.save()
        reschedule(locked, today)
        locked.save()
    return row


# The schedule ----------------------------------------------------------------------------------------
def reschedule(plan: MaintenancePlan, today: dt.date, rows: Sequence[OccurrenceState] | None = None) -> None:
    """Recompute `next_due_on` (the next visit not done, overdue when past) and `create_next_job_on`
    (when the worker has something to do for the plan) from its occurrences (the caller saves).

    `rows` are the plan's occurrences as `(due_on, moved_to, status, job_id)` when the caller has them
    all already (the daily pass); otherwise they are read.
    """
    if rows is None:
        rows = (
            list(plan.occurrences.values_list("due_on", "moved_to", "status", "job_id"))
            if not plan._state.adding
            else []
        )
    recorded = {due_on for due_on, *_ in rows}
    open_visits = [moved_to or due_on for due_on, moved_to, status, _ in rows if status in OPEN_STATUSES]
    moved_without_job = [
        moved_to for _, moved_to, status, job in rows if status == OccurrenceStatus.MOVED and job is None
    ]
    unrecorded = None
    if plan.status == PlanStatus.ACTIVE:
        candidate: dt.date | None = plan.series_from
        while candidate is not None:
            candidate = recurrence.next_date(
                plan.rrule, start=plan.start_date, on_or_after=candidate, end=plan.end_date
            )
            if candidate is None or candidate not in recorded:
                break
            candidate += dt.timedelta(days=1)
        unrecorded = candidate
    upcoming = [*open_visits, *([unrecorded] if unrecorded else [])]
    plan.next_due_on = min(upcoming) if upcoming and plan.status != PlanStatus.ENDED else None
    to_create = [day for day in (*moved_without_job, unrecorded) if day is not None]
    active = plan.status == PlanStatus.ACTIVE and bool(to_create)
    plan.create_next_job_on = min(to_create) - dt.timedelta(days=plan.lead_time_days) if active else None


def record_visit_done(*, job: Job) -> None:
    """A plan's job completed: its occurrence is DONE, and the plan's last serviced and next due move on.

    Called from `jobs.signals.job_completed`, inside the completion's transaction.
    """
    # A job is one occurrence at most: no ordering (the model's orders by its plan's, a join), read
    # without compiling a queryset (core.related.rows_pointing_at).
    found = rows_pointing_at(PlanOccurrence, "job", [job.pk], ordered=False)
    if not found:
        return
    row = found[0]
    plan = MaintenancePlan.objects.select_for_update(of=("self",)).select_related("team").get(pk=row.plan_id)
    row.status = OccurrenceStatus.DONE
    row.save(update_fields=["status", "updated_at"])
    served = today_for(plan.team, job.completed_at)
    plan.last_serviced_on = max(filter(None, [plan.last_serviced_on, served]))
    reschedule(plan, today_for(plan.team))
    plan.save()
