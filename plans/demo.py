"""Demo maintenance plans at the first demo sites, made through the services: an annual service whose
job is already created, an overdue quarterly inspection, and a plan due later in the year."""

from __future__ import annotations

import datetime as dt

from accounts.models import Actor
from core.demo import DemoContext
from jobs import services as job_services
from jobs.models import JobType
from plans import services, worker
from plans.models import MaintenancePlan

# (name, rule, days from today to the first visit, lead time days)
PLANS: list[tuple[str, str, int, int]] = [
    ("Annual boiler service", "FREQ=YEARLY", 10, 21),
    ("Quarterly PV inspection", "FREQ=MONTHLY;INTERVAL=3", -12, 14),
    ("Heat pump yearly check", "FREQ=YEARLY", 120, 21),
]


def seed(context: DemoContext) -> None:
    system = Actor()
    sites = context.records.get("sites", [])
    if not sites or MaintenancePlan.objects.filter(team=context.team).exists():
        return
    job_type = JobType.objects.filter(team=context.team, key="maintenance-visit").first()
    if job_type is None:
        job_type = job_services.create_job_type(
            team=context.team, actor=system, key="maintenance-visit", name="Maintenance visit"
        )
    today = services.today_for(context.team)
    for (name, rule, offset, lead), site in zip(PLANS, sites, strict=False):
        start = today + dt.timedelta(days=offset)
        # The overdue plan was made before its first visit (a dispatcher set it up weeks ago).
        made_on = min(start, today)
        plan = services.create_plan(
            team=context.team, actor=system, name=name, client=site.client, site=site, job_type=job_type,
            rrule=rule, start_date=start, lead_time_days=lead, reminder_days=min(7, lead), today=made_on,
        )  # fmt: skip
        worker.create_due_jobs_for_plan(plan_id=plan.pk, today=made_on if offset < 0 else today)
