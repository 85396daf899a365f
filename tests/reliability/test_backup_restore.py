"""The backup procedure of docs/operations.md, run for real: pg_dump, pg_restore into a fresh database, counts equal."""

from __future__ import annotations

import io
import random

import pytest
from django.db import connection

from core.demo import DemoContext, seed_team
from reliability.backup import backup_and_restore, table_counts
from tests.conftest import Api, World
from tests.factories import JobTypeFactory


def database_url() -> str:
    settings = connection.settings_dict
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_round_trip_keeps_every_row(world: World) -> None:
    seed_team(DemoContext(team=world.a.team, jobs=12, rng=random.Random(3), out=io.StringIO()))
    JobTypeFactory(team=world.a.team, key="visit")
    assert (
        Api(world.a.token).post("/v1/jobs", {"jobType": "visit"}, headers={"Idempotency-Key": "k"}).status_code == 201
    )
    source = database_url()
    counts = table_counts(source)
    assert sum(1 for rows in counts.values() if rows) >= 20, "most tables hold rows"

    trip = backup_and_restore(source, f"{connection.settings_dict['NAME']}_restore")

    assert trip.ok, trip.mismatches
    assert trip.tables == len(counts) and trip.rows == sum(counts.values())
