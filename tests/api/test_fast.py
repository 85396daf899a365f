"""`core.api.fast`: rows fetched as the wire wants them, and related summaries in one query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.fast import Summary, iso_date, iso_datetime, summaries, wire_rows
from jobs.models import Job, JobType
from projects.models import Client
from tests.conftest import World
from tests.factories import ClientFactory, JobFactory

pytestmark = pytest.mark.django_db

MOMENTS = [
    dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),  # a whole second: PostgreSQL prints no fraction
    dt.datetime(2026, 1, 2, 3, 4, 5, 60000, tzinfo=dt.UTC),  # prints ".06"
    dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 1, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_wire_rows_send_what_the_orm_rows_would(world: World, moment: dt.datetime) -> None:
    payload: dict[str, Any] = {"a": [1, "x", None, 2.5], "ü": {"nested": True}}
    job = JobFactory(
        team=world.a.team, created_at=moment, scheduled_date=dt.date(2026, 2, 28), payload=payload, result=None
    )
    columns = ("id", "job_type_id", "created_at", "completed_at", "scheduled_date", "payload", "result", "notes")
    queryset = Job.objects.filter(pk=job.pk).values(*columns)
    (wire,) = wire_rows(queryset)
    (orm,) = list(queryset)
    assert wire["id"] == str(orm["id"]) and wire["job_type_id"] == str(orm["job_type_id"])
    assert wire["created_at"] == iso_datetime(orm["created_at"]) == iso_datetime(moment)
    assert wire["completed_at"] is None and orm["completed_at"] is None
    assert wire["scheduled_date"] == iso_date(orm["scheduled_date"]) == "2026-02-28"
    assert orjson.loads(orjson.dumps(wire["payload"])) == payload == orm["payload"]
    assert wire["result"] is None
    assert wire["notes"] == orm["notes"]


def test_wire_rows_of_nothing(world: World) -> None:
    assert wire_rows(Job.objects.filter(pk__in=[]).values("id")) == []
    assert wire_rows(Job.objects.filter(team=world.a.team).values("id")) == []


def test_summaries_fetch_every_relation_in_one_query(world: World) -> None:
    clients = ClientFactory.create_batch(3, team=world.a.team)
    job_type = JobFactory(team=world.a.team).job_type
    with CaptureQueriesContext(connection) as captured:
        found = summaries(
            Summary("client", Client, {str(c.pk) for c in clients}, ("name",)),
            Summary("type", JobType, {job_type.pk}, ("key", "name")),
            Summary("nothing", Client, set(), ("name",)),
        )
    assert len(captured) == 1
    assert found["client"] == {str(c.pk): (c.name,) for c in clients}
    assert found["type"] == {str(job_type.pk): (job_type.key, job_type.name)}
    assert found["nothing"] == {}
    with CaptureQueriesContext(connection) as captured:
        assert summaries(Summary("nothing", Client, set(), ("name",))) == {"nothing": {}}
    assert len(captured) == 0
