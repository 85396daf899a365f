"""OpenAPI generation: the success envelope, every error status with the real error schema, scopes, headers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from core.api.errors import ERRORS
from core.api.permissions import required_scope
from core.api.serializers import InputSerializer

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "message", "request_id", "error"],
    "properties": {
        "status": {"type": "string", "const": "error"},
        "message": {"type": "string", "examples": ["Bad Request"]},
        "request_id": {"type": "string", "examples": ["req_3f2a9c0d1e4b5a6978c0d1e2"]},
        "error": {
            "type": "object",
            "required": ["name", "issues"],
            "properties": {
                "name": {"type": "string", "enum": sorted({name for name, _ in ERRORS.values()})},
                "issues": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["message", "path"],
                        "properties": {
                            "message": {"type": "string"},
                            "path": {
                                "type": "string",
                                "description": "camelCase field or parameter, dotted; '' = whole body.",
                            },
                        },
                    },
                },
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    400: "Invalid input; `error.issues[].path` names each offending field or parameter.",
    401: "Missing, malformed, unknown, expired or revoked token.",
    403: "The token lacks the scope this operation requires (named in `error.issues[0].message`).",
    404: "No such object in the caller's team.",
    406: "The `Accept` header asks for a format other than JSON.",
    409: "Not allowed in the object's current state, a duplicate, or an `Idempotency-Key` reused with another body.",
    413: "The request body is larger than 1 MiB.",
    415: "The request body is not JSON.",
    429: "Rate limit exceeded; retry after `Retry-After` seconds.",
    500: "Unexpected server error; quote the `X-Request-Id`.",
    503: "A required service is unreachable; retry after `Retry-After` seconds.",
}

_INT = {"schema": {"type": "integer"}}
COMMON_HEADERS = {
    "X-Request-Id": {"schema": {"type": "string"}, "description": "Unique id of this request (`req_…`)."},
}
RATE_HEADERS = {
    "RateLimit-Limit": {**_INT, "description": "Requests allowed in the current window."},
    "RateLimit-Remaining": {**_INT, "description": "Requests left in the current window."},
    "RateLimit-Reset": {**_INT, "description": "Seconds until the window resets."},
}


def success_envelope(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "data"],
        "properties": {
            "success": {"type": "boolean", "const": True},
            "data": schema,
            "message": {"type": "string"},
        },
    }


def may_be_empty(field: Any) -> bool:
    """Whether a response's string field can hold `""`, which the API sends as `null` (`core.wire.to_wire`).

    The field says so (`allow_blank=True`), or the model field it shows does (`blank=True` on a
    `CharField`/`TextField`, through a dotted `source` too): ModelSerializer drops `allow_blank` on
    read-only fields, so the model is asked.
    """
    if not isinstance(field, serializers.CharField):
        return False
    if field.allow_blank:
        return True
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return False
    *path, name = field.source.split(".")
    try:
        for part in path:
            model = model._meta.get_field(part).related_model
            if model is None:
                return False
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a property or method: it says nothing about emptiness
        return False
    return isinstance(model_field, models.CharField | models.TextField) and model_field.blank


class EnvelopeAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        scope = required_scope(self.view, self.method)
        operation["x-required-scope"] = scope
        note = f"**Required scope:** `{scope}`" if scope else "**Refused:** this operation declares no scope."
        operation["description"] = f"{note}\n\n{operation.get('description', '')}".strip()
        return operation

    def get_description(self) -> str:  # type: ignore[override]
        """The action's own docstring or `extend_schema(description=...)`, never the view class's."""
        action_or_method = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        return (getattr(action_or_method, "__doc__", None) or "").strip()

    def error_statuses(self) -> list[int]:
        codes = [401, 403, 406, 429, 500, 503]
        if self.method == "POST":
            codes += [400, 409, 413, 415]
        elif self._is_list_view() or self.get_filter_backends():
            codes.append(400)
        if "{" in self.path:
            codes.append(404)
        codes += list(getattr(self.view, "extra_error_statuses", ()))
        return sorted(set(codes))

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> dict[str, Any]:
        """A response string that may be empty is published nullable: "no value" is `null`, never `""`."""
        meta: dict[str, Any] = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and may_be_empty(field):
            meta["nullable"] = True
        return meta

    def _map_serializer(self, serializer: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if not vars(type(serializer)).get("__doc__"):  # a base class's docstring says nothing about this body
            schema.pop("description", None)
        if direction == "request" and isinstance(serializer, InputSerializer):
            schema["additionalProperties"] = False  # unknown fields are refused with a 400
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        for code in self.error_statuses():
            responses.setdefault(
                str(code),
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "headers": self._error_headers(code),
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            )
        return responses

    @staticmethod
    def _error_headers(code: int) -> dict[str, Any]:
        headers: dict[str, Any] = dict(COMMON_HEADERS)
        if code not in (401, 406):
            headers.update(RATE_HEADERS)
        if code in (429, 503):
            headers["Retry-After"] = {**_INT, "description": "Seconds to wait before retrying."}
        if code == 401:
            headers["WWW-Authenticate"] = {"schema": {"type": "string"}}
        return headers

    def _get_response_for_code(
        self, serializer: Any, status_code: Any, media_types: Any = None, direction: Any = "response"
    ) -> Any:
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if str(status_code).startswith("2"):
            response.setdefault("headers", {}).update({**COMMON_HEADERS, **RATE_HEADERS})
            content = response.get("content", {}).get("application/json")
            if content and "/Paginated" not in content.get("schema", {}).get("$ref", ""):
                content["schema"] = success_envelope(content["schema"])
        return response


def add_error_component(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook (after camelization, so `request_id` stays as the contract spells it)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    return result


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.BearerAuthentication"
    name = "BearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`se_…`) or an OAuth access token (`se_oauth_…`).",
        }
