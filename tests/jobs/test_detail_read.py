"""`GET /v1/jobs/{id}` reads the job as the list does (its row), then its timeline, photos and signature.

The answer must be exactly what `JobDetailSerializer` (the published schema, and what the writes and
webhooks show) makes of the same job, and cost the same few queries however long its history is.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.renderers import EnvelopeJSONRenderer
from jobs.api.serializers import JobDetailSerializer
from jobs.models import Job, JobStatus
from tests.conftest import World
from tests.factories import AssetFactory, JobFactory, ProjectFactory, SiteFactory
from tests.jobs.images import image_bytes, signature_png_base64
from tests.jobs.test_attachments import Upload, upload

pytestmark = pytest.mark.django_db


def without_links(data: Any) -> Any:
    """Signed links are signed from 'now' (and absolute inside a request): compare all else."""
    if isinstance(data, dict):
        signed = "expiresAt" in data
        return {k: without_links(v) for k, v in data.items() if not (signed and k in ("url", "expiresAt"))}
    if isinstance(data, list):
        return [without_links(item) for item in data]
    return data


def as_the_serializer_shows(world: World, job: Job) -> Any:
    """The job through `JobDetailSerializer` and the API's renderer, as the answer's `data`."""
    from jobs import selectors

    loaded = selectors.jobs_for(team=world.a.team).get(pk=job.pk)
    data = JobDetailSerializer(loaded, context={"team": world.a.team}).data
    return json.loads(EnvelopeJSONRenderer().render({"success": True, "data": data}))["data"]


def completed_job_with_everything(world: World) -> Job:
    site = SiteFactory(team=world.a.team)
    asset, project = AssetFactory(team=world.a.team, serial_number=""), ProjectFactory(team=world.a.team)
    payload = {"snake_key": [1, {"x": None}], "blank": ""}
    job = JobFactory(team=world.a.team, status=JobStatus.PENDING, site=site, client=site.client, asset=asset,
                     project=project, payload=payload, notes="", created_by_user=world.a.owner)  # fmt: skip
    api = world.api
    assert api.post(f"/v1/jobs/{job.pk}/assign", {"engineerId": str(world.a.engineer.pk)}).status_code == 200
    assert api.post(f"/v1/jobs/{job.pk}/start", {}).status_code == 200
    photos = [upload(api, job.pk, file=Upload(image_bytes("JPEG"))).data["id"] for _ in range(2)]
    signature = {"signerName": "Dana Client", "imagePng": signature_png_base64()}
    body = {"resultType": "SUCCESS", "result": {"a_b": ""}, "signature": signature, "attachmentIds": photos[:1]}
    done = api.post(f"/v1/jobs/{job.pk}/complete", body)
    assert done.status_code == 200, done
    return job


def test_the_detail_is_what_the_detail_serializer_shows(world: World) -> None:
    job = completed_job_with_everything(world)
    shown = world.api.get(f"/v1/jobs/{job.pk}")
    assert shown.status_code == 200
    assert [e["toStatus"] for e in shown.data["events"]] == ["PENDING", "ASSIGNED", "IN_PROGRESS", "COMPLETED"][
        -len(shown.data["events"]) :
    ]
    assert len(shown.data["attachments"]) == 2 and shown.data["signature"]["signerName"] == "Dana Client"
    assert without_links(shown.data) == without_links(as_the_serializer_shows(world, job))
    # The links work: absolute, signed, for this photo and this signature.
    for link in (shown.data["attachments"][0]["file"], shown.data["signature"]["image"]):
        assert link["url"].startswith("http") and world.api.client.get(link["url"]).status_code == 200


def test_a_bare_job_is_what_the_detail_serializer_shows(world: World) -> None:
    job = JobFactory(team=world.a.team)
    shown = world.api.get(f"/v1/jobs/{job.pk}")
    assert shown.status_code == 200
    assert shown.data["events"] == [] and shown.data["attachments"] == [] and shown.data["signature"] is None
    assert shown.data == as_the_serializer_shows(world, job)


def test_the_detail_costs_the_same_queries_however_long_its_history(world: World) -> None:
    bare = JobFactory(team=world.a.team)
    full = completed_job_with_everything(world)
    world.api.get(f"/v1/jobs/{bare.pk}")  # the key lookup is cached after the first request
    counts = []
    for path in ("/v1/jobs", f"/v1/jobs/{bare.pk}", f"/v1/jobs/{full.pk}"):
        with CaptureQueriesContext(connection) as captured:
            assert world.api.get(path).status_code == 200
        counts.append(len(captured.captured_queries))
    listed, bare_count, full_count = counts
    # The list's two (the rows, their related names; the signature joined) and two more: timeline, photos.
    assert bare_count == full_count == listed + 2, counts


def test_another_teams_job_and_a_malformed_id_are_not_found(world: World) -> None:
    theirs = JobFactory(team=world.b.team)
    assert world.api.get(f"/v1/jobs/{theirs.pk}").status_code == 404
    assert world.api.get("/v1/jobs/00000000-0000-0000-0000-000000000000").status_code == 404
