"""What a job write reads back for its event and its answer, and what it knows without reading.

A write shows its job as `GET /v1/jobs/{id}` does (`tests/jobs/test_write_answers.py` compares the
two); these tests hold how little it reads to do so: the related names of the job, its timeline and
its photos in one query (`core.related.load_related`), a new job's details from the rows in hand.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.serializers import ModelSerializer

from accounts.models import Actor, APIKey, User
from core.related import load_related, rows_pointing_at
from jobs import selectors, services
from jobs.api.serializers import JobAttachmentSerializer, JobDetailSerializer, JobEventSerializer, JobSerializer
from jobs.creation import NewJob, create_jobs_bulk
from jobs.models import Job, JobAttachment, JobEvent
from plans.models import PlanOccurrence
from projects.models import Client
from tests.conftest import World
from tests.factories import AssetFactory, ClientFactory, JobTypeFactory, ProjectFactory, SiteFactory
from tests.jobs.images import image_bytes
from tests.jobs.test_write_answers import assert_answers_as_read, comparable
from tests.webhooks.factories import make_endpoint
from webhooks.models import WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def _related(world: World) -> dict[str, Any]:
    team = world.a.team
    client = ClientFactory(team=team)
    site = SiteFactory(team=team, client=client)
    return {
        "clientId": str(client.pk),
        "siteId": str(site.pk),
        "assetId": str(AssetFactory(team=team, site=site).pk),
        "projectId": str(ProjectFactory(team=team, client=client).pk),
    }


def test_a_job_with_every_relation_answers_as_read_through_its_life(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    created = world.api.post("/v1/jobs", {"jobType": "visit", **_related(world)})
    assert_answers_as_read(world, created)
    assert created.data["asset"]["serialNumber"] and created.data["project"]["status"]
    job_id = created.data["id"]
    for path, body in (("assign", {"engineerId": str(world.a.engineer.pk)}), ("start", {})):
        assert_answers_as_read(world, world.api.post(f"/v1/jobs/{job_id}/{path}", body))
    done = world.api.post(f"/v1/jobs/{job_id}/complete", {"resultType": "SUCCESS"})
    assert_answers_as_read(world, done)
    assert [entry["toStatus"] for entry in done.data["events"]] == ["PENDING", "ASSIGNED", "IN_PROGRESS", "COMPLETED"]
    assert comparable(_recorded(job_id, "job.completed")) == comparable(done.data)


def _recorded(job_id: Any, event_type: str) -> Any:
    """The object the job's `event_type` event recorded."""
    return json.loads(WebhookEvent.objects.get(object_id=job_id, type=event_type).body)["data"]["object"]


def _job_with_everything(world: World) -> Job:
    """A job of team a with every relation, a timeline by a person and by a key, and a photo."""
    team = world.a.team
    client = ClientFactory(team=team)
    site = SiteFactory(team=team, client=client)
    job = services.create_job(
        team=team, actor=Actor(user=world.a.owner), job_type=JobTypeFactory(team=team), client=client, site=site,
        asset=AssetFactory(team=team, site=site), project=ProjectFactory(team=team, client=client),
    )  # fmt: skip
    key = APIKey.objects.get(team=team, name="full")
    services.assign_job(job=job, actor=Actor(user=None, api_key=key), engineer=world.a.engineer)
    services.add_attachment(job=job, actor=Actor(user=world.a.dispatcher), content=image_bytes("PNG"))
    return job


def test_the_details_of_a_written_job_take_four_queries_however_many_relations(world: World) -> None:
    job = Job.objects.get(pk=_job_with_everything(world).pk)  # a bare row, as a transition locks it
    with CaptureQueriesContext(connection) as queries:
        selectors.with_details([job])
    # the timeline, the photos, every related name (the job's, the timeline's and the photos' actors),
    # the signature
    assert len(queries.captured_queries) == 4, [q["sql"][:80] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as none:
        names = (
            job.job_type.key, job.assigned_to.full_name, job.created_by_user.email, job.client.name, job.site.name,
            job.asset.serial_number, job.project.status,
        )  # fmt: skip
        actors = [(event.actor_user, event.actor_key) for event in job.events.all()]
        uploaders = [photo.uploaded_by_user.full_name for photo in job.attachments.all()]
    assert not none.captured_queries and all(names)
    assert [(user and user.email, key and key.name) for user, key in actors] == [
        (world.a.owner.email, None), (None, "full"),
    ]  # fmt: skip
    assert uploaders == [world.a.dispatcher.full_name]
    assert not hasattr(job, "signature") or job.signature is None


def test_a_related_row_read_for_its_name_loads_its_other_columns_on_access(world: World) -> None:
    job = Job.objects.get(pk=_job_with_everything(world).pk)
    selectors.with_details([job])
    assert "email" in job.client.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert job.client.email == Client.objects.get(pk=job.client_id).email
    assert len(queries.captured_queries) == 2  # the deferred column, then the test's own read


def test_a_new_job_is_shown_from_the_rows_in_hand(world: World) -> None:
    team = world.a.team
    new = NewJob(team=team, job_type=JobTypeFactory(team=team), engineer=world.a.engineer)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        (job,) = create_jobs_bulk(actor=Actor(user=world.a.owner), jobs=[new])
    statements = [q["sql"] for q in queries.captured_queries]
    written = statements[[sql.split()[0] for sql in statements].index("INSERT") :]
    read_back = [sql for sql in written if sql.startswith("SELECT") and "webhooks_webhookendpoint" not in sql]
    assert not read_back, read_back  # only the team's webhook endpoints are read once the job is written
    created, assigned = _recorded(job.pk, "job.created"), _recorded(job.pk, "job.assigned")
    assert [entry["toStatus"] for entry in created["events"]] == ["PENDING"]
    assert created["attachments"] == [] and created["signature"] is None
    read = world.api.get(f"/v1/jobs/{job.pk}")
    assert comparable(assigned) == comparable(read.data)
    assert [entry["toStatus"] for entry in assigned["events"]] == ["PENDING", "ASSIGNED"]


def test_load_related_reads_every_relation_in_one_query_and_skips_what_it_need_not(world: World) -> None:
    events = list(JobEvent.objects.filter(job=_job_with_everything(world)))  # by a person, then by a key
    by_other, by_nobody_found = (JobEvent(job_id=events[0].job_id, to_status="PENDING") for _ in range(2))
    by_other.actor_user_id = world.b.owner.pk
    by_nobody_found.actor_user_id = uuid.uuid4()  # no such row: cached as None, as a prefetch leaves it
    already = JobEvent(job_id=events[0].job_id, to_status="PENDING", actor_user=world.a.engineer)
    with CaptureQueriesContext(connection) as queries:
        load_related(
            [([*events, by_other, by_nobody_found, already], "actor_user"), (events, "actor_key")],
            {User: ("full_name",), APIKey: ("name",)},
        )
    assert len(queries.captured_queries) == 1
    with CaptureQueriesContext(connection) as none:
        assert [event.actor_user is None for event in events] == [False, True]
        assert [event.actor_key is None for event in events] == [True, False]
        assert by_other.actor_user.full_name == world.b.owner.full_name
        assert by_nobody_found.actor_user is None and already.actor_user == world.a.engineer
    assert not none.captured_queries
    with pytest.raises(TypeError, match="not a text column"):
        load_related([(events, "actor_user")], {User: ("is_active",)})
    with pytest.raises(LookupError, match="No columns"):
        load_related([([by_other], "job")], {User: ("full_name",)})


@pytest.mark.parametrize(
    "serializer_class", [JobDetailSerializer, JobSerializer, JobEventSerializer, JobAttachmentSerializer]
)
def test_serializers_built_once_show_what_a_build_per_object_shows(world: World, serializer_class: Any) -> None:
    job = Job.objects.get(pk=_job_with_everything(world).pk)
    selectors.with_details([job])
    shown = {JobEventSerializer: job.events.all(), JobAttachmentSerializer: job.attachments.all()}
    objs = list(shown.get(serializer_class, [job]))
    built_per_object = type("PerObject", (serializer_class,), {"get_fields": ModelSerializer.get_fields})
    for _ in range(2):  # the first use builds the fields, the second copies them
        for obj in objs:
            assert unsigned(serializer_class(obj).data) == unsigned(built_per_object(obj).data)
    assert "_fields_built_once" in vars(serializer_class)


def unsigned(data: Any) -> Any:
    """Serializer output with each signed link's expiry and signature dropped (both vary with time)."""
    if isinstance(data, dict):
        return {k: urlsplit(v).path if k == "url" else unsigned(v) for k, v in data.items() if k != "expires_at"}
    if isinstance(data, list):
        return [unsigned(item) for item in data]
    return data


def test_rows_pointing_at_reads_what_the_orm_reads(world: World) -> None:
    jobs = [_job_with_everything(world), _job_with_everything(world)]
    for model in (JobEvent, JobAttachment):
        with CaptureQueriesContext(connection) as queries:
            rows = rows_pointing_at(model, "job", [job.pk for job in jobs])
        assert len(queries.captured_queries) == 1
        expected = list(model.objects.filter(job__in=jobs))
        assert [row.pk for row in rows] == [row.pk for row in expected] and len(rows) >= 2
        fields = [field.attname for field in model._meta.concrete_fields]
        assert [[getattr(r, f) for f in fields] for r in rows] == [[getattr(r, f) for f in fields] for r in expected]
        assert not any(row.get_deferred_fields() for row in rows) and not any(row._state.adding for row in rows)
    for url in ("https://hooks.example.com/a", "https://hooks.example.com/b"):
        make_endpoint(world.a, url=url)
    endpoints = rows_pointing_at(WebhookEndpoint, "team", [world.a.team.pk])
    assert endpoints == list(WebhookEndpoint.objects.filter(team=world.a.team)) and len(endpoints) == 2  # newest first
    assert [e.enabled_events for e in endpoints] == [["*"], ["*"]]  # a JSON column, loaded as the ORM loads it
    assert rows_pointing_at(JobEvent, "job", []) == []
    with pytest.raises(TypeError, match="not a foreign key"):
        rows_pointing_at(JobEvent, "note", [jobs[0].pk])
    with pytest.raises(TypeError, match="ordered by 'plan'"):  # the ORM would order by the plans' own ordering
        rows_pointing_at(PlanOccurrence, "job", [jobs[0].pk])
