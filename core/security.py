"""Content-Security-Policy for the server-rendered pages (Django 5.2 has none built in)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

FORM_ACTION = "form-action 'self'"
DEFAULT_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    f"{FORM_ACTION}; frame-ancestors 'none'"
)


def origin_of(uri: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URI, or None when it has none."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in parts.netloc for c in " ;,'\"\n"):
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def allow_form_target(response: HttpResponse, uri: str) -> None:
    """Let this page's forms lead to `uri`'s origin as well as our own (and nowhere else).

    Chromium applies `form-action` to the redirects that follow a form's submission, so the OAuth
    consent form — whose answer is a redirect to the app's validated `redirect_uri` — must name that
    origin, or Authorize and Cancel silently do nothing.
    """
    origin = origin_of(uri)
    if origin is None:
        return
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
    response["Content-Security-Policy"] = policy.replace(FORM_ACTION, f"{FORM_ACTION} {origin}")


class ContentSecurityPolicyMiddleware:
    """Adds `Content-Security-Policy` to HTML answers: nothing loads from another origin, no framing.

    Scripts come only from our own static files and script responses: no inline `<script>`, no
    `on…=` attribute, no `eval` (Swagger UI runs through drf-spectacular's split view, whose init script
    is a separate request). Inline styles stay allowed (the admin, Swagger UI and django-jsonform set
    `style=` attributes); nothing loads from a third party. See docs/security.md.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class CompressStaticMiddleware(GZipMiddleware):
    """Gzip static files when WhiteNoise serves them uncompressed (`make run`: straight from the apps).

    Swagger UI's bundle is 1.6 MB; gzipped it is a fifth of that. Only `STATIC_URL` is touched: HTML
    pages carry CSRF tokens (compression would expose them to BREACH) and the API's hot paths skip
    the work. In production WhiteNoise serves precompressed files and this does nothing.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return response
        return super().process_response(request, response)
