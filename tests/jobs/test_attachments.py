"""Job photos: upload (multipart), the checks that refuse a file, listing, and signed downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test.client import encode_multipart

from jobs.attachments import MAX_PHOTO_BYTES
from jobs.models import JobAttachment, JobSignature, JobStatus
from tests.conftest import Api, ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import JobFactory
from tests.jobs.images import HEIC_BYTES, image_bytes, signature_png_base64


class Upload:
    def __init__(self, content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> None:
        self.content, self.name, self.content_type = content, name, content_type


BOUNDARY = "JobPhotoBoundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(fields: dict[str, Any]) -> bytes:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        name: SimpleUploadedFile(value.name, value.content, value.content_type) if isinstance(value, Upload) else value
        for name, value in fields.items()
    }
    return encode_multipart(BOUNDARY, data)


def upload(api: Api, job_id: Any, **fields: Any) -> ApiResponse:
    body = multipart(fields)
    return api.request("post", f"/v1/jobs/{job_id}/attachments", raw_body=body, content_type=MULTIPART)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class TestUploadAttachment(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/jobs/{id}/attachments", "jobs.write", 201
    bad_inputs = [
        BadInput(path="file", body={"caption": "no file"}),
        BadInput(path="file", body={"file": Upload(b"just some text", "photo.jpg")}),
        BadInput(path="file", body={"file": Upload(b"GIF89a" + b"\x00" * 40, "photo.png", "image/png")}),
        BadInput(path="caption", body={"file": Upload(image_bytes()), "caption": "x" * 501}),
    ]

    def make_object(self, team_world: TeamWorld) -> Any:
        return JobFactory(team=team_world.team)

    def body(self, world: World, obj: Any) -> Any:
        return {"file": Upload(image_bytes("JPEG")), "caption": "Boiler plate"}

    def call(self, api: Api, obj: Any, body: Any = None, query: dict[str, Any] | None = None) -> ApiResponse:
        return api.request("post", self.url(obj), raw_body=multipart(body or {}), content_type=MULTIPART)

    def snapshot(self, obj: Any) -> Any:
        return (super().snapshot(obj), JobAttachment.objects.count(), sorted(stored_files()))

    def test_unknown_id_is_404(self, world: World) -> None:
        response = upload(world.api, "00000000-0000-4000-8000-000000000000", file=Upload(image_bytes()))
        assert response.status_code == 404, response
        assert stored_files() == []

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["jobId"] == str(obj.pk)
        assert data["contentType"] == "image/jpeg"
        assert (data["width"], data["height"]) == (800, 600)
        assert data["caption"] == "Boiler plate"
        assert data["thumbnail"] is not None
        attachment = JobAttachment.objects.get(pk=data["id"])
        assert attachment.file.name.startswith(f"teams/{world.a.team.pk}/jobs/{obj.pk}/")
        assert not data["file"]["url"].startswith(settings.MEDIA_URL), "never a public media URL"
        # The thumbnail is at most 320 px on its longer side.
        from PIL import Image

        with attachment.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
            assert max(thumb.size) == 320


def test_each_image_type_is_recognised_by_content(world: World) -> None:
    job = JobFactory(team=world.a.team)
    for image_format, expected in (("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")):
        response = upload(world.api, job.pk, file=Upload(image_bytes(image_format), "photo.bin", "text/plain"))
        assert response.status_code == 201, response
        assert response.data["contentType"] == expected
    heic = upload(world.api, job.pk, file=Upload(HEIC_BYTES, "IMG_0001.HEIC", "image/heic"))
    assert heic.status_code == 201, heic
    assert heic.data["contentType"] == "image/heic"
    assert heic.data["thumbnail"] is None


def test_an_oversize_file_is_refused_and_nothing_is_stored(world: World) -> None:
    job = JobFactory(team=world.a.team)
    big = image_bytes("PNG") + b"\x00" * MAX_PHOTO_BYTES
    response = upload(world.api, job.pk, file=Upload(big, "huge.png", "image/png"))
    assert response.status_code == 400, response
    assert response.issue_paths == ["file"]
    assert "10 MiB" in response.issues[0]["message"]
    assert JobAttachment.objects.count() == 0
    assert stored_files() == []


def test_a_json_body_is_refused(world: World) -> None:
    job = JobFactory(team=world.a.team)
    response = world.api.post(f"/v1/jobs/{job.pk}/attachments", {"file": "aGVsbG8="})
    assert response.status_code == 415, response
    assert JobAttachment.objects.count() == 0


def test_a_cancelled_job_takes_no_photos(world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.CANCELLED)
    response = upload(world.api, job.pk, file=Upload(image_bytes()))
    assert response.status_code == 409, response
    assert JobAttachment.objects.count() == 0


class TestListAttachments(EndpointContract):
    path, scope, is_list = "/v1/jobs/{id}/attachments", "jobs.read", True
    bad_inputs: list[BadInput] = []

    def make_object(self, team_world: TeamWorld) -> Any:
        job = JobFactory(team=team_world.team)
        upload(Api(team_world.token), job.pk, file=Upload(image_bytes("PNG", (40, 30)), "a.png", "image/png"))
        return job

    def call(self, api: Api, obj: Any, body: Any = None, query: dict[str, Any] | None = None) -> ApiResponse:
        obj = obj if obj is not None else self._job
        return api.get(self.url(obj), query=query)

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        if not hasattr(self, "_job"):
            self._job = JobFactory(team=team_world.team)
        for _ in range(count):
            upload(Api(team_world.token), self._job.pk, file=Upload(image_bytes("PNG", (40, 30)), "a.png"))

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert [row["jobId"] for row in response.data] == [str(obj.pk)]
        other = JobFactory(team=world.a.team)
        assert world.api.get(f"/v1/jobs/{other.pk}/attachments").data == [], "only this job's photos"


def test_signed_links_download_without_a_token_and_expire(world: World, anon: Api) -> None:
    job = JobFactory(team=world.a.team)
    content = image_bytes("PNG", (50, 50))
    created = upload(world.api, job.pk, file=Upload(content, "a.png", "image/png")).data
    original = anon.client.get(created["file"]["url"])
    assert original.status_code == 200
    assert original["Content-Type"] == "image/png"
    assert original.content == content
    thumbnail = anon.client.get(created["thumbnail"]["url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    # Forged or for another file: refused; the bare path without a token needs jobs.read.
    forged = created["file"]["url"].replace("token=", "token=x")
    assert anon.client.get(forged).status_code == 401
    other = JobFactory(team=world.a.team)
    second = upload(world.api, other.pk, file=Upload(content, "b.png", "image/png")).data
    token = created["file"]["url"].split("token=")[1]
    assert anon.client.get(f"/v1/job-attachments/{second['id']}/file?token={token}").status_code == 401
    # With a token: the caller's team only.
    assert world.api.get(f"/v1/job-attachments/{created['id']}/file").status_code == 200
    assert Api(world.b.token).get(f"/v1/job-attachments/{created['id']}/file").status_code == 404


def test_signed_links_expire(world: World, anon: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    job = JobFactory(team=world.a.team)
    created = upload(world.api, job.pk, file=Upload(image_bytes("PNG", (50, 50)), "a.png", "image/png")).data
    assert anon.client.get(created["file"]["url"]).status_code == 200
    monkeypatch.setattr("jobs.attachments.FILE_LINK_SECONDS", -1)  # every link is now past its age
    assert anon.client.get(created["file"]["url"]).status_code == 401


class TestDownloadAttachment(EndpointContract):
    path, scope = "/v1/job-attachments/{id}/file", "jobs.read"
    bad_inputs = [BadInput(path="variant", query={"variant": "poster"})]

    def make_object(self, team_world: TeamWorld) -> Any:
        job = JobFactory(team=team_world.team)
        created = upload(Api(team_world.token), job.pk, file=Upload(image_bytes("PNG", (30, 20)), "a.png"))
        return JobAttachment.objects.get(pk=created.data["id"])

    def query(self, world: World) -> dict[str, Any]:
        return {"variant": "thumbnail"}

    def test_happy_path(self, world: World) -> None:
        """The image itself (no JSON envelope)."""
        obj = self.make_object(world.a)
        response = self.call(world.api, obj, query=self.query(world))
        assert response.status_code == 200, response
        assert response.raw["Content-Type"] == "image/jpeg"
        assert response.raw["Cache-Control"] == "private, no-store"
        with obj.thumbnail.open("rb") as handle:
            assert response.raw.content == handle.read()


class TestDownloadSignature(EndpointContract):
    path, scope = "/v1/job-signatures/{id}/image", "jobs.read"

    def make_object(self, team_world: TeamWorld) -> Any:
        job = JobFactory(team=team_world.team, status=JobStatus.IN_PROGRESS, assigned_to=team_world.engineer)
        signature = {"signerName": "Dana", "imagePng": signature_png_base64()}
        Api(team_world.token).post(f"/v1/jobs/{job.pk}/complete", {"resultType": "SUCCESS", "signature": signature})
        return JobSignature.objects.get(job=job)

    def test_happy_path(self, world: World) -> None:
        """The PNG itself (no JSON envelope)."""
        response = self.call(world.api, self.make_object(world.a))
        assert response.status_code == 200, response
        assert response.raw["Content-Type"] == "image/png"
        assert response.raw.content.startswith(b"\x89PNG")

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404, never a 500; the path takes no other input."""
        assert world.api.get("/v1/job-signatures/not-a-uuid/image").status_code == 404


def test_a_broken_image_body_is_refused_and_nothing_is_stored(world: World) -> None:
    job = JobFactory(team=world.a.team)
    truncated = image_bytes("PNG", (400, 300))[:-200]  # the header verifies; the pixels do not decode
    response = upload(world.api, job.pk, file=Upload(truncated, "a.png", "image/png"))
    assert response.status_code == 400 and response.issue_paths == ["file"], response
    assert JobAttachment.objects.count() == 0
    assert stored_files() == []
