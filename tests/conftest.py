"""Personas and the API client every test uses. Every /v1 response is checked against the schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client as DjangoClient
from hypothesis import settings as hypothesis_settings

from accounts.models import Role, Team, User
from accounts.scopes import ALL_SCOPES
from tests.factories import APIKeyFactory, MembershipFactory, TeamFactory, UserFactory
from tests.openapi import assert_matches_schema

# Property tests assert what comes out, never how fast: no per-example deadline (hypothesis' 200 ms
# default failed a pure-arithmetic example when the full suite loaded both cores).
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


class ApiResponse:
    """A response with its JSON decoded once."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.status_code: int = raw.status_code
        self.headers = raw.headers
        is_json = raw.get("Content-Type", "").startswith("application/json")  # not a PDF download
        self.json: Any = json.loads(raw.content) if raw.content and is_json else None

    @property
    def data(self) -> Any:
        return self.json["data"]

    @property
    def issues(self) -> list[dict[str, str]]:
        return self.json["error"]["issues"]

    @property
    def issue_paths(self) -> list[str]:
        return [issue["path"] for issue in self.issues]

    def __repr__(self) -> str:
        return f"<ApiResponse {self.status_code} {self.raw.content[:400]!r}>"


class Api:
    """Calls /v1 with a bearer token; validates every answer against the OpenAPI schema."""

    def __init__(self, token: str | None = None) -> None:
        self.client = DjangoClient()
        self.token = token

    def with_token(self, token: str | None) -> Api:
        return Api(token)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def request(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, raw_body: bytes | str | None = None,
                content_type: str = "application/json") -> ApiResponse:  # fmt: skip
        data: Any = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if method.lower() == "get":
            raw = self.client.get(path, data=query or {}, **kwargs)
        else:
            if query:
                from urllib.parse import urlencode

                path = f"{path}?{urlencode(query, doseq=True)}"
            raw = getattr(self.client, method.lower())(path, data=data, content_type=content_type, **kwargs)
        assert_matches_schema(method, path.split("?")[0], raw)
        return ApiResponse(raw)

    def get(self, path: str, query: dict[str, Any] | None = None, **kwargs: Any) -> ApiResponse:
        return self.request("get", path, query=query, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("post", path, body=body if body is not None else {}, **kwargs)


@dataclass
class TeamWorld:
    """A team with its people and a full-scope token."""

    team: Team
    owner: User
    dispatcher: User
    engineer: User
    token: str
    extra_tokens: dict[str, str] = field(default_factory=dict)

    def token_with(self, scopes: Iterable[str]) -> str:
        scopes = sorted(scopes)
        name = " ".join(scopes) or "(no scopes)"
        if name not in self.extra_tokens:
            self.extra_tokens[name] = APIKeyFactory(team=self.team, scopes=scopes, created_by=self.owner).token
        return self.extra_tokens[name]


def make_world(slug: str) -> TeamWorld:
    team = TeamFactory(slug=slug, name=slug.title())
    people = {}
    for role in (Role.OWNER, Role.DISPATCHER, Role.ENGINEER):
        people[role] = UserFactory(email=f"{role}@{slug}.example.com", full_name=f"{role.title()} of {slug}")
        MembershipFactory(team=team, user=people[role], role=role)
    key = APIKeyFactory(team=team, scopes=list(ALL_SCOPES), created_by=people[Role.OWNER], name="full")
    return TeamWorld(team, people[Role.OWNER], people[Role.DISPATCHER], people[Role.ENGINEER], key.token)


@dataclass
class World:
    """Two teams: `a` is the caller's, `b` another team whose rows must stay invisible."""

    a: TeamWorld
    b: TeamWorld

    @property
    def api(self) -> Api:
        return Api(self.a.token)

    def api_with(self, scopes: Iterable[str]) -> Api:
        return Api(self.a.token_with(scopes))


@pytest.fixture
def world(db: Any) -> World:
    return World(make_world("alpha"), make_world("bravo"))


@pytest.fixture
def anon() -> Api:
    return Api()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()
