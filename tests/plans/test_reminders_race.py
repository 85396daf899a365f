"""Two reminder passes racing on the same visits (PostgreSQL, real transactions, each thread its own
connection): every visit's email goes out once and its `plan.due_soon` is recorded once.

Both passes are held until each has read the visits still to remind and is about to claim the first
one, so neither can finish before the other has seen the same rows: the conditional update
(`reminded_at IS NULL`) must be what decides, not the read before it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail

from plans import recurrence, worker
from plans.models import PlanOccurrence
from tests.factories import TeamFactory
from tests.plans.factories import TODAY, make_plan
from tests.threads import run_together
from webhooks.models import EventType, WebhookEvent


@pytest.mark.django_db(transaction=True)
def test_two_reminder_passes_racing_send_each_visits_email_once(monkeypatch: pytest.MonkeyPatch) -> None:
    team = TeamFactory(timezone="Europe/London")
    plans = [
        make_plan(team, start_date=TODAY + dt.timedelta(days=10), lead_time_days=14, reminder_days=3) for _ in range(3)
    ]
    worker.create_due_jobs(today=TODAY)  # the visits' jobs; ten days away, no reminder yet
    assert PlanOccurrence.objects.filter(job__isnull=False).count() == 3 and mail.outbox == []

    # Both passes reach the first visit's claim (they read "today" for it just before) together.
    barrier = threading.Barrier(2, timeout=20)
    held = threading.local()
    team_today = recurrence.team_today

    def today_once_both_have_read(timezone_name: str, now: dt.datetime) -> dt.date:
        if not getattr(held, "done", False):
            held.done = True
            barrier.wait()
        return team_today(timezone_name, now)

    monkeypatch.setattr(recurrence, "team_today", today_once_both_have_read)
    three_days_before = dt.datetime.combine(TODAY + dt.timedelta(days=7), dt.time(12), tzinfo=dt.UTC)
    # The passes hold themselves (above), so the helper's barrier is not needed.
    sent = run_together(lambda: worker.send_due_reminders(now=three_days_before), start_together=False, timeout=60)
    assert not barrier.broken, "both passes read the visits before either claimed one"

    assert sum(sent) == 3, sent
    emails = Counter(recipient for message in mail.outbox for recipient in message.to)
    assert emails == Counter({plan.client.email: 1 for plan in plans}), "each client's reminder exactly once"
    due_soon = Counter(WebhookEvent.objects.filter(type=EventType.PLAN_DUE_SOON).values_list("object_id", flat=True))
    assert due_soon == Counter({plan.pk: 1 for plan in plans}), "plan.due_soon recorded once per visit"
    assert not PlanOccurrence.objects.filter(reminded_at__isnull=True).exists()

    monkeypatch.setattr(recurrence, "team_today", team_today)
    assert worker.send_due_reminders(now=three_days_before) == 0, "a third pass finds nothing left"
    assert len(mail.outbox) == 3
