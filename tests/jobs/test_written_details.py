"""What a job write reads back for its event and its answer, and what it knows without reading.

A write shows its job as `GET /v1/jobs/{id}` builds it (`jobs.api.detail.written_jobs`;
`tests/jobs/test_write_answers.py` compares the two); these tests hold how little it reads to do so
(the detail's three kept statements; a new job's row alone, its timeline in hand), and that what it
shows is, byte for byte, what `JobDetailSerializer` showed of the instance the write holds.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.serializers import ModelSerializer

from accounts.models import Actor, APIKey
from core.api.renderers import EnvelopeJSONRenderer
from core.related import rows_pointing_at
from core.wire import dumps, iso_datetime, to_wire
from jobs import attachments, selectors, services
from jobs.api.detail import written_jobs
from jobs.api.serializers import JobAttachmentSerializer, JobDetailSerializer, JobEventSerializer, JobSerializer
from jobs.attachments import SignatureInput
from jobs.creation import NewJob, create_jobs_bulk
from jobs.models import Job, JobAttachment, JobEvent, ResultType
from plans.models import PlanOccurrence
from tests.conftest import World
from tests.factories import AssetFactory, ClientFactory, JobTypeFactory, ProjectFactory, SiteFactory
from tests.jobs.images import image_bytes, signature_png_base64
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


def test_the_details_of_a_written_job_take_three_statements_however_many_relations(world: World) -> None:
    job = Job.objects.get(pk=_job_with_everything(world).pk)  # a bare row, as a transition locks it
    written_jobs(team=world.a.team, objs=[job])  # the statements are kept once learnt
    with CaptureQueriesContext(connection) as queries:
        shown = written_jobs(team=world.a.team, objs=[job])[job.pk]
    # the job with every name it shows and its signature joined, its timeline, its photos (who acted joined)
    assert len(queries.captured_queries) == 3, [q["sql"][:80] for q in queries.captured_queries]
    assert [(e["actor"]["type"], e["actor"]["name"]) for e in shown["events"]] == [
        ("user", world.a.owner.full_name), ("apiKey", "full"),
    ]  # fmt: skip
    assert [p["uploaded_by"]["name"] for p in shown["attachments"]] == [world.a.dispatcher.full_name]
    assert shown["signature"] is None and shown["client"]["name"] and shown["asset"]["serialNumber"]


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


FIXED_NOW = dt.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=dt.UTC)


@pytest.fixture
def fixed_links(monkeypatch: Any) -> None:
    """Signed links as of one moment, with one token: shown twice, a representation is the same bytes."""
    monkeypatch.setattr(attachments, "timezone", SimpleNamespace(now=lambda: FIXED_NOW))
    monkeypatch.setattr(attachments, "file_token", lambda owner_id, stored_name: f"token-{stored_name}")


def _as_the_serializer_showed(job: Job) -> Any:
    """`job` (as a write holds it) as `JobDetailSerializer` shows it, on the wire: the written
    representation as it was built before it was built as the detail endpoint builds it."""
    loaded = selectors.jobs_for(team=job.team).get(pk=job.pk)
    loaded.payload, loaded.result = job.payload, job.result  # the write's documents, as it holds them
    return to_wire(JobDetailSerializer(loaded, context={"team": job.team}).data)


def _body(event: WebhookEvent, shown: Any) -> str:
    """The event's body as `webhooks.services` writes it, with `shown` for its object."""
    body = {"id": event.pk, "type": event.type, "createdAt": iso_datetime(event.created_at),
            "teamId": str(event.team_id), "data": {"object": shown}}  # fmt: skip
    return dumps(body).decode()


def test_a_written_job_is_the_same_bytes_as_its_serializer_showed(world: World, fixed_links: None) -> None:
    """The webhook body byte for byte as before: a job with a timeline by a person and by a key,
    photos, a signature, and documents whose keys are not in the order the database keeps them
    (`jsonb` orders them by length)."""
    team = world.a.team
    payload = {"zeta_key": [1, 2.5, {"y": None, "b": ""}], "a": "", "nested": {"long_key": 1, "k": True}}
    job = services.create_job(team=team, actor=Actor(user=world.a.owner), job_type=JobTypeFactory(team=team),
                              payload=payload)  # fmt: skip
    created = WebhookEvent.objects.get(object_id=job.pk, type="job.created")
    assert created.body == _body(created, _as_the_serializer_showed(job))
    key = APIKey.objects.get(team=team, name="full")
    services.assign_job(job=job, actor=Actor(user=None, api_key=key), engineer=world.a.engineer)
    photo = services.add_attachment(job=job, actor=Actor(user=world.a.dispatcher), content=image_bytes("PNG"))
    started = services.start_job(job=Job.objects.get(pk=job.pk), actor=Actor(user=world.a.engineer))
    signature = SignatureInput(signer_name="Dana", image_png=signature_png_base64())
    with transaction.atomic():
        done = services.complete_job(
            job=started, actor=Actor(user=world.a.engineer), result_type=ResultType.SUCCESS,
            result={"zz_top": 1, "a": [""]}, signature=signature, attachments=[photo],
        )  # fmt: skip
        before = _as_the_serializer_showed(done)
    completed = WebhookEvent.objects.get(object_id=job.pk, type="job.completed")
    assert completed.body == _body(completed, before)
    shown = json.loads(completed.body)["data"]["object"]
    # The documents as the writes held them: the payload as sent when created, as read when locked.
    assert list(json.loads(created.body)["data"]["object"]["payload"]) == list(payload)
    assert list(shown["payload"]) == ["a", "nested", "zeta_key"] and list(shown["result"]) == ["zz_top", "a"]
    assert shown["signature"]["signerName"] == "Dana" and shown["attachments"][0]["atCompletion"] is True
    assert [e["actor"]["type"] for e in shown["events"]] == ["user", "apiKey", "user", "user"]


def test_a_writes_answer_has_the_keys_the_serializer_showed_in_its_order(world: World, fixed_links: None) -> None:
    """MCP relays a write's answer as compact JSON of the decoded body: the same keys, in the same order."""
    world.api.post("/v1/job-types", {"key": "visit", "name": "Visit"})
    payload = {"zeta_key": 1, "a": {"long": 1, "b": 2}}
    answer = world.api.post("/v1/jobs", {"jobType": "visit", "payload": payload})
    job = Job.objects.get(pk=answer.data["id"])
    job.payload = payload  # as the write held it
    shown = {"success": True, "data": _as_the_serializer_showed(job)}
    expected = json.loads(EnvelopeJSONRenderer().render(shown))["data"]
    assert json.dumps(comparable(answer.data)) == json.dumps(comparable(expected))


@pytest.mark.parametrize(
    "serializer_class", [JobDetailSerializer, JobSerializer, JobEventSerializer, JobAttachmentSerializer]
)
def test_serializers_built_once_show_what_a_build_per_object_shows(world: World, serializer_class: Any) -> None:
    job = selectors.jobs_for(team=world.a.team).get(pk=_job_with_everything(world).pk)
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
    assert rows_pointing_at(PlanOccurrence, "job", [jobs[0].pk], ordered=False) == []  # in no order: a key's row
