"""`core.api.statements`: a hot list's page statement kept per shape of request, then only bound.

Every answer of the kept statements must equal the answer the ORM builds for the same request,
whatever values a later request of the same shape brings (other filters' values, cursors, teams),
and the statement must not be built again for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.test.utils import CaptureQueriesContext

from core.api import statements
from core.api.pagination import verify_cursor
from core.api.statements import StatementCache, learn
from jobs.api.views import JobViewSet
from jobs.models import Job, JobStatus
from tests.conftest import World
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kept_statements() -> Iterator[None]:
    JobViewSet.hot_list.statements.clear()
    yield
    JobViewSet.hot_list.statements.clear()


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement the hot list builds with the ORM."""
    built: list[str] = []
    original = statements._compiled

    def counting(queryset: QuerySet[Any, Any]) -> Any:
        result = original(queryset)
        built.append("" if result is None else result[0])
        return result

    monkeypatch.setattr(statements, "_compiled", counting)
    return built


def _jobs(world: World) -> dict[str, Any]:
    visit, repair = JobTypeFactory(team=world.a.team, key="visit"), JobTypeFactory(team=world.a.team, key="repair")
    site = SiteFactory(team=world.a.team, client=ClientFactory(team=world.a.team))
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    for index in range(14):
        JobFactory(
            team=world.a.team,
            job_type=visit if index % 2 else repair,
            status=[JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.COMPLETED][index % 3],
            assigned_to=world.a.engineer if index % 3 else None,
            site=site if index % 4 == 0 else None,
            client=site.client if index % 4 == 0 else None,
            scheduled_date=dt.date(2026, 3, 1 + index % 5) if index % 5 else None,
            created_at=start + dt.timedelta(hours=index // 2),  # pairs share a moment: the id breaks the tie
        )
    JobFactory(team=world.b.team, job_type=JobTypeFactory(team=world.b.team, key="visit"))
    return {"visit": visit, "repair": repair, "site": site, "start": start}


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _walk(world: World, query: dict[str, Any]) -> list[Any]:
    """Every page of the list for `query`: the rows and the keys."""
    pages: list[Any] = []
    key = None
    while True:
        response = world.api.get("/v1/jobs", {**query, **({"lastEvaluatedKey": key} if key else {})})
        assert response.status_code == 200, response.json
        pages.append(response.json)
        key = response.json["lastEvaluatedKey"]
        if key is None:
            return pages


def _opened(pages: list[Any]) -> list[Any]:
    """The pages with their keys opened (a key is signed with the time it was made)."""
    return [
        {
            **page,
            "lastEvaluatedKey": page["lastEvaluatedKey"] and verify_cursor(page["lastEvaluatedKey"]),
        }
        for page in pages
    ]


def _queries(made: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"limit": 3},
        {"limit": 4, "sortOrder": "asc"},
        {"limit": 5, "sortBy": "scheduledDate"},
        {"limit": 5, "sortBy": "scheduledDate", "sortOrder": "asc"},
        {"limit": 3, "sortBy": "updatedAt"},
        {"limit": 2, "status": "PENDING"},
        {"limit": 2, "status": "COMPLETED"},  # the same shape, another value
        {"limit": 3, "jobType": "visit"},
        {"limit": 3, "jobType": "repair"},  # a method filter: its value is part of the shape
        {"limit": 3, "jobType": str(made["repair"].pk)},  # by id: another statement, not the key's
        {"limit": 2, "status": "ASSIGNED", "jobType": "visit", "dateFrom": _ms(made["start"])},
        {"limit": 2, "status": "PENDING", "jobType": "visit", "dateFrom": _ms(made["start"] + dt.timedelta(hours=3))},
        {"limit": 3, "dateTo": _ms(made["start"] + dt.timedelta(hours=2))},
        {"limit": 3, "scheduledFrom": "2026-03-02", "scheduledTo": "2026-03-04"},
        {"limit": 3, "siteId": str(made["site"].pk)},
        {"limit": 3, "clientId": str(made["site"].client.pk), "sortOrder": "asc"},
        {"limit": 3, "assignedTo": str(made["site"].team.memberships.first().user.pk)},
    ]


def test_kept_statements_answer_as_the_orm_does(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _jobs(world)
    queries = _queries(made)
    kept = [_walk(world, query) for query in queries]
    # The same requests with the statement built by the ORM every time, in another order so that
    # no statement is first where it was.
    monkeypatch.setattr(JobViewSet.hot_list, "keep", False)
    built = {index: _walk(world, queries[index]) for index in reversed(range(len(queries)))}
    for index, pages in enumerate(kept):
        assert _opened(pages) == _opened(built[index]), queries[index]
    assert any(len(pages) > 2 for pages in kept), "some walks cross several pages (cursors bound)"
    assert sum(len(page["data"]) for page in kept[0]) == 14


def test_a_shape_is_built_once_and_then_bound(world: World, compiles: list[str]) -> None:
    made = _jobs(world)
    first = world.api.get("/v1/jobs", {"limit": 2, "status": "PENDING", "dateFrom": _ms(made["start"])})
    assert len(compiles) == 2, "the first request of a shape builds it twice (with two sets of values)"
    second = world.api.get("/v1/jobs", {"limit": 2, "status": "ASSIGNED", "dateFrom": _ms(made["start"]) + 1})
    assert len(compiles) == 2, "the same shape with other values: bound, not built"
    assert {row["status"] for row in first.data} == {"PENDING"}
    assert {row["status"] for row in second.data} == {"ASSIGNED"}
    key = second.json["lastEvaluatedKey"]
    world.api.get("/v1/jobs", {"limit": 2, "status": "ASSIGNED", "dateFrom": 0, "lastEvaluatedKey": key})
    assert len(compiles) == 4, "with a cursor: another shape"
    world.api.get("/v1/jobs", {"limit": 2, "status": "PENDING", "dateFrom": 0, "lastEvaluatedKey": key})
    assert len(compiles) == 4


def test_a_kept_statement_is_bound_to_the_callers_team(world: World) -> None:
    _jobs(world)
    assert len(world.api.get("/v1/jobs", {"jobType": "visit"}).data) == 7
    from tests.conftest import Api

    theirs = Api(world.b.token).get("/v1/jobs", {"jobType": "visit"}).data
    assert len(theirs) == 1 and Job.objects.get(pk=theirs[0]["id"]).team_id == world.b.team.pk


def test_the_list_is_one_query(world: World) -> None:
    _jobs(world)
    with CaptureQueriesContext(connection) as captured:
        assert len(world.api.get("/v1/jobs", {"status": "ASSIGNED"}).data) == 5
    # Besides the API key's lookup and use (once a second / a minute): the page, its names joined.
    sqls = [q["sql"] for q in captured.captured_queries]
    (page,) = [sql for sql in sqls if not sql.startswith(('SELECT "accounts_apikey"', 'UPDATE "accounts_apikey"'))]
    assert page.count(" JOIN ") == 8  # type, engineer, client, site, asset, project, key, creator


def test_bad_parameters_are_refused_as_before(world: World) -> None:
    for query, path in [
        ({"status": "NOPE"}, "status"),
        ({"dateFrom": "-1"}, "dateFrom"),
        ({"siteId": ""}, "siteId"),
        ({"colour": "red"}, "colour"),
        ({"limit": "0"}, "limit"),
        ({"lastEvaluatedKey": "forged"}, "lastEvaluatedKey"),
    ]:
        response = world.api.get("/v1/jobs", query)
        assert response.status_code == 400 and response.issue_paths == [path], query


# `learn` alone: what it refuses to keep ------------------------------------------------------------
def test_a_value_the_statement_changes_is_not_kept(world: World) -> None:
    # `icontains` wraps the value in `%…%`: the parameter is no longer the slot.
    found = learn({"name": "boil"}, lambda v: Job.objects.filter(notes__icontains=v["name"]).values("id"))
    assert found is statements._UNCACHEABLE


def test_a_value_deciding_the_statements_form_is_not_kept(world: World) -> None:
    def build(values: dict[str, Any]) -> Any:
        name = values["name"]
        return Job.objects.filter(Q(notes=name) if name.endswith("~") else Q(cancel_reason=name)).values("id")

    assert learn({"name": "x"}, build) is statements._UNCACHEABLE


def test_a_plain_comparison_is_kept_and_an_empty_one_remembered(world: World) -> None:
    found = learn({"day": dt.date(2026, 1, 1)}, lambda v: Job.objects.filter(scheduled_date__gte=v["day"]).values("id"))
    assert isinstance(found, statements.Statement)
    assert found.bind({"day": dt.date(2027, 1, 1)}) == [dt.date(2027, 1, 1)]
    assert learn({"n": 1}, lambda v: Job.objects.filter(pk__in=[]).values("id")) is statements._EMPTY


def test_the_cache_drops_the_least_recently_used_shape(world: World) -> None:
    cache = StatementCache(size=2)
    build = lambda v: Job.objects.filter(scheduled_date=v["day"]).values("id")  # noqa: E731
    for shape in ("a", "b", "a", "c"):
        cache.compiled(shape, {"day": dt.date(2026, 1, 1)}, build)
    assert list(cache._shapes) == ["a", "c"]


def test_a_plain_method_filter_is_bound_not_kept_per_value(world: World, compiles: list[str]) -> None:
    from plans.api.filters import MaintenancePlanFilter
    from plans.api.views import MaintenancePlanViewSet
    from tests.plans.factories import make_plan

    MaintenancePlanViewSet.hot_list.statements.clear()
    assert statements._slottable(MaintenancePlanFilter, "nextDueTo")
    assert not statements._slottable(JobViewSet.filterset_class, "jobType")
    make_plan(world.a.team)
    due = [world.api.get("/v1/maintenance-plans", {"nextDueTo": day}).data for day in ("2020-01-01", "2099-01-01")]
    assert (len(due[0]), len(due[1])) == (0, 1)
    assert len(compiles) == 2, "one shape for every date: built once (twice, with two sets of values)"


def test_a_kept_statement_is_prepared_and_planned_once(world: World) -> None:
    """PostgreSQL plans the page's join once per connection (its generic plan), not per request."""
    _jobs(world)
    for status in ("PENDING", "ASSIGNED", "COMPLETED"):
        world.api.get("/v1/jobs", {"status": status})
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['SELECT "jobs_job"."id"%', '%"jobs_job"."status" = $2%'],
        )
        assert cursor.fetchall() == [(3, 0)]


def test_constants_are_written_into_the_statement(world: World) -> None:
    """Planned generically, a constant left as a parameter would hide an expression index (the
    sort's `COALESCE(scheduled_date, <sentinel>)`): constants are literals, only slots are bound."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce

    def build(values: dict[str, Any]) -> Any:
        jobs = Job.objects.filter(team_id=values["team"], notes="100% done").alias(
            day=Coalesce(F("scheduled_date"), Value(dt.date(9999, 12, 31)))
        )
        return jobs.order_by("day").values("id")

    found = learn({"team": world.a.team.pk}, build)
    assert isinstance(found, statements.Statement)
    assert "'9999-12-31'::date" in found.sql and "'100%% done'" in found.sql
    assert found.sql.count("%s") == 1 and found.bind({"team": world.b.team.pk}) == [world.b.team.pk]
    JobFactory(team=world.b.team, notes="100% done")
    from core.api.fast import wire_rows_of

    assert len(wire_rows_of(found.sql, found.bind({"team": world.b.team.pk}))) == 1
