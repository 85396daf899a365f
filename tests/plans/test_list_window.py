"""The next-due window of GET /v1/maintenance-plans: a range on the expression the nextDueOn order and its
index use, so overdue plans are in `nextDueTo`, ended plans (no next visit) in neither bound."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Actor
from plans import services
from tests.conftest import World
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_next_due_window_bounds_include_overdue_and_leave_out_ended_plans(world: World) -> None:
    team = world.a.team
    overdue = make_plan(team, today=TODAY - dt.timedelta(days=30), start_date=TODAY - dt.timedelta(days=3))
    soon = make_plan(team, today=TODAY, start_date=TODAY + dt.timedelta(days=10))
    later = make_plan(team, today=TODAY, start_date=TODAY + dt.timedelta(days=100))
    services.end_plan(plan=make_plan(team, today=TODAY), actor=Actor(), today=TODAY)
    order = {"sortBy": "nextDueOn", "sortOrder": "asc"}
    until = world.api.get("/v1/maintenance-plans", query={**order, "nextDueTo": str(TODAY + dt.timedelta(days=30))})
    assert [row["id"] for row in until.data] == [str(overdue.pk), str(soon.pk)]
    assert until.data[0]["overdue"] is True
    since = world.api.get("/v1/maintenance-plans", query={**order, "nextDueFrom": str(TODAY + dt.timedelta(days=30))})
    assert [row["id"] for row in since.data] == [str(later.pk)], "an ended plan has no next visit"
    far = world.api.get("/v1/maintenance-plans", query={**order, "nextDueTo": "9999-12-31"})
    assert len(far.data) == 3
