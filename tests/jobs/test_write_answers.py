"""A write answers with the job exactly as a read right after it shows it.

The answer reuses the representation the write's event recorded (`core.registry.read_written`)
instead of reading the job again; these tests hold the two to the same shape and values.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from jobs.models import JobStatus
from tests.conftest import World
from tests.factories import JobFactory
from tests.jobs.images import image_bytes, signature_png_base64
from tests.jobs.test_attachments import Upload, upload
from webhooks.models import WebhookEvent


def comparable(data: Any) -> Any:
    """`data` with each signed link reduced to its path and expiry dropped (both vary with time)."""
    if isinstance(data, dict):
        return {
            key: urlsplit(value).path if key == "url" else comparable(value)
            for key, value in data.items()
            if key != "expiresAt"
        }
    if isinstance(data, list):
        return [comparable(item) for item in data]
    return data


def assert_answers_as_read(world: World, answer: Any) -> None:
    assert answer.status_code in (200, 201), answer
    read = world.api.get(f"/v1/jobs/{answer.data['id']}")
    assert comparable(answer.data) == comparable(read.data)
    for link in _links(answer.data):
        assert link.startswith("http://testserver/v1/"), link  # absolute, as a read gives them


def _links(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == "url"] + [x for v in data.values() for x in _links(v)]
    if isinstance(data, list):
        return [x for item in data for x in _links(item)]
    return []


def test_every_job_write_answers_as_a_read_does(world: World) -> None:
    world.api.post("/v1/job-types", {"key": "visit", "name": "Visit"})
    created = world.api.post("/v1/jobs", {"jobType": "visit", "notes": "Gate code 1234"})
    assert_answers_as_read(world, created)
    job_id = created.data["id"]
    reschedule = {"scheduledStart": "2026-12-02T08:00:00Z", "scheduledEnd": "2026-12-02T10:00:00Z"}
    assert_answers_as_read(world, world.api.post(f"/v1/jobs/{job_id}/reschedule", reschedule))
    assert_answers_as_read(world, world.api.post(f"/v1/jobs/{job_id}/assign", {"engineerId": str(world.a.engineer.pk)}))
    assert_answers_as_read(world, world.api.post(f"/v1/jobs/{job_id}/start"))
    photo = upload(world.api, job_id, file=Upload(image_bytes("JPEG"))).data
    signature = {"signerName": "Dana Client", "imagePng": signature_png_base64()}
    body = {"resultType": "PARTIAL", "signature": signature, "attachmentIds": [photo["id"]]}
    done = world.api.post(f"/v1/jobs/{job_id}/complete", body)
    assert_answers_as_read(world, done)
    assert done.data["signature"]["signerName"] == "Dana Client"
    assert [a["atCompletion"] for a in done.data["attachments"]] == [True]


def test_the_answer_is_what_the_event_recorded(world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.PENDING)
    answer = world.api.post(f"/v1/jobs/{job.pk}/cancel", {"reason": "Customer away"})
    event = WebhookEvent.objects.filter(object_id=job.pk, type="job.cancelled").get()
    recorded = json.loads(event.body)["data"]["object"]
    assert comparable(recorded) == comparable(answer.data)


def test_a_reschedule_that_changes_nothing_still_answers_the_job(world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.PENDING, scheduled_date=None)
    answer = world.api.post(f"/v1/jobs/{job.pk}/reschedule", {"scheduledDate": None})
    assert_answers_as_read(world, answer)
    assert not WebhookEvent.objects.filter(object_id=job.pk).exists()
