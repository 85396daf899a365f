"""Every non-2xx under /v1 is the contract's error envelope with a matching X-Request-Id."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.urls import urlpatterns as api_urlpatterns
from core.api.views import BaseAPIView
from tests.conftest import Api, World


class Boom(BaseAPIView):
    required_scopes = {"GET": "jobs.read"}

    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internals")


urlpatterns = [path("v1/boom", Boom.as_view()), path("v1/", __import__("django.urls").urls.include(api_urlpatterns))]


def test_unknown_path_is_enveloped_404(world: World) -> None:
    response = world.api.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["name"] == "NotFoundError"
    assert response.json["request_id"] == response.headers["X-Request-Id"]


def test_wrong_method_is_405(world: World) -> None:
    response = world.api.request("delete", "/v1/jobs")
    assert response.status_code == 405
    assert response.json["error"]["name"] == "MethodNotAllowedError"


def test_malformed_json_is_400(world: World) -> None:
    response = world.api.post("/v1/jobs", raw_body="{bad")
    assert response.status_code == 400 and response.issue_paths == [""]


def test_wrong_content_type_is_415(world: World) -> None:
    response = world.api.post("/v1/jobs", raw_body="a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["error"]["name"] == "UnsupportedMediaTypeError"


def test_body_over_one_mebibyte_is_413(world: World) -> None:
    response = world.api.post("/v1/jobs", raw_body='{"notes": "' + "x" * (1024 * 1024) + '"}')
    assert response.status_code == 413
    assert response.json["error"]["name"] == "PayloadTooLargeError"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_crash_is_500_without_traceback(world: World, caplog: Any) -> None:
    api = Api(world.a.token)
    raw = api.client.get("/v1/boom", headers={"Authorization": f"Bearer {world.a.token}"})
    assert raw.status_code == 500
    body = raw.json()
    assert body["error"]["name"] == "InternalServerError"
    assert "secret internals" not in raw.content.decode()
    assert body["request_id"] == raw.headers["X-Request-Id"]
    assert any(body["request_id"] in record.getMessage() for record in caplog.records), "logged with the request id"


def test_every_response_has_a_request_id(world: World, anon: Api) -> None:
    ok, denied = world.api.get("/v1/jobs"), anon.get("/v1/jobs")
    assert ok.headers["X-Request-Id"] != denied.headers["X-Request-Id"]
    assert ok.headers["X-Request-Id"].startswith("req_")
