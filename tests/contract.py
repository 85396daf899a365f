"""The one shared base every /v1 endpoint's tests derive from (NetBox's APIViewTestCases idea).

A subclass names the endpoint and how to build what it needs; the base generates the standard
cases: anonymous → 401, a token without the scope → 403, another team's object → 404 (changing
nothing), each bad input → 400 on the right `path`, the happy path (whose answer holds no `""`:
"no value" is `null`), and for lists a query-count ceiling that does not grow with the page size.

    class TestCancelJob(EndpointContract):
        method, path, scope = "post", "/v1/jobs/{id}/cancel", "jobs.write"
        bad_inputs = [BadInput(body={"reason": 5}, path="reason")]

        def make_object(self, team_world):
            return JobFactory(team=team_world.team)

        def body(self, world, obj):
            return {"reason": "Customer away"}

        def check_happy(self, world, obj, response):
            assert response.data["status"] == "CANCELLED"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.scopes import ALL_SCOPES, grants
from core.wire import AUTHORED_DOCUMENTS
from tests.conftest import Api, ApiResponse, TeamWorld, World


@dataclass
class BadInput:
    """A request that must be refused with 400 and an issue at `path`."""

    path: str
    body: Any = None
    query: dict[str, Any] = field(default_factory=dict)


LIST_BAD_INPUTS = [
    BadInput(path="limit", query={"limit": 0}),
    BadInput(path="limit", query={"limit": 101}),
    BadInput(path="limit", query={"limit": "ten"}),
    BadInput(path="sortBy", query={"sortBy": "bogus"}),
    BadInput(path="sortOrder", query={"sortOrder": "sideways"}),
    BadInput(path="lastEvaluatedKey", query={"lastEvaluatedKey": "not-a-token"}),
]


def empty_strings(body: Any, at: str = "") -> list[str]:
    """Where a success body holds `""` (dotted paths); authored documents (payloads, JSON Schemas) are the author's."""
    if body == "":
        return [at or "<root>"]
    if isinstance(body, dict):
        return [found for key, value in body.items() if key not in AUTHORED_DOCUMENTS
                for found in empty_strings(value, f"{at}.{key}" if at else str(key))]  # fmt: skip
    if isinstance(body, list):
        return [found for i, item in enumerate(body) for found in empty_strings(item, f"{at}.{i}" if at else str(i))]
    return []


def assert_no_empty_strings(response: ApiResponse) -> None:
    """No `""` anywhere in a success body, nested objects included: "no value" is `null` (the contract)."""
    if response.json is not None:
        assert not (found := empty_strings(response.json)), f'"" instead of null at {found}'


@pytest.mark.django_db
class EndpointContract:
    method: ClassVar[str] = "get"
    path: ClassVar[str]  # may contain {id}
    scope: ClassVar[str]
    happy_status: ClassVar[int] = 200
    is_list: ClassVar[bool] = False
    bad_inputs: ClassVar[list[BadInput]] = []
    max_queries: ClassVar[int] = 12

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Only the cases that apply to this endpoint are collected (no skips)."""
        super().__init_subclass__(**kwargs)
        if "{id}" not in getattr(cls, "path", "{id}"):
            cls.test_other_team_is_404 = None  # type: ignore[assignment]
            cls.test_unknown_id_is_404 = None  # type: ignore[assignment]
        if not cls.is_list:
            cls.test_queries_do_not_grow_with_page_size = None  # type: ignore[assignment]

    # Hooks ---------------------------------------------------------------------------------------
    def make_object(self, team_world: TeamWorld) -> Any:
        """The object the path's {id} names, created in `team_world`'s team (None when no {id})."""
        return None

    def body(self, world: World, obj: Any) -> Any:
        """A valid request body for the happy path (POST only)."""
        return {}

    def query(self, world: World) -> dict[str, Any]:
        return {}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        """Assert what the happy path returned and changed."""

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        """Lists: create `count` rows visible in this list for the team."""
        raise NotImplementedError

    def snapshot(self, obj: Any) -> Any:
        """Something that must not change when a request is refused (default: the row's field values)."""
        if obj is None:
            return None
        obj.refresh_from_db()
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    # Helpers -------------------------------------------------------------------------------------
    def url(self, obj: Any) -> str:
        return self.path.replace("{id}", str(obj.pk)) if "{id}" in self.path else self.path

    def call(self, api: Api, obj: Any, body: Any = None, query: dict[str, Any] | None = None) -> ApiResponse:
        if self.method == "get":
            return api.get(self.url(obj), query=query)
        return api.post(self.url(obj), body=body, query=query)

    def insufficient_scopes(self) -> list[str]:
        return [scope for scope in ALL_SCOPES if not grants([scope], self.scope)]

    # The standard cases --------------------------------------------------------------------------
    def test_anonymous_is_401(self, world: World, anon: Api) -> None:
        obj = self.make_object(world.a)
        before = self.snapshot(obj)
        response = self.call(anon, obj, body=self.body(world, obj), query=self.query(world))
        assert response.status_code == 401, response
        assert response.json["error"]["name"] == "UnauthorizedError"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert self.snapshot(obj) == before

    def test_wrong_scope_is_403(self, world: World) -> None:
        obj = self.make_object(world.a)
        before = self.snapshot(obj)
        response = self.call(world.api_with(self.insufficient_scopes()), obj, self.body(world, obj), self.query(world))
        assert response.status_code == 403, response
        assert response.json["error"]["name"] == "ForbiddenError"
        assert self.scope in response.issues[0]["message"]
        assert self.snapshot(obj) == before

    def test_other_team_is_404(self, world: World) -> None:
        theirs = self.make_object(world.b)
        before = self.snapshot(theirs)
        response = self.call(world.api, theirs, self.body(world, theirs), self.query(world))
        assert response.status_code == 404, response
        assert response.json["error"]["name"] == "NotFoundError"
        assert self.snapshot(theirs) == before

    def test_unknown_id_is_404(self, world: World) -> None:
        response = world.api.request(
            self.method, self.path.replace("{id}", "00000000-0000-4000-8000-000000000000"), body=self.body(world, None)
        )
        assert response.status_code == 404, response

    def test_bad_input_is_400(self, world: World) -> None:
        cases = [*self.bad_inputs, *(LIST_BAD_INPUTS if self.is_list else [])]
        assert cases, "every endpoint declares at least one bad input"
        obj = self.make_object(world.a)
        for case in cases:
            before = self.snapshot(obj)
            response = self.call(world.api, obj, body=case.body, query={**self.query(world), **case.query})
            assert response.status_code == 400, (case, response)
            assert response.json["error"]["name"] == "BadRequestError"
            assert case.path in response.issue_paths, (case, response.issues)
            assert self.snapshot(obj) == before, case

    def test_happy_path(self, world: World) -> None:
        obj = self.make_object(world.a)
        response = self.call(world.api, obj, self.body(world, obj), self.query(world))
        assert response.status_code == self.happy_status, response
        assert response.json["success"] is True
        if self.is_list:
            assert "lastEvaluatedKey" in response.json
        assert_no_empty_strings(response)
        self.check_happy(world, obj, response)

    def test_queries_do_not_grow_with_page_size(self, world: World) -> None:
        self.make_rows(world.a, 2)
        self.call(world.api, None, query=self.query(world))  # warm up: last-used stamp, caches
        with CaptureQueriesContext(connection) as small:
            first = self.call(world.api, None, query={**self.query(world), "limit": 100})
        self.make_rows(world.a, 20)
        with CaptureQueriesContext(connection) as large:
            second = self.call(world.api, None, query={**self.query(world), "limit": 100})
        assert first.status_code == second.status_code == 200
        assert_no_empty_strings(second)
        assert len(second.data) >= len(first.data) + 20
        assert len(large) == len(small), "query count grows with the page size (N+1)"
        assert len(large) <= self.max_queries
