"""`core.prepared`: a row read through a statement compiled once is the row the ORM reads (`row_by_pk`),
and new rows written through one kept statement are the rows `bulk_create` writes (`insert_new`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.models import Actor
from core.models import IdempotencyRecord, for_team
from core.prepared import MAX_BOUND_VALUES, _insert_fields, insert_new, row_by_pk
from flows.models import Flow, FlowGroup
from jobs import services
from jobs.attachments import SignatureInput
from jobs.models import Job, JobEvent, JobSignature, JobStatus, ResultType
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


def _columns(row: Any) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields if f.attname != "id"}


def test_new_rows_are_written_together_as_bulk_create_writes_them(world: World, monkeypatch: Any) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.COMPLETED)

    def new_rows() -> tuple[FlowGroup, list[Flow], list[DBTaskResult]]:
        group = FlowGroup(team_id=job.team_id, job=job, job_completed_at=job.created_at)
        flows = [Flow(team_id=job.team_id, group=group, kind="REPORT", name=name) for name in ("a", "b")]
        tasks: list[DBTaskResult] = [
            DBTaskResult(task_path="flows.tasks.process_flow_task", args_kwargs=[f.name], run_after=get_date_max())
            for f in flows
        ]
        return group, flows, tasks

    compiled: list[Any] = []
    monkeypatch.setattr(SQLInsertCompiler, "as_sql", _counting(SQLInsertCompiler.as_sql, compiled))
    with CaptureQueriesContext(connection) as queries:
        group, flows, tasks = new_rows()
        insert_new(flows, [group], tasks)  # the flows point at a group written after them: checked at commit
    assert len(queries.captured_queries) == 1 and not compiled
    assert not group._state.adding and all(not row._state.adding for row in (*flows, *tasks))
    written = [FlowGroup.objects.get(pk=group.pk), *Flow.objects.filter(group=group).order_by("name")]
    written += list(DBTaskResult.objects.filter(pk__in=[t.pk for t in tasks]).order_by("args_kwargs"))
    FlowGroup.objects.filter(pk=group.pk).delete()  # its twin below is the job's one group
    twin_group, twin_flows, twin_tasks = new_rows()
    for model, rows in ((FlowGroup, [twin_group]), (Flow, twin_flows), (DBTaskResult, twin_tasks)):
        model.objects.bulk_create(rows)
    twins = [FlowGroup.objects.get(pk=twin_group.pk), *Flow.objects.filter(group=twin_group).order_by("name")]
    twins += list(DBTaskResult.objects.filter(pk__in=[t.pk for t in twin_tasks]).order_by("args_kwargs"))
    stamps = ("created_at", "updated_at", "enqueued_at", "group_id", "run_after")
    same = [{k: v for k, v in _columns(r).items() if k not in stamps} for r in written]
    assert same == [{k: v for k, v in _columns(r).items() if k not in stamps} for r in twins]


def test_a_row_the_database_numbers_is_written_by_bulk_create(world: World) -> None:
    record = IdempotencyRecord(credential_id="c", key="k", request_hash="h", path="/v1/jobs")
    insert_new([record])
    assert record.pk is not None and IdempotencyRecord.objects.get(pk=record.pk).key == "k"


def test_fields_saved_through_a_kept_update_are_what_save_writes(world: World, monkeypatch: Any) -> None:
    kept, saved = (JobFactory(team=world.a.team, status=JobStatus.IN_PROGRESS, notes="x") for _ in range(2))
    compiled: list[Any] = []
    for job, write in ((kept, "kept"), (saved, "save")):
        job.status, job.result_type, job.result, job.notes = (
            JobStatus.COMPLETED,
            ResultType.PARTIAL,
            None,
            "it's {done}",
        )
        job.completed_at = job.created_at
        if write == "kept":
            monkeypatch.setattr(SQLCompiler, "as_sql", _counting(SQLCompiler.as_sql, compiled))
            with CaptureQueriesContext(connection) as queries:
                job.save_fields(["status", "result_type", "result", "notes", "completed_at"])
                job.save_fields(["status", "notes"])  # another shape: its own statement
            monkeypatch.undo()
        else:
            job.save(update_fields=["status", "result_type", "result", "notes", "completed_at"])
    assert len(queries.captured_queries) == 2 and not compiled
    assert kept.updated_at > kept.created_at and not kept._state.adding
    read_kept, read_saved = Job.objects.get(pk=kept.pk), Job.objects.get(pk=saved.pk)
    relative = {"id", "updated_at", "created_at", "completed_at", "job_type_id"}  # each job's own
    assert {k: v for k, v in _columns(read_kept).items() if k not in relative} == {
        k: v for k, v in _columns(read_saved).items() if k not in relative
    }
    assert [job.completed_at == job.created_at for job in (read_kept, read_saved)] == [True, True]
    assert read_kept.result is None and read_kept.notes == "it's {done}" and read_kept.updated_at == kept.updated_at
    Job.objects.filter(pk=kept.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        kept.save_fields(["status"])


def test_a_model_whose_saves_are_listened_to_is_saved_by_save(world: World) -> None:
    job = JobFactory(team=world.a.team)
    heard: list[Any] = []

    def listen(sender: Any, instance: Any, update_fields: Any, **kwargs: Any) -> None:
        heard.append(set(update_fields))

    post_save.connect(listen, sender=Job)
    try:
        job.notes = "heard"
        job.save_fields(["notes"])
    finally:
        post_save.disconnect(listen, sender=Job)
    assert heard == [{"notes", "updated_at"}] and Job.objects.get(pk=job.pk).notes == "heard"


def test_a_row_by_key_is_read_through_a_statement_postgresql_plans_once(world: World) -> None:
    job = JobFactory(team=world.a.team)

    def shape() -> Any:
        return Job.objects.select_related("job_type", "client", "site", "asset", "project", "assigned_to")

    with CaptureQueriesContext(connection) as queries:
        for _ in range(8):  # psycopg prepares a statement bound on the server once it has run a few times
            read = row_by_pk("test.planned_once", shape, job.pk)
            assert read is not None and read.job_type.key == job.job_type.key
    logged = [query["sql"] for query in queries.captured_queries]
    assert len(logged) == 8 and all(sql and sql.startswith('SELECT "jobs_job"') for sql in logged), logged
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        runs = [row[1] for row in cursor.fetchall() if row[0].startswith('SELECT "jobs_job"') and "_client" in row[0]]
    assert runs and runs[0] >= 3, runs


def _prepared_writes() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return {statement: runs for statement, runs in cursor.fetchall() if statement.startswith("WITH")}


def test_a_kept_write_of_many_values_is_parsed_once_and_planned_once(world: World, monkeypatch: Any) -> None:
    """psycopg keeps its `%s` → `$n` conversion only for statements of at most 50 values; a completion's
    documents and their tasks are over a hundred. The held cursor keeps it for its statements, and
    sends them bound on the server (prepared): parsed once, planned once."""
    import psycopg._queries

    jobs = JobFactory.create_batch(2, team=world.a.team, status=JobStatus.COMPLETED)
    parsed: list[bytes] = []
    split = psycopg._queries._split_query

    def counted(query: bytes, *args: Any, **kwargs: Any) -> Any:
        parsed.append(query)
        return split(query, *args, **kwargs)

    monkeypatch.setattr(psycopg._queries, "_split_query", counted)
    before = _prepared_writes()
    for job in jobs:
        group = FlowGroup(team_id=job.team_id, job=job, job_completed_at=job.created_at)
        flows = [Flow(team_id=job.team_id, group=group, kind="REPORT", name=f"doc {i}") for i in range(4)]
        insert_new([group], flows)
        assert len(Flow.objects.filter(group=group)) == 4
    assert len(_insert_fields(Flow)) * 4 > 50  # psycopg itself would parse this statement on every run
    writes = [query for query in parsed if query.startswith(b"WITH")]
    assert len(writes) <= 1, writes  # the second write reused the first's conversion (or an earlier test's)
    runs = {statement: count - before.get(statement, 0) for statement, count in _prepared_writes().items()}
    assert 2 in runs.values(), runs  # one prepared statement ran both


def test_a_kept_write_of_more_values_than_postgresql_binds_is_written(world: World) -> None:
    """Bound on the server, a statement takes at most 65,535 values (PostgreSQL's protocol); a bulk write
    of more goes through Django's cursor, which writes them into the statement's text, as before."""
    job = JobFactory(team=world.a.team)
    count = 66_000 // len(_insert_fields(JobEvent)) + 1
    events = [JobEvent(job=job, to_status=JobStatus.PENDING, at=job.created_at, note=f"{i}") for i in range(count)]
    assert len(_insert_fields(JobEvent)) * count > MAX_BOUND_VALUES
    insert_new(events)
    assert JobEvent.objects.filter(job=job).count() == count
