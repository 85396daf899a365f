"""Deny by default: every /v1 route declares a scope for each of its actions."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from accounts.scopes import ALL_SCOPES, grants
from core.api.permissions import required_scope
from tests.conftest import World
from tests.openapi import schema

PUBLIC = {"openapi", "swagger-ui"}


def v1_routes() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name not in PUBLIC:
                found.append((prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns, "")
    return [(route, view) for route, view in found if route.startswith("v1/")]


def test_every_v1_action_declares_a_known_scope() -> None:
    routes = v1_routes()
    assert len(routes) > 5
    for route, callback in routes:
        view_class = callback.cls
        actions = getattr(callback, "actions", None) or {m: m for m in view_class.http_method_names}
        for method, action in actions.items():
            if method in ("options", "head") or not hasattr(view_class, action):
                continue
            view = view_class()
            view.action = action if getattr(callback, "actions", None) else None
            scope = required_scope(view, method)
            assert scope in ALL_SCOPES, f"{method.upper()} {route} ({view_class.__name__}.{action}) declares no scope"
            expected = "read" if method == "get" else "write"
            assert scope.endswith(f".{expected}") or scope.split(".")[0] in ("search", "metrics", "team"), (
                route,
                scope,
            )


def test_schema_names_the_scope_of_every_operation() -> None:
    for template, operations in schema()["paths"].items():
        for method, operation in operations.items():
            assert operation["x-required-scope"] in ALL_SCOPES, (method, template)
            assert operation["x-required-scope"] in operation["description"]


def test_write_scope_includes_read(world: World) -> None:
    assert grants(["jobs.write"], "jobs.read")
    assert not grants(["jobs.read"], "jobs.write")
    assert world.api_with(["jobs.write"]).get("/v1/jobs").status_code == 200
    assert world.api_with(["jobs.read"]).post("/v1/jobs", {}).status_code == 403
