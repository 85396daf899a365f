"""The lean dispatch of hot lists (core/api/lean.py) and /v1's own WSGI handler (core/api/handler.py).

Both must answer exactly as the full path does: DRF's dispatch behind every middleware of
`MIDDLEWARE`, routes resolved each time. Each request below is sent both ways and the answers
compared whole: status, every header (but the request id) and the body (but the request id).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from typing import Any
from unittest import mock

import orjson
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, override_settings
from rest_framework.views import APIView

from accounts.scopes import Scope
from core.api import lean
from core.api.handler import APIHandler, Application
from jobs.api.views import JobViewSet
from jobs.models import Job
from plans.api.views import MaintenancePlanViewSet
from tests.conftest import World
from tests.factories import JobFactory, JobTypeFactory
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _jobs(world: World, count: int = 7) -> list[Job]:
    job_type = JobTypeFactory(team=world.a.team, key="visit")
    JobFactory(team=world.b.team, job_type=JobTypeFactory(team=world.b.team, key="visit"))  # never shown
    return [
        JobFactory(team=world.a.team, job_type=job_type, notes="" if i % 2 else f"note {i}", payload={"n": i})
        for i in range(count)
    ]


def _normalised(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    """An answer without what differs between any two answers: the request id, the seconds left."""
    headers = {name: value for name, value in headers.items() if name not in ("X-Request-Id", "Set-Cookie")}
    for moving in ("RateLimit-Reset", "Retry-After"):  # seconds to the window's end: one may tick between
        if moving in headers:
            headers[moving] = str(int(headers[moving]) > 0)
    if isinstance(body, dict) and "request_id" in body:
        assert body.pop("request_id").startswith("req_")  # each answer's own
    if status == 429:  # "Expected available in N seconds": the seconds left may tick between two answers
        for issue in body["error"]["issues"]:
            issue["message"] = re.sub(r"\d+ seconds?", "N seconds", issue["message"])
        headers.pop("Content-Length")  # which counts those digits
    return status, headers, body


def _answer(response: Any) -> tuple[int, dict[str, str], Any]:
    body = orjson.loads(response.content) if response.content else None
    return _normalised(response.status_code, dict(response.items()), body)


def _both(path: str, token: str | None, **extra: Any) -> tuple[Any, Any]:
    """`GET path` through the lean dispatch, then with it turned off (DRF's dispatch), fresh limits each."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    dispatched: list[str] = []
    real = APIView.dispatch

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        dispatched.append(type(self).__name__)
        return real(self, *args, **kwargs)

    with mock.patch.object(APIView, "dispatch", spy):
        cache.clear()
        lean_answer = Client().get(path, **headers, **extra)
        lean_dispatched = list(dispatched)
        cache.clear()
        with mock.patch.object(lean, "is_plain_get", return_value=False):
            full_answer = Client().get(path, **headers, **extra)
    assert lean_dispatched == [], "the lean dispatch should have answered without DRF's"
    assert dispatched, "with the lean dispatch off, DRF's should have answered"
    return lean_answer, full_answer


REQUESTS = [
    "",
    "?limit=3",
    "?status=PENDING&jobType=visit",
    "?sortBy=updatedAt&sortOrder=asc&limit=2",
    "?limit=0",  # 400
    "?sortBy=nope",  # 400
    "?colour=red",  # 400: unknown parameter
    "?lastEvaluatedKey=forged",  # 400
    "?status=SOMETHING",  # 400
]


@pytest.mark.parametrize("query", REQUESTS)
def test_jobs_list_answers_as_drf_dispatch_does(world: World, query: str) -> None:
    _jobs(world)
    lean_answer, full_answer = _both(f"/v1/jobs{query}", world.a.token)
    assert _answer(lean_answer) == _answer(full_answer)
    assert lean_answer.status_code in (200, 400)


def test_following_pages_answer_alike(world: World) -> None:
    _jobs(world, 5)
    path = "/v1/jobs?limit=2"
    seen: list[str] = []
    while path:
        lean_answer, full_answer = _both(path, world.a.token)
        assert _answer(lean_answer) == _answer(full_answer)
        body = orjson.loads(lean_answer.content)
        seen += [row["id"] for row in body["data"]]
        key = body["lastEvaluatedKey"]
        path = f"/v1/jobs?limit=2&lastEvaluatedKey={key}" if key else ""
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("case", ["no token", "unknown token", "malformed header", "no jobs.read scope", "revoked"])
def test_refusals_answer_as_drf_dispatch_does(world: World, case: str) -> None:
    from accounts.models import APIKey

    token: str | None = world.a.token
    extra: dict[str, str] = {}
    if case == "no token":
        token = None
    elif case == "unknown token":
        token = "se_" + "x" * 40
    elif case == "malformed header":
        token, extra = None, {"HTTP_AUTHORIZATION": "Token abc"}
    elif case == "no jobs.read scope":
        token = world.a.token_with([Scope.ASSETS_READ])
    else:
        token = world.a.token_with([Scope.JOBS_READ, Scope.ASSETS_READ])
        APIKey.objects.filter(scopes=sorted([Scope.JOBS_READ, Scope.ASSETS_READ])).update(
            revoked_at="2026-01-01T00:00:00Z"
        )
    lean_answer, full_answer = _both("/v1/jobs", token, **extra)
    assert lean_answer.status_code in (401, 403)
    assert _answer(lean_answer) == _answer(full_answer)


@override_settings(API_RATE_LIMIT="2/min")
def test_rate_limit_counts_and_refuses_alike(world: World) -> None:
    def run(plain: bool) -> list[tuple[int, dict[str, str], Any]]:
        cache.clear()
        with mock.patch.object(lean, "is_plain_get", return_value=plain):
            answers = [
                _answer(Client().get("/v1/jobs", HTTP_AUTHORIZATION=f"Bearer {world.a.token}")) for _ in range(3)
            ]
        return answers

    lean_answers, full_answers = run(True), run(False)
    assert [status for status, _, _ in lean_answers] == [200, 200, 429]
    assert lean_answers == full_answers


def test_other_requests_of_the_route_keep_drf_dispatch(world: World) -> None:
    """Another Accept, `?format=`, HEAD and POST are not plain GETs: DRF negotiates and dispatches them."""
    _jobs(world, 1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.a.token}"}
    with mock.patch.object(APIView, "dispatch", autospec=True, side_effect=APIView.dispatch) as dispatch:
        assert Client().get("/v1/jobs", HTTP_ACCEPT="text/html", **auth).status_code == 406
        assert Client().get("/v1/jobs?format=json", **auth).status_code in (200, 400, 404)
        assert Client().head("/v1/jobs", **auth).status_code == 200
        assert Client().post("/v1/jobs", data={}, content_type="application/json", **auth).status_code == 400
    assert dispatch.call_count == 4


def test_maintenance_plans_list_answers_as_drf_dispatch_does(world: World) -> None:
    for _ in range(3):
        make_plan(world.a.team)
    make_plan(world.b.team)
    for query in ("", "?limit=2", "?limit=x"):
        lean_answer, full_answer = _both(f"/v1/maintenance-plans{query}", world.a.token)
        assert _answer(lean_answer) == _answer(full_answer)
    assert MaintenancePlanViewSet.hot_list is not None


def test_the_schema_still_sees_the_list_route() -> None:
    from django.urls import resolve

    view: Any = resolve("/v1/jobs").func
    assert view.cls.__name__ == "JobViewSet"
    assert {"get": "list", "post": "create"}.items() <= view.actions.items()
    assert view.csrf_exempt


# --- /v1's handler (config.wsgi) -------------------------------------------------------------------
def _wsgi(application: Any, path: str, query: str = "", token: str | None = None) -> tuple[int, dict[str, str], Any]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = int(status.split()[0]), headers

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    result = application(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    headers = dict(captured["headers"])
    body = orjson.loads(content) if content and headers.get("Content-Type") == "application/json" else content
    return _normalised(captured["status"], headers, body)


def test_api_middleware_is_the_full_list_without_the_pages_only() -> None:
    assert [
        name for name in settings.MIDDLEWARE if name not in settings.PAGES_ONLY_MIDDLEWARE
    ] == settings.API_MIDDLEWARE
    assert set(settings.MIDDLEWARE) > settings.PAGES_ONLY_MIDDLEWARE  # every name still in use
    assert "core.api.middleware.APIEnvelopeMiddleware" in settings.API_MIDDLEWARE


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/jobs", ""),
        ("/v1/jobs", "limit=2"),
        ("/v1/jobs", "limit=-1"),
        ("/v1/jobs/00000000-0000-0000-0000-000000000000", ""),  # 404 from the view
        ("/v1/no-such-route", ""),  # 404 from the resolver, enveloped by the middleware
        ("/v1/jobs/", ""),  # no trailing slashes on /v1
        ("/v1", ""),
        ("/v1/openapi.json", ""),
    ],
)
def test_api_handler_answers_as_the_full_handler(world: World, path: str, query: str) -> None:
    _jobs(world, 3)
    api, full = APIHandler(), WSGIHandler()
    for _ in range(2):  # the second time from the kept route
        cache.clear()
        ours = _wsgi(api, path, query, world.a.token)
        cache.clear()
        theirs = _wsgi(full, path, query, world.a.token)
        assert ours == theirs


def test_api_handler_keeps_routes_per_path_only_when_resolved(world: World) -> None:
    handler = APIHandler()
    _wsgi(handler, "/v1/jobs", token=world.a.token)
    _wsgi(handler, "/v1/no-such-route", token=world.a.token)
    assert list(handler._resolved) == ["/v1/jobs"]
    assert handler._resolved["/v1/jobs"].func.cls.__name__ == "JobViewSet"


def test_application_sends_v1_to_its_handler_and_pages_to_django() -> None:
    application = Application()
    assert isinstance(application.api, APIHandler) and type(application.pages) is WSGIHandler
    calls: list[str] = []
    application.api = lambda environ, start: calls.append("api")  # type: ignore[assignment]
    application.pages = lambda environ, start: calls.append("pages")  # type: ignore[assignment]
    for path in ("/v1/jobs", "/v1", "/v1x", "/admin/", "/"):
        application({"PATH_INFO": path, "SCRIPT_NAME": ""}, None)
    assert calls == ["api", "api", "pages", "pages", "pages"]


def test_pages_keep_their_middleware(world: World) -> None:
    """The admin's sign-in page still gets its CSRF cookie and session (the pages' handler, full list)."""
    status, headers, _ = _wsgi(Application(), "/admin/login/")
    assert status == 200
    assert "text/html" in headers["Content-Type"] and "Content-Security-Policy" in headers


def test_the_jobs_page_is_built_from_tuples_in_the_statements_order(world: World) -> None:
    """The hot list's rows come as `Rows` (no dict per row) in the order `job_rows` unpacks; the same
    rows as dicts (the detail's, SQLite's) build the same jobs."""
    from core.api.fast import Rows, as_dicts
    from jobs.api.rows import JOB_ORDER, job_rows

    _jobs(world, 3)
    seen: list[Any] = []
    assert JobViewSet.hot_list is not None
    real = JobViewSet.hot_list.build

    def build(rows: Any, view: Any) -> Any:
        seen.append(rows)
        return real(rows, view)

    with mock.patch.object(JobViewSet.hot_list, "build", build):
        assert Client().get("/v1/jobs", HTTP_AUTHORIZATION=f"Bearer {world.a.token}").status_code == 200
    (rows,) = seen
    assert isinstance(rows, Rows) and rows.names == JOB_ORDER and len(rows) == 3
    assert job_rows(rows) == job_rows(as_dicts(rows))


@pytest.mark.parametrize("query", ["", "?limit=0"], ids=["page", "bad-parameter"])
def test_on_redis_the_count_overlaps_the_read_and_refuses_alike(world: World, query: str) -> None:
    """With Redis (production's store) the lean dispatch sends the count before reading the page and
    reads it after (`Pending`); the answers — 200s or 400s, then the 429 that wins over a 400 — and
    their `RateLimit-*` figures are DRF's dispatch's, the window's key expires, the connection is free."""
    from core.api import throttling
    from tests.api.test_throttling import redis_cache_settings

    settled: list[bool] = []
    real_settle = throttling.Pending.settle

    def settle(self: throttling.Pending) -> bool:
        settled.append(self.connection is not None)
        return real_settle(self)

    def run(plain: bool) -> list[tuple[int, dict[str, str], Any]]:
        cache.clear()
        with mock.patch.object(lean, "is_plain_get", return_value=plain):
            return [
                _answer(Client().get(f"/v1/jobs{query}", HTTP_AUTHORIZATION=f"Bearer {world.a.token}"))
                for _ in range(3)
            ]

    with (
        override_settings(CACHES=redis_cache_settings(), API_RATE_LIMIT="2/min"),
        mock.patch.object(throttling.Pending, "settle", settle),
    ):
        lean_answers = run(True)
        assert settled == [True, True, True]  # each count was read after the page
        assert all(0 < cache.ttl(key) <= 61 for key in cache.keys("ratelimit:*"))
        full_answers = run(False)
        assert settled == [True, True, True]  # DRF's dispatch counts at once
        cache.clear()
    first = 200 if not query else 400
    assert [status for status, _, _ in lean_answers] == [first, first, 429]
    assert lean_answers == full_answers
    assert not throttling._KEPT_LOCK.locked()
