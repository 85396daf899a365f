"""Completing a job with the customer's signature and the photos taken: one transaction, shown everywhere."""

from __future__ import annotations

import base64
import json
from typing import Any

from jobs.models import Job, JobAttachment, JobSignature, JobStatus
from tests.conftest import Api, World
from tests.factories import JobFactory
from tests.jobs.images import image_bytes, signature_png_base64
from tests.jobs.test_attachments import Upload, upload
from tests.webhooks.factories import make_endpoint
from webhooks.models import EventType, WebhookEvent


def in_progress(world: World) -> Job:
    return JobFactory(team=world.a.team, status=JobStatus.IN_PROGRESS, assigned_to=world.a.engineer)


def complete(world: World, job: Job, **fields: Any) -> Any:
    return world.api.post(f"/v1/jobs/{job.pk}/complete", {"resultType": "PARTIAL", **fields})


def test_complete_stores_the_signature_and_marks_the_photos(world: World, anon: Api) -> None:
    job = in_progress(world)
    photo = upload(world.api, job.pk, file=Upload(image_bytes("JPEG"))).data
    signature = {"signerName": "Dana Client", "imagePng": signature_png_base64()}
    response = complete(world, job, signature=signature, attachmentIds=[photo["id"]])
    assert response.status_code == 200, response
    data = response.data
    assert data["signature"]["signerName"] == "Dana Client"
    assert data["signature"]["signedAt"] == data["completedAt"]
    assert [a["atCompletion"] for a in data["attachments"]] == [True]
    downloaded = anon.client.get(data["signature"]["image"]["url"])
    assert downloaded.status_code == 200 and downloaded["Content-Type"] == "image/png"
    assert downloaded.content == base64.b64decode(signature["imagePng"])
    assert world.api.get(f"/v1/jobs/{job.pk}").data["signature"]["signerName"] == "Dana Client"


def test_a_data_url_is_accepted(world: World) -> None:
    job = in_progress(world)
    png = "data:image/png;base64," + signature_png_base64()
    assert complete(world, job, signature={"signerName": "D", "imagePng": png}).status_code == 200


def test_a_bad_signature_refuses_the_completion(world: World) -> None:
    jpeg = base64.b64encode(image_bytes("JPEG")).decode()
    huge = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024)).decode()
    cases = [
        ({"signerName": "D", "imagePng": "not base64!"}, "signature.imagePng"),
        ({"signerName": "D", "imagePng": jpeg}, "signature.imagePng"),
        ({"signerName": "D", "imagePng": huge}, "signature.imagePng"),
        ({"signerName": "   ", "imagePng": signature_png_base64()}, "signature.signerName"),
        ({"imagePng": signature_png_base64()}, "signature.signerName"),
        ({"signerName": "D", "imagePng": signature_png_base64(), "extra": 1}, "signature.extra"),
    ]
    job = in_progress(world)
    for signature, path in cases:
        response = complete(world, job, signature=signature)
        assert response.status_code in (400, 413), (signature, response)
        if response.status_code == 400:
            assert path in response.issue_paths, (path, response.issues)
        job.refresh_from_db()
        assert job.status == JobStatus.IN_PROGRESS
    assert JobSignature.objects.count() == 0


def test_photos_of_another_job_or_team_are_refused(world: World) -> None:
    job, other = in_progress(world), in_progress(world)
    theirs = JobFactory(team=world.b.team)
    mine_elsewhere = upload(world.api, other.pk, file=Upload(image_bytes())).data["id"]
    foreign = upload(Api(world.b.token), theirs.pk, file=Upload(image_bytes())).data["id"]
    response = complete(world, job, attachmentIds=[mine_elsewhere])
    assert response.status_code == 400 and response.issue_paths == ["attachmentIds.0"], response
    response = complete(world, job, attachmentIds=[foreign])
    assert response.status_code == 400 and "attachmentIds" in response.issue_paths[0], response
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS
    assert not JobAttachment.objects.filter(at_completion=True).exists()


def test_the_job_completed_webhook_carries_signature_and_photos(world: World) -> None:
    make_endpoint(world.a, enabled_events=[EventType.JOB_COMPLETED])
    job = in_progress(world)
    upload(world.api, job.pk, file=Upload(image_bytes()))
    complete(world, job, signature={"signerName": "Dana Client", "imagePng": signature_png_base64()})
    body = json.loads(WebhookEvent.objects.get(type=EventType.JOB_COMPLETED).body)
    sent = body["data"]["object"]
    assert sent["signature"]["signerName"] == "Dana Client"
    assert sent["signature"]["image"]["url"].startswith("/v1/job-signatures/")
    assert len(sent["attachments"]) == 1
