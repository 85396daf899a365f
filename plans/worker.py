"""The daily pass the worker runs (plans/tasks.py): each due occurrence gets its job exactly once, and
each visit's reminder goes out once.

Exactly once rests on the unique (plan, due_on) of `PlanOccurrence`, not on a check before the insert:
the pass inserts the occurrence and creates its job in one transaction. A second worker racing on the
same plan waits on the index and gets an IntegrityError (caught in a savepoint: it moves on); a worker
that dies between the insert and the job rolls both back, and the next pass does it again.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership
from core.exceptions import DomainError
from jobs import services as job_services
from jobs.models import Job
from plans import recurrence
from plans.models import MaintenancePlan, OccurrenceStatus, PlanOccurrence, PlanStatus
from plans.services import SYSTEM, reschedule
from webhooks.models import EventType
from webhooks.services import record_event

logger = logging.getLogger("shocking.plans")
BATCH = 1000


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
        for _, plan_id in keys:
            created += create_due_jobs_for_plan(plan_id=plan_id, today=today, now=now)
        last = keys[-1]
    send_due_reminders(today=today, now=now)
    return created


def create_due_jobs_for_plan(
    *, plan_id: uuid.UUID, today: dt.date | None = None, now: dt.datetime | None = None
) -> int:
    """One plan's part of the pass (its own transaction); a plan whose job cannot be made is logged and left."""
    try:
        with transaction.atomic():
            return _create_due_jobs(plan_id, today, now or timezone.now())
    except DomainError as exc:  # e.g. its job type was made inactive: retried on every pass until fixed
        logger.warning("Maintenance plan %s: no job created: %s", plan_id, exc)
        return 0


def _create_due_jobs(plan_id: uuid.UUID, today: dt.date | None, now: dt.datetime) -> int:
    plan = (
        MaintenancePlan.objects.select_related("team", "job_type", "client", "site", "preferred_engineer")
        .filter(pk=plan_id, status=PlanStatus.ACTIVE)
        .first()
    )
    if plan is None:
        return 0
    today = today or recurrence.team_today(plan.team.timezone, now)
    window_end = today + dt.timedelta(days=plan.lead_time_days)
    dates = recurrence.dates_between(
        plan.rrule, start=plan.start_date, first=plan.series_from, last=window_end, end=plan.end_date
    )
    recorded = set(plan.occurrences.filter(due_on__gte=plan.series_from).values_list("due_on", flat=True))
    created = 0
    for due_on in dates:
        if due_on in recorded:
            continue
        try:
            with transaction.atomic():  # a savepoint: a conflict undoes only this insert
                row = PlanOccurrence.objects.create(team_id=plan.team_id, plan=plan, due_on=due_on)
        except IntegrityError:
            continue  # another worker recorded this date (and made its job) first
        _make_job(plan, row)
        created += 1
    moved = plan.occurrences.select_for_update(skip_locked=True).filter(
        status=OccurrenceStatus.MOVED, job__isnull=True, moved_to__lte=window_end
    )
    for row in moved:
        _make_job(plan, row)
        created += 1
    reschedule(plan, today)
    plan.save(update_fields=["next_due_on", "create_next_job_on", "updated_at"])
    return created


def _make_job(plan: MaintenancePlan, row: PlanOccurrence) -> Job:
    """The occurrence's job, through `create_job` (and assigned to the preferred engineer when still a member)."""
    assets = list(plan.assets.all()[:2])
    job = job_services.create_job(
        team=plan.team,
        actor=SYSTEM,
        job_type=plan.job_type,
        payload=dict(plan.default_payload),
        scheduled_date=row.visit_on,
        notes=f"Maintenance plan: {plan.name}",
        client=plan.client,
        site=plan.site,
        asset=assets[0] if len(assets) == 1 else None,
    )
    engineer = plan.preferred_engineer
    if engineer is not None and Membership.objects.filter(team=plan.team, user=engineer, is_active=True).exists():
        job = job_services.assign_job(job=job, actor=SYSTEM, engineer=engineer)
    row.job = job
    row.status = OccurrenceStatus.JOB_CREATED
    row.save()
    record_event(EventType.PLAN_JOB_CREATED, plan)
    return job


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
