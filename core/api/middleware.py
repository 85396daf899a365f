"""Request ids on every response, and the error envelope for /v1 answers that never reached DRF."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from core.api.errors import plain_error_response

API_PREFIX = "/v1/"

# Headers of an error answer worth keeping when it is rewritten into the envelope.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


class APIEnvelopeMiddleware:
    """The outermost middleware: stamps `X-Request-Id`, refuses oversized bodies, envelopes stray errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = new_request_id()  # type: ignore[attr-defined]
        api = is_api_request(request)
        response: HttpResponse | None = None
        if api:
            response = self._refuse_large_body(request)
        if response is None:
            response = self.get_response(request)
        if api and response.status_code >= 400 and not getattr(response, "api_error", False):
            response = self._envelope(request, response)
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        return response

    @staticmethod
    def _refuse_large_body(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return plain_error_response(request, 400, [{"message": "Invalid Content-Length header.", "path": ""}])
        # File uploads (multipart) may be larger; the view refuses a file over its own limit with a 400.
        is_upload = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = settings.API_MAX_UPLOAD_BYTES if is_upload else settings.API_MAX_BODY_BYTES
        if length > limit:
            message = f"The request body is larger than {limit // (1024 * 1024)} MiB."
            return plain_error_response(request, 413, [{"message": message, "path": ""}])
        return None

    @staticmethod
    def _envelope(request: HttpRequest, original: HttpResponse) -> HttpResponse:
        status_code = original.status_code
        if status_code == 404:
            message = f"No route matches {request.method} {request.path}."
        elif status_code == 405:
            message = f"Method {request.method} is not allowed here."
        elif status_code >= 500:
            message = "An unexpected error occurred. Quote the request id when reporting it."
        else:
            message = original.reason_phrase
        response = plain_error_response(request, status_code, [{"message": message, "path": ""}])
        for header in _KEPT_HEADERS:
            if header in original:
                response[header] = original[header]
        return response


# --- Middleware the pages need and /v1 does not ----------------------------------------------------
# /v1 authenticates every request by its bearer token (DRF, `core.api.authentication`): it reads no
# session cookie, no Django user and no flash messages. These three stand in for Django's own in
# `MIDDLEWARE` (subclasses, so the admin's checks still find them) and step aside for /v1 requests;
# for every other path they are Django's. What /v1 skips is decided here and only here
# (`is_api_request`). Security, CSRF (DRF's views are exempt), CommonMiddleware (allowed hosts),
# clickjacking and the Content-Security-Policy still run on every path.


class _PagesOnly(MiddlewareMixin):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            return self.get_response(request)  # type: ignore[return-value]
        return super().__call__(request)  # type: ignore[return-value]


class PagesSessionMiddleware(_PagesOnly, SessionMiddleware):
    """Django's `SessionMiddleware`, except on /v1."""


class PagesAuthenticationMiddleware(_PagesOnly, AuthenticationMiddleware):
    """Django's `AuthenticationMiddleware` (the signed-in user), except on /v1."""


class PagesMessageMiddleware(_PagesOnly, MessageMiddleware):
    """Django's `MessageMiddleware` (flash messages), except on /v1."""
