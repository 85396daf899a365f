"""The plans admin: team-scoped, due-soon and overdue filters, visits inline, writes through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from plans import worker
from plans.models import MaintenancePlan, PlanStatus
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import JobTypeFactory, SiteFactory
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db
URL = "/admin/plans/maintenanceplan/"


@pytest.fixture
def owner_a(world: World) -> Client:
    return staff_client(world.a.owner)


def test_list_is_team_scoped_with_due_and_overdue_filters(world: World, owner_a: Client) -> None:
    today = timezone.localdate()
    soon = make_plan(world.a.team, name="Soon plan", today=today, start_date=today + dt.timedelta(days=10))
    later = make_plan(world.a.team, name="Later plan", today=today, start_date=today + dt.timedelta(days=90))
    late = make_plan(
        world.a.team, name="Late plan", today=today - dt.timedelta(days=20), start_date=today - dt.timedelta(days=5)
    )
    worker.create_due_jobs_for_plan(plan_id=late.pk, today=today - dt.timedelta(days=5))
    make_plan(world.b.team, name="Not yours", today=today)
    page = owner_a.get(URL)
    assert page.status_code == 200
    assert "Not yours" not in page.content.decode() and page.context["cl"].result_count == 3
    due = owner_a.get(URL, {"due": "soon"})
    assert [plan.pk for plan in due.context["cl"].result_list] == [soon.pk]
    overdue = owner_a.get(URL, {"due": "overdue"})
    assert [plan.pk for plan in overdue.context["cl"].result_list] == [late.pk]
    detail = owner_a.get(f"{URL}{late.pk}/change/")
    assert detail.status_code == 200 and "Visits" in detail.content.decode()
    assert later.pk not in [plan.pk for plan in due.context["cl"].result_list]
    dashboard = owner_a.get("/admin/").content.decode()
    assert "Maintenance visits" in dashboard and f"{URL}?due=overdue" in dashboard


def plan_form(world: World, **overrides: Any) -> dict[str, Any]:
    site = SiteFactory(team=world.a.team)
    data = {
        "team": str(world.a.team.pk),
        "name": "Annual boiler service",
        "client": str(site.client_id),
        "site": str(site.pk),
        "job_type": str(JobTypeFactory(team=world.a.team).pk),
        "default_payload": "{}",
        "rrule": "FREQ=YEARLY",
        "start_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "end_date": "",
        "lead_time_days": "14",
        "reminder_days": "",
        "price": "",
        "notes": "",
        "occurrences-TOTAL_FORMS": "0",
        "occurrences-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_create_goes_through_the_service_and_a_bad_rule_shows_on_the_form(world: World, owner_a: Client) -> None:
    refused = owner_a.post(f"{URL}add/", plan_form(world, rrule="FREQ=HOURLY"))
    assert refused.status_code == 200 and "FREQ must be" in refused.content.decode()
    assert not MaintenancePlan.objects.exists()
    created = owner_a.post(f"{URL}add/", plan_form(world))
    assert created.status_code == 302, created.content.decode()[:3000]
    plan = MaintenancePlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE and plan.next_due_on == timezone.localdate() + dt.timedelta(days=30)
    assert plan.create_next_job_on == plan.next_due_on - dt.timedelta(days=14), "scheduled by the service"


def test_pause_action(world: World, owner_a: Client) -> None:
    plan = make_plan(world.a.team, today=timezone.localdate())
    response = owner_a.post(URL, {"action": "pause_plans", "_selected_action": [str(plan.pk)]})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED


def test_dashboard_counts_the_visits_due_soon_and_overdue(world: World, owner_a: Client) -> None:
    from django.test import RequestFactory

    from plans.admin import plans_dashboard

    today = timezone.localdate()
    make_plan(world.a.team, today=today, start_date=today + dt.timedelta(days=3))
    make_plan(world.a.team, today=today, start_date=today + dt.timedelta(days=20))
    make_plan(world.a.team, today=today, start_date=today + dt.timedelta(days=200))
    make_plan(world.a.team, today=today - dt.timedelta(days=9), start_date=today - dt.timedelta(days=2))
    make_plan(world.b.team, today=today, start_date=today + dt.timedelta(days=3))
    request = RequestFactory().get("/admin/")
    request.user = world.a.owner
    request.session = owner_a.session
    tiles = {tile.label: tile.count for tile in plans_dashboard(request)}
    assert tiles == {"Due in 30 days": 2, "Overdue": 1}, "this team's plans only"
