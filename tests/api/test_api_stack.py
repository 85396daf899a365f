"""/v1 skips the middleware only pages need (sessions, the signed-in user, flash messages); pages keep it."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from core.api.middleware import PagesAuthenticationMiddleware, PagesMessageMiddleware, PagesSessionMiddleware
from tests.conftest import World

PAGES_ONLY = (PagesSessionMiddleware, PagesAuthenticationMiddleware, PagesMessageMiddleware)


def chain(path: str) -> HttpRequest:
    """Run the three middlewares (in settings' order) around a view that keeps the request it got."""
    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["request"] = request
        return HttpResponse("ok")

    handler: Any = view
    for middleware in reversed(PAGES_ONLY):
        handler = middleware(handler)
    handler(RequestFactory().get(path))
    request: HttpRequest = seen["request"]
    return request


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/jobs/00000000-0000-0000-0000-000000000000", "/v1"])
def test_api_requests_carry_no_session_user_or_messages(path: str) -> None:
    request = chain(path)
    assert not hasattr(request, "session") and not hasattr(request, "user") and not hasattr(request, "_messages")


@pytest.mark.parametrize("path", ["/admin/", "/settings/", "/v1x/", "/"])
def test_pages_keep_sessions_the_user_and_messages(path: str) -> None:
    request = chain(path)
    assert hasattr(request, "session") and hasattr(request, "user") and hasattr(request, "_messages")


def test_settings_use_them_in_place_of_djangos() -> None:
    names = [f"{cls.__module__}.{cls.__qualname__}" for cls in PAGES_ONLY]
    assert all(name in settings.MIDDLEWARE for name in names)
    assert not any(m.startswith(("django.contrib.sessions.", "django.contrib.auth.", "django.contrib.messages."))
                   for m in settings.MIDDLEWARE)  # fmt: skip


@pytest.mark.django_db
def test_an_api_answer_sets_no_cookie_and_does_not_vary_on_it(world: World) -> None:
    response = world.api.get("/v1/jobs")
    assert response.status_code == 200
    assert not response.raw.cookies and "Cookie" not in response.raw.get("Vary", "")
