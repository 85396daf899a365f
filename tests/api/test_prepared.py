"""`core.prepared.row_by_pk`: a row read through a statement compiled once is the row the ORM reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from accounts.models import Actor
from core.models import for_team
from core.prepared import row_by_pk
from jobs import services
from jobs.attachments import SignatureInput
from jobs.models import Job, JobSignature, JobStatus, ResultType
from tests.conftest import World
from tests.factories import JobFactory
from tests.jobs.images import signature_png_base64

pytestmark = pytest.mark.django_db


def _state(job: Job) -> dict[str, Any]:
    fields = [field.attname for field in Job._meta.concrete_fields]
    signature = getattr(job, "signature", None) if Job.signature.related.is_cached(job) else "not read"
    return {**{name: getattr(job, name) for name in fields}, "team": job.team.name, "type": job.job_type.key,
            "signature": signature if not isinstance(signature, JobSignature) else signature.signer_name}  # fmt: skip


def test_a_row_read_by_a_compiled_statement_is_the_row_the_orm_reads(world: World, monkeypatch: Any) -> None:
    signed = JobFactory(team=world.a.team, status=JobStatus.IN_PROGRESS)
    services.complete_job(
        job=signed, actor=Actor(), result_type=ResultType.SUCCESS, result={"done": True},
        signature=SignatureInput(signer_name="Dana", image_png=signature_png_base64()),
    )  # fmt: skip
    plain = JobFactory(team=world.a.team)

    def shape() -> Any:
        return Job.objects.select_for_update(of=("self",)).select_related("team", "job_type", "signature")

    compiled: list[Any] = []
    monkeypatch.setattr(SQLCompiler, "as_sql", _counting(SQLCompiler.as_sql, compiled))
    with transaction.atomic():
        for job in (signed, plain, signed):
            read = row_by_pk("test.shape", shape, job.pk)
            assert read is not None and _state(read) == _state(shape().get(pk=job.pk))
        assert row_by_pk("test.shape", shape, plain.job_type_id) is None  # no such job
        again = row_by_pk("test.shape", shape, signed.pk)
    assert len(compiled) == 1 + 3  # the shape once; the ORM's own reads for the comparison
    assert again is not None and _state(again)["signature"] == "Dana"


def _counting(as_sql: Any, calls: list[Any]) -> Any:
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(self)
        return as_sql(self, *args, **kwargs)

    return counted


@pytest.mark.django_db(transaction=True)
def test_a_locking_shape_is_refused_outside_a_transaction_as_the_orm_refuses_it(world: World) -> None:
    job = JobFactory(team=world.a.team)
    with transaction.atomic():
        assert row_by_pk("test.lock", lambda: Job.objects.select_for_update(), job.pk) is not None
    with pytest.raises(TransactionManagementError):
        row_by_pk("test.lock", lambda: Job.objects.select_for_update(), job.pk)


def test_a_shape_it_cannot_hold_is_read_through_the_orm(world: World) -> None:
    job = JobFactory(team=world.a.team, notes="Gate code")
    annotated = row_by_pk("test.annotated", lambda: Job.objects.annotate(shown=F("notes")), job.pk)
    assert annotated is not None and annotated.shown == "Gate code"
    assert connection.in_atomic_block  # the test's transaction; nothing above needed one of its own


def test_a_teams_shape_binds_the_team_and_finds_no_other_teams_row(world: World, monkeypatch: Any) -> None:
    ours, theirs = JobFactory(team=world.a.team), JobFactory(team=world.b.team)

    def scoped(team: Any) -> Any:  # as a viewset's `scoped_queryset`
        return for_team(Job.objects.select_related("job_type"), team)

    compiled: list[Any] = []
    monkeypatch.setattr(SQLCompiler, "as_sql", _counting(SQLCompiler.as_sql, compiled))
    found = [row_by_pk("test.team", scoped, job.pk, team=world.a.team) for job in (ours, theirs, ours)]
    assert found[0] is not None and _state(found[0]) == _state(scoped(world.a.team).get(pk=ours.pk))
    assert found[1] is None and found[2] == ours
    read = row_by_pk("test.team", scoped, theirs.pk, team=world.b.team)
    assert read is not None and read.team_id == world.b.team.pk and read.job_type.key == theirs.job_type.key
    # The shape for two stand-in teams; the ORM's own read for the comparison (and the teams `_state` reads).
    assert len([c for c in compiled if c.query.model is Job]) == 2 + 1


def test_a_teams_shape_that_differs_by_more_than_the_team_is_read_through_the_orm(world: World) -> None:
    job = JobFactory(team=world.a.team, notes="Alpha")

    def by_name(team: Any) -> Any:  # depends on the team's name, not only its key
        return for_team(Job.objects.filter(notes=str(team.pk)[:4] if team.name == "" else team.name), team)

    assert row_by_pk("test.by_name", by_name, job.pk, team=world.a.team) == job
    with CaptureQueriesContext(connection) as queries:
        assert row_by_pk("test.by_name", by_name, job.pk, team=world.b.team) is None  # another team: not its row
    assert "Bravo" in queries.captured_queries[0]["sql"]  # built for that team by the ORM
