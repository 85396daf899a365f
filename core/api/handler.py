"""The WSGI application gunicorn serves: Django's handler for the pages, a leaner one for /v1.

/v1 authenticates every request by its bearer token and serves no static file, no session, no
signed-in user, no flash message and no CSRF-protected form, so its requests pass only through the
middleware it needs: `settings.API_MIDDLEWARE`, which is `MIDDLEWARE` without the ones named in
`PAGES_ONLY_MIDDLEWARE` (config/settings.py). Everything else is Django's own `WSGIHandler`: the
request, the signals (connections and caches closed as after any request), the exception handling.

Its routes are also resolved once per path: a path's `ResolverMatch` is kept (URL resolving walks
every app's patterns, a measurable share of a hot list's time: bench/README.md). Only successful
matches of the project's URL conf are kept; a request that names its own `urlconf` is resolved
anew. Under ASGI (uvicorn) and in Django's test client every path goes through the full list,
where the page-only middleware step aside for /v1 (`core.api.middleware`): the same answers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, get_path_info, get_script_name
from django.http import HttpRequest
from django.urls import ResolverMatch

from core.api.middleware import API_PREFIX

_RESOLVED_PATHS = 4096  # paths kept per worker (a list's path, and the last ids asked for)


class APIHandler(WSGIHandler):
    """Django's WSGI handler with `settings.API_MIDDLEWARE` as its middleware and its routes kept per path."""

    def __init__(self) -> None:
        self._resolved: dict[str, ResolverMatch] = {}
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from `settings.MIDDLEWARE`: hand it /v1's list for the time it takes
        # (once, while the worker starts, before any request).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        found = self._resolved.get(request.path_info)
        if found is None:
            found = super().resolve_request(request)  # Resolver404 is not kept: the next one raises it again
            if len(self._resolved) >= _RESOLVED_PATHS:
                self._resolved.clear()
            self._resolved[request.path_info] = found
        request.resolver_match = found
        return found


def is_api_path(environ: dict[str, Any]) -> bool:
    """`core.api.middleware.is_api_request`, on the WSGI environ (the request's path as Django builds it)."""
    path = get_script_name(environ) + get_path_info(environ)
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


class Application:
    """/v1 to `api`, every other path to `pages` (both Django WSGI handlers over the same project)."""

    def __init__(self) -> None:
        self.pages = WSGIHandler()
        self.api = APIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        handler = self.api if is_api_path(environ) else self.pages
        return handler(environ, start_response)
