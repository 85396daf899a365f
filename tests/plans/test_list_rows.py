"""GET /v1/maintenance-plans (and /{id}) build their rows by hand (`plans/api/rows.py`): exactly what
`MaintenancePlanSerializer` documents, as `to_wire` sends it, in a number of queries that does not
depend on the page."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import Actor, Role
from core.wire import to_wire
from plans import selectors, services
from plans.api.serializers import MaintenancePlanSerializer
from plans.api.views import MaintenancePlanViewSet
from plans.models import MaintenancePlan
from tests.conftest import World
from tests.factories import AssetFactory, JobTypeFactory, MembershipFactory, SiteFactory, UserFactory
from tests.invoicing.factories import ContractFactory
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db
ORDER = {"sortBy": "nextDueOn", "sortOrder": "asc"}


def _varied_plans(world: World) -> list[MaintenancePlan]:
    """Plans that differ in every way the representation can: assets, engineer (with and without a
    name), contract, price, notes, end date, last serviced, overdue or not, paused, ended."""
    team = world.a.team
    today = services.today_for(team)
    site = SiteFactory(team=team)
    assets = [AssetFactory(team=team, site=site) for _ in range(3)]
    nameless = UserFactory(full_name="")
    MembershipFactory(team=team, user=nameless, role=Role.ENGINEER)
    job_type = JobTypeFactory(team=team)
    full = make_plan(
        team, today=today, site=site, job_type=job_type, assets=assets, preferred_engineer=world.a.engineer,
        contract=ContractFactory(team=team, client=site.client), price=Decimal("120.5"), notes="Gate code 1234",
        end_date=today + dt.timedelta(days=800), start_date=today + dt.timedelta(days=3), reminder_days=2,
        default_payload={"snake_key": "", "camelKey": [1, {"inner_key": None}]}, rrule="FREQ=MONTHLY;INTERVAL=3",
    )  # fmt: skip
    bare = make_plan(team, today=today, start_date=today + dt.timedelta(days=40))
    overdue = make_plan(
        team, today=today - dt.timedelta(days=30), start_date=today - dt.timedelta(days=3), preferred_engineer=nameless
    )
    free = make_plan(team, today=today, price=Decimal("0"), site=site, assets=assets[:1])
    MaintenancePlan.objects.filter(pk=free.pk).update(last_serviced_on=today - dt.timedelta(days=200))
    paused = services.pause_plan(plan=make_plan(team, today=today), actor=Actor(), today=today)
    ended = services.end_plan(plan=make_plan(team, today=today), actor=Actor(), today=today)
    return [full, bare, overdue, free, paused, ended]


def _documented(plans: list[MaintenancePlan], world: World) -> dict[str, Any]:
    """Each plan as the serializer shows it (its own read, with relations), through `to_wire`, as JSON."""
    loaded = selectors.plans_for(team=world.a.team).filter(pk__in=[plan.pk for plan in plans])
    data = MaintenancePlanSerializer(loaded, many=True, context={"team": world.a.team}).data
    return {row["id"]: row for row in json.loads(json.dumps(to_wire(data), cls=JSONEncoder))}


@pytest.mark.parametrize("wire", [True, False], ids=["postgres-text-rows", "orm-rows"])
def test_rows_are_exactly_what_the_serializer_shows(world: World, wire: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of fetching the page: PostgreSQL's text (`wire_rows`) and the ORM's rows, as on SQLite."""
    if not wire:
        monkeypatch.setattr(MaintenancePlanViewSet, "fetch_rows", staticmethod(list))
        monkeypatch.setattr(MaintenancePlanViewSet.hot_list, "keep", False)
    plans = _varied_plans(world)
    expected = _documented(plans, world)
    listed = world.api.get("/v1/maintenance-plans", query=ORDER).data
    assert {row["id"]: row for row in listed} == expected
    for plan_id, row in expected.items():
        assert world.api.get(f"/v1/maintenance-plans/{plan_id}").data == row

    # What the comparison covers, so that it cannot pass on plans that all look alike.
    shown = {row["id"]: row for row in listed}
    full, bare, overdue, free, paused, ended = (shown[str(plan.pk)] for plan in plans)
    assert full["assetIds"] == sorted(str(asset.pk) for asset in plans[0].assets.all()) and len(full["assetIds"]) == 3
    assert full["price"] == "120.50" and free["price"] == "0.00" and bare["price"] is None
    assert full["notes"] == "Gate code 1234" and bare["notes"] is None, '"" is null'
    assert full["defaultPayload"] == {"snake_key": "", "camelKey": [1, {"inner_key": None}]}, "the author's document"
    assert full["preferredEngineer"]["name"] == world.a.engineer.full_name and bare["preferredEngineer"] is None
    assert overdue["preferredEngineer"]["name"] == overdue["preferredEngineer"]["email"], "no name: the email"
    assert full["contractId"] is not None and full["endDate"] is not None and bare["endDate"] is None
    assert overdue["overdue"] is True and full["overdue"] is False and free["lastServicedOn"] is not None
    assert (paused["status"], ended["status"], ended["nextDueOn"], ended["overdue"]) == ("PAUSED", "ENDED", None, False)
    assert listed[0]["id"] == str(plans[2].pk), "by nextDueOn: the overdue plan first"
    assert {row["id"] for row in listed[-2:]} == {str(plans[4].pk), str(plans[5].pk)}, "no next visit: last"


def test_an_unknown_or_foreign_plan_is_not_found(world: World) -> None:
    theirs = make_plan(world.b.team)
    assert world.api.get(f"/v1/maintenance-plans/{theirs.pk}").status_code == 404
    assert world.api.get("/v1/maintenance-plans/00000000-0000-4000-8000-000000000000").status_code == 404


def _list_queries(world: World, query: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    with CaptureQueriesContext(connection) as captured:
        response = world.api.get("/v1/maintenance-plans", query=query)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries], response.data


def test_the_list_reads_the_same_queries_for_1_or_25_plans_and_joins_nothing(world: World) -> None:
    team = world.a.team
    today = services.today_for(team)
    site = SiteFactory(team=team)
    assets = [AssetFactory(team=team, site=site) for _ in range(2)]
    query = {**ORDER, "nextDueTo": (today + dt.timedelta(days=400)).isoformat()}

    def plan(number: int) -> MaintenancePlan:
        # Each plan its own client, site, job type and engineer: nothing the page shows is shared.
        engineer = UserFactory()
        MembershipFactory(team=team, user=engineer, role=Role.ENGINEER)
        at = site if number % 2 else SiteFactory(team=team)
        return make_plan(
            team, today=today, site=at, assets=assets if number % 2 else [], preferred_engineer=engineer,
            start_date=today + dt.timedelta(days=number), price=Decimal(number),
        )  # fmt: skip

    plan(0)
    world.api.get("/v1/maintenance-plans", query=query)  # warm up: the key's last-used stamp, caches
    one, rows = _list_queries(world, query)
    assert len(rows) == 1
    for number in range(1, 25):
        plan(number)
    many, rows = _list_queries(world, query)
    assert len(rows) == 25 and any(row["assetIds"] for row in rows) and any(not row["assetIds"] for row in rows)
    assert len(many) == len(one), "the query count grows with the page size (N+1)"
    page = [sql for sql in many if 'FROM "plans_maintenanceplan"' in sql]
    assert len(page) == 1 and "JOIN" not in page[0], "the page is read from the plans table alone"
