"""The daily pass the worker runs (plans/tasks.py): each due occurrence gets its job exactly once, and
each visit's reminder goes out once.

The pass works on batches of plans, each in one transaction. The plans are locked `FOR NO KEY UPDATE
SKIP LOCKED` (a second worker takes the next batch instead of waiting, a plan being edited waits for
the next pass, and other writers' foreign-key checks are not blocked); their new occurrences are
inserted in one statement with `ON CONFLICT DO NOTHING`; jobs are made (`jobs.services.create_jobs_bulk`,
the same checks and writes as `create_job`) only for the rows this transaction inserted. Exactly once
rests on the unique (plan, due_on) of `PlanOccurrence`, not on the check before the insert: a writer
that got there first keeps its row and its job, and a worker that dies before committing rolls back
the rows and the jobs together (the next pass redoes them).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import DomainError
from jobs import services as job_services
from jobs.rules import assignee_issues
from plans import recurrence
from plans.models import MaintenancePlan, OccurrenceStatus, PlanOccurrence, PlanStatus
from plans.services import SYSTEM, reschedule
from webhooks.models import EventType
from webhooks.services import record_event, record_events

logger = logging.getLogger("shocking.plans")
BATCH = 500


def create_due_jobs(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Create the job of every occurrence of an ACTIVE plan whose date minus the lead time is today or
    earlier, once; send the reminders due. Safe to run any number of times, by several workers at once.

    `today` overrides every team's date (tests, the benchmark); otherwise each plan's team clock decides.
    Returns how many jobs were created.
    """
    now = now or timezone.now()
    # No team's clock is more than a day ahead of UTC: plans due by then are the candidates.
    horizon = today or (now.date() + dt.timedelta(days=1))
    candidates = MaintenancePlan.objects.filter(status=PlanStatus.ACTIVE, create_next_job_on__lte=horizon)
    created = 0
    last: tuple[dt.date | None, uuid.UUID] | None = None
    while True:
        page = candidates.order_by("create_next_job_on", "id")
        if last is not None:
            page = page.filter(create_next_job_on__gte=last[0]).exclude(create_next_job_on=last[0], id__lte=last[1])
        keys = list(page.values_list("create_next_job_on", "id")[:BATCH])
        if not keys:
            break
        created += create_due_jobs_for_plans(plan_ids=[plan_id for _, plan_id in keys], today=today, now=now)
        last = keys[-1]
    send_due_reminders(today=today, now=now)
    return created


def create_due_jobs_for_plan(
    *, plan_id: uuid.UUID, today: dt.date | None = None, now: dt.datetime | None = None
) -> int:
    """One plan's part of the pass (its own transaction); a plan whose job cannot be made is logged and left."""
    return create_due_jobs_for_plans(plan_ids=[plan_id], today=today, now=now)


def create_due_jobs_for_plans(
    *, plan_ids: Sequence[uuid.UUID], today: dt.date | None = None, now: dt.datetime | None = None
) -> int:
    """A batch of plans in one transaction. When one of its jobs fails its checks (e.g. a job type made
    inactive), nothing of the batch is kept and it is redone plan by plan: the plan at fault is logged
    and left for the next pass, the others get their jobs."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _create_batch(plan_ids, today, now)
    except DomainError as exc:
        if len(plan_ids) == 1:
            logger.warning("Maintenance plan %s: no job created: %s", plan_ids[0], exc)
            return 0
    return sum(create_due_jobs_for_plan(plan_id=plan_id, today=today, now=now) for plan_id in plan_ids)


def _create_batch(plan_ids: Sequence[uuid.UUID], today: dt.date | None, now: dt.datetime) -> int:
    plans = list(
        MaintenancePlan.objects.select_for_update(of=("self",), skip_locked=True, no_key=True)
        .select_related("team", "job_type", "client", "site", "preferred_engineer")
        .prefetch_related("assets")
        .filter(pk__in=plan_ids, status=PlanStatus.ACTIVE)
        .order_by("pk")
    )
    if not plans:
        return 0
    recorded: dict[uuid.UUID, dict[uuid.UUID, PlanOccurrence]] = defaultdict(dict)
    for row in PlanOccurrence.objects.filter(plan__in=plans).only("plan", "due_on", "moved_to", "status", "job"):
        recorded[row.plan_id][row.pk] = row
    todays = {plan.pk: today or recurrence.team_today(plan.team.timezone, now) for plan in plans}
    new_rows, moved_ids = [], []
    for plan in plans:
        window_end = todays[plan.pk] + dt.timedelta(days=plan.lead_time_days)
        rows = recorded[plan.pk].values()
        dates = {row.due_on for row in rows}
        # Every date before the first one without a row has a row (`reschedule`): start from there.
        first = plan.series_from
        if plan.create_next_job_on is not None:
            first = max(first, plan.create_next_job_on + dt.timedelta(days=plan.lead_time_days))
        series = recurrence.dates_between(
            plan.rrule, start=plan.start_date, first=first, last=window_end, end=plan.end_date
        )
        new_rows += [_occurrence(plan, due_on, now) for due_on in series if due_on not in dates]
        moved_ids += [row.pk for row in rows if _moved_without_job(row, window_end)]
    won = _insert_new(new_rows)
    mine = [row for row in new_rows if row.pk in won]
    if moved_ids:
        mine += PlanOccurrence.objects.select_for_update(skip_locked=True).filter(
            pk__in=moved_ids, status=OccurrenceStatus.MOVED, job__isnull=True
        )
    by_id = {plan.pk: plan for plan in plans}
    assignable: dict[tuple[Any, Any], bool] = {}  # asked once per engineer and batch
    new_jobs = [_new_job(by_id[row.plan_id], row, assignable) for row in mine]
    made = job_services.create_jobs_bulk(actor=SYSTEM, jobs=new_jobs)
    for row, job in zip(mine, made, strict=True):
        row.job, row.status, row.updated_at = job, OccurrenceStatus.JOB_CREATED, now
        recorded[row.plan_id][row.pk] = row
    PlanOccurrence.objects.bulk_update(mine, ["job", "status", "updated_at"])
    lost = {row.plan_id for row in new_rows if row.pk not in won}  # rows another writer made: read them back
    for plan in plans:
        rows = recorded[plan.pk].values()
        seen = None if plan.pk in lost else [(row.due_on, row.moved_to, row.status, row.job_id) for row in rows]
        reschedule(plan, todays[plan.pk], rows=seen)
        plan.updated_at = now
    MaintenancePlan.objects.bulk_update(plans, ["next_due_on", "create_next_job_on", "updated_at"])
    record_events(EventType.PLAN_JOB_CREATED, [by_id[row.plan_id] for row in mine])
    return len(mine)


def _occurrence(plan: MaintenancePlan, due_on: dt.date, now: dt.datetime) -> PlanOccurrence:
    return PlanOccurrence(team_id=plan.team_id, plan=plan, due_on=due_on, created_at=now, updated_at=now)


def _insert_new(rows: list[PlanOccurrence]) -> set[uuid.UUID]:
    """Insert the rows, skipping any date another writer recorded first; the ids of the rows inserted here.

    One order for every worker (plan, then date), so two inserting the same dates wait, never deadlock.
    """
    if not rows:
        return set()
    rows.sort(key=lambda row: (str(row.plan_id), row.due_on))
    PlanOccurrence.objects.bulk_create(rows, ignore_conflicts=True)
    return set(PlanOccurrence.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True))


def _moved_without_job(row: PlanOccurrence, window_end: dt.date) -> bool:
    """A visit moved before its job was made, to a date now in the lead window."""
    moved_to = row.moved_to
    return (
        row.status == OccurrenceStatus.MOVED and row.job_id is None and moved_to is not None and moved_to <= window_end
    )


def _new_job(
    plan: MaintenancePlan, row: PlanOccurrence, assignable: dict[tuple[Any, Any], bool]
) -> job_services.NewJob:
    """The occurrence's job, assigned to the preferred engineer while they may be given jobs."""
    assets = list(plan.assets.all())  # prefetched
    engineer = plan.preferred_engineer
    # A preferred engineer who has left the team or may no longer be assigned jobs leaves the job unassigned.
    if engineer is not None:
        key = (plan.team_id, engineer.pk)
        if key not in assignable:
            assignable[key] = not assignee_issues(team=plan.team, engineer=engineer)
        engineer = engineer if assignable[key] else None
    return job_services.NewJob(
        team=plan.team,
        job_type=plan.job_type,
        payload=dict(plan.default_payload),
        scheduled_date=row.visit_on,
        notes=f"Maintenance plan: {plan.name}",
        client=plan.client,
        site=plan.site,
        asset=assets[0] if len(assets) == 1 else None,
        engineer=engineer,
    )


def send_due_reminders(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Email each client whose visit is `reminder_days` away (once per visit) and emit `plan.due_soon`."""
    now = now or timezone.now()
    earliest = today or (now.date() - dt.timedelta(days=1))  # no team's clock is a day behind UTC
    rows = (
        PlanOccurrence.objects.filter(
            plan__status=PlanStatus.ACTIVE,
            plan__reminder_days__isnull=False,
            reminded_at__isnull=True,
            status__in=(OccurrenceStatus.JOB_CREATED, OccurrenceStatus.PLANNED),
        )
        # Visits already past are never reminded: leave them out, so the scan does not grow with history.
        .filter(Q(moved_to__gte=earliest) | Q(moved_to__isnull=True, due_on__gte=earliest))
        .select_related("plan", "plan__team", "plan__client", "plan__site")
        .order_by("due_on")
    )
    sent = 0
    for row in rows.iterator(chunk_size=500):
        plan = row.plan
        local_today = today or recurrence.team_today(plan.team.timezone, now)
        days_left = (row.visit_on - local_today).days
        if days_left < 0 or days_left > (plan.reminder_days or 0):
            continue
        with transaction.atomic():
            # The conditional update is the "once": a second worker (or pass) updates nothing.
            if not PlanOccurrence.objects.filter(pk=row.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            record_event(EventType.PLAN_DUE_SOON, plan)
            if plan.client.email:
                subject, body, to = _reminder(row), _reminder_body(row), plan.client.email
                transaction.on_commit(functools.partial(_send, subject, body, to))
        sent += 1
    return sent


def _reminder(row: PlanOccurrence) -> str:
    return f"Your {row.plan.name} visit on {row.visit_on:%d %B %Y}"


def _reminder_body(row: PlanOccurrence) -> str:
    plan = row.plan
    return (
        f"Hello {plan.client.name},\n\nThis is a reminder that your {plan.name} visit at {plan.site.name} "
        f"is booked for {row.visit_on:%A %d %B %Y}.\n\n{plan.team.name}\n"
    )


def _send(subject: str, body: str, to: str) -> None:
    """After the reminder is recorded: a failed send is logged, never retried (never twice)."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        logger.info("Sent a visit reminder to %s.", to)
    except Exception:  # any transport failure: logged, and the visit is not reminded again
        logger.exception("Could not send a visit reminder to %s.", to)
