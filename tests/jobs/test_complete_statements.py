"""What `POST /v1/jobs/{id}/complete` sends to the database, pinned (issue 21: a transition's cost is
its round trips): the job is read once, locked, with its type joined, and the result is checked
against that type inside the transaction; another team's job is still a 404 before any check."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.models import Job, JobEvent, JobStatus
from tests.conftest import World
from tests.factories import JobTypeFactory
from tests.flows.factories import job_ready_to_complete
from tests.jobs.test_endpoints import RESULT_SCHEMA, job_in

pytestmark = pytest.mark.django_db


def _statements(world: World, job: Job, body: dict[str, Any]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = world.api.post(f"/v1/jobs/{job.pk}/complete", body)
    assert response.status_code == 200, response
    return [query["sql"] for query in queries.captured_queries]


def test_a_completion_reads_its_job_once_with_its_type(world: World) -> None:
    first = job_ready_to_complete(world.a)  # a type with two documents (flows), a client, a site, an asset
    _statements(world, first, {"resultType": "SUCCESS"})  # kept statements learnt
    fields = {name: getattr(first, name) for name in ("job_type", "client", "site", "asset")}
    sent = _statements(world, job_in(world.a, JobStatus.IN_PROGRESS, **fields), {"resultType": "SUCCESS"})
    reads_of_the_job = [sql for sql in sent if sql.startswith("SELECT") and 'FROM "jobs_job"' in sql]
    assert len(reads_of_the_job) == 1, reads_of_the_job  # the lock, with its type and the rows it shows joined
    assert reads_of_the_job[0].endswith('FOR UPDATE OF "jobs_job"') and '"jobs_jobtype"' in reads_of_the_job[0]
    assert not [sql for sql in sent if 'FROM "jobs_jobtype"' in sql], "the type comes joined to the lock"
    # Beside the test's savepoint and the API key's lookup (a worker caches it): the lock; the job's
    # UPDATE and its history row; the webhook endpoints, the timeline and photos, the event; the flow
    # templates and the documents with their tasks (one INSERT); the plan's occurrence.
    own = [sql for sql in sent if not sql.startswith(("SAVEPOINT", "RELEASE", 'SELECT "accounts_apikey"."id"'))]
    assert len(own) == 10, [sql[:80] for sql in own]


def _schema_type(team: Any) -> Any:
    return JobTypeFactory(team=team, result_schema=RESULT_SCHEMA)


def test_the_result_is_checked_against_the_type_read_with_the_lock(world: World) -> None:
    job = job_in(world.a, JobStatus.IN_PROGRESS, job_type=_schema_type(world.a.team))
    refused = world.api.post(f"/v1/jobs/{job.pk}/complete", {"resultType": "PARTIAL", "result": {"fault_code": "x"}})
    assert refused.status_code == 400 and refused.issue_paths == ["result.fault_code"]
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and not JobEvent.objects.filter(job=job, to_status="COMPLETED")


@pytest.mark.parametrize("whose", ["another team's", "no one's"])
def test_a_job_not_of_the_team_is_404_before_its_result_is_checked(world: World, whose: str) -> None:
    theirs = job_in(world.b, JobStatus.IN_PROGRESS, job_type=_schema_type(world.b.team))
    pk = theirs.pk if whose == "another team's" else "00000000-0000-4000-8000-000000000000"
    for path, body in (
        ("complete", {"resultType": "PARTIAL", "result": {"fault_code": "x"}}),  # would be a 400 on their type
        ("complete", {"resultType": "SUCCESS"}),
        ("start", {}),
        ("cancel", {}),
        ("reschedule", {"scheduledDate": "2026-03-15"}),
    ):
        response = world.api.post(f"/v1/jobs/{pk}/{path}", body)
        assert response.status_code == 404 and response.json["error"]["name"] == "NotFoundError", (path, response)
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.IN_PROGRESS and theirs.scheduled_date is None
