"""The demo has a few plans: one whose visit's job is already created, one overdue."""

from __future__ import annotations

import io
import random

import pytest

from core.demo import DemoContext, seed_team
from plans.models import MaintenancePlan, PlanOccurrence
from plans.services import today_for
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_plans_with_a_job_created_and_one_overdue(world: World) -> None:
    team = world.a.team
    seed_team(DemoContext(team=team, jobs=12, rng=random.Random(1), out=io.StringIO()))
    seed_team(DemoContext(team=team, jobs=12, rng=random.Random(1), out=io.StringIO()))  # idempotent
    plans = MaintenancePlan.objects.filter(team=team)
    assert plans.count() == 3
    assert PlanOccurrence.objects.filter(team=team, job__isnull=False).count() == 2
    today = today_for(team)
    assert [plan.name for plan in plans if plan.next_due_on and plan.next_due_on < today] == ["Quarterly PV inspection"]
