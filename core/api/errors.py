"""The contract's error envelope: error names, the DRF exception handler, plain-Django error responses."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import DomainError

logger = logging.getLogger("shocking.api")

# status -> (error.name, message)
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequestError", "Bad Request"),
    401: ("UnauthorizedError", "Unauthorized"),
    403: ("ForbiddenError", "Forbidden"),
    404: ("NotFoundError", "Not Found"),
    405: ("MethodNotAllowedError", "Method Not Allowed"),
    406: ("NotAcceptableError", "Not Acceptable"),
    409: ("ConflictError", "Conflict"),
    413: ("PayloadTooLargeError", "Payload Too Large"),
    415: ("UnsupportedMediaTypeError", "Unsupported Media Type"),
    429: ("RateLimitError", "Too Many Requests"),
    500: ("InternalServerError", "Internal Server Error"),
    503: ("ServiceUnavailableError", "Service Unavailable"),
}

Issue = dict[str, str]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 1 MiB."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A required service is unreachable. Retry shortly."
    default_code = "service_unavailable"


def bad_request(path: str, message: str) -> exceptions.ValidationError:
    """A 400 with one issue at `path` (a camelCase field or query parameter, dotted for nesting)."""
    return exceptions.ValidationError({path: [message]} if path else [message])


_SNAKE_PART = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    return _SNAKE_PART.sub(lambda m: m.group(1).upper(), name)


def issues_from_detail(detail: Any, prefix: str = "") -> list[Issue]:
    """Flatten a DRF error detail into `[{message, path}]` with dotted camelCase paths."""
    if isinstance(detail, dict):
        found: list[Issue] = []
        for key, value in detail.items():
            part = "" if key in ("non_field_errors", "__all__") else camel(str(key))
            path = ".".join(p for p in (prefix, part) if p)
            found.extend(issues_from_detail(value, path))
        return found
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"message": str(item), "path": prefix} for item in detail]
        found = []
        for index, item in enumerate(detail):
            if item in ({}, []):
                continue
            # A list of nested serializers' errors: the index is part of the path.
            if isinstance(item, dict | list):
                found.extend(issues_from_detail(item, f"{prefix}.{index}" if prefix else str(index)))
            else:
                found.append({"message": str(item), "path": prefix})
        return found
    return [{"message": str(detail), "path": prefix}]


def error_body(status_code: int, issues: Iterable[Issue], request_id: str) -> dict[str, Any]:
    name, message = ERRORS.get(status_code, ERRORS[500] if status_code >= 500 else ERRORS[400])
    return {
        "status": "error",
        "message": message,
        "request_id": request_id,
        "error": {"name": name, "issues": list(issues)},
    }


def request_id_of(request: Any) -> str:
    return str(getattr(request, "request_id", "") or "req_unknown")


def plain_error_response(request: HttpRequest, status_code: int, issues: list[Issue]) -> JsonResponse:
    """An error envelope for paths that never reached DRF (unknown URLs, oversized bodies, crashes)."""
    response = JsonResponse(error_body(status_code, issues, request_id_of(request)), status=status_code)
    response.api_error = True  # type: ignore[attr-defined]
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's exception handler: every exception becomes the contract's error envelope."""
    request = context.get("request")
    headers: dict[str, str] = {}

    if isinstance(exc, DomainError):
        set_rollback()
        issues = [{"message": message, "path": path} for path, message in exc.issues]
        response = Response(error_body(exc.status_code, issues, request_id_of(request)), status=exc.status_code)
        response.api_error = True  # type: ignore[attr-defined]
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.error("Database unavailable (request_id=%s)", request_id_of(request), exc_info=exc)
        exc = ServiceUnavailable()

    if isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait) or 1)  # type: ignore[attr-defined]
        if isinstance(exc, exceptions.ValidationError):
            issues = issues_from_detail(exc.detail) or [{"message": "Invalid input.", "path": ""}]
        elif isinstance(exc, exceptions.ParseError):
            issues = [{"message": str(exc.detail), "path": ""}]
        else:
            issues = issues_from_detail(exc.detail)
    else:
        status_code = 500
        issues = [{"message": "An unexpected error occurred. Quote the request id when reporting it.", "path": ""}]
        logger.error(
            "Unhandled exception in %s (request_id=%s)",
            getattr(request, "path", "?"),
            request_id_of(request),
            exc_info=exc,
        )
    if status_code == 503:
        headers.setdefault("Retry-After", "5")
    set_rollback()
    response = Response(error_body(status_code, issues, request_id_of(request)), status=status_code, headers=headers)
    response.api_error = True  # type: ignore[attr-defined]
    return response
