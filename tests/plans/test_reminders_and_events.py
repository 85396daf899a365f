"""Reminders go to the client once per visit; the pass emits plan.job_created and plan.due_soon."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail

from plans import worker
from plans.models import PlanOccurrence
from tests.conftest import World
from tests.plans.factories import TODAY, make_plan
from tests.webhooks.factories import make_endpoint
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_the_client_is_reminded_once_when_the_visit_is_reminder_days_away(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    plan = make_plan(world.a.team, start_date=TODAY + dt.timedelta(days=10), lead_time_days=14, reminder_days=3)
    with django_capture_on_commit_callbacks(execute=True):
        worker.create_due_jobs(today=TODAY)
    assert PlanOccurrence.objects.get().job is not None
    assert mail.outbox == [], "ten days away: not yet"
    for day in (7, 7, 8):  # three days before, twice (a retried pass), then the next day
        with django_capture_on_commit_callbacks(execute=True):
            worker.create_due_jobs(today=TODAY + dt.timedelta(days=day))
    assert [message.to for message in mail.outbox] == [[plan.client.email]]
    assert plan.name in mail.outbox[0].subject and plan.site.name in mail.outbox[0].body
    assert PlanOccurrence.objects.get().reminded_at is not None


def test_no_reminder_without_reminder_days_or_for_a_visit_already_past(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    make_plan(world.a.team, start_date=TODAY + dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        worker.create_due_jobs(today=TODAY)
        worker.create_due_jobs(today=TODAY + dt.timedelta(days=2))
    assert mail.outbox == []


def test_job_created_and_due_soon_events_carry_the_plan(world: World, django_capture_on_commit_callbacks: Any) -> None:
    make_endpoint(world.a, enabled_events=["plan.job_created", "plan.due_soon"])
    plan = make_plan(world.a.team, start_date=TODAY + dt.timedelta(days=5), reminder_days=5)
    with django_capture_on_commit_callbacks(execute=True):
        worker.create_due_jobs(today=TODAY)
    events = {event.type: json.loads(event.body) for event in WebhookEvent.objects.filter(team=world.a.team)}
    assert set(events) >= {"plan.job_created", "plan.due_soon"}
    shown = events["plan.job_created"]["data"]["object"]
    assert shown["id"] == str(plan.pk) and shown["nextDueOn"] == (TODAY + dt.timedelta(days=5)).isoformat()
