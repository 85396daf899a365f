"""JSON rendering with orjson: camelCase for successful answers; error envelopes exactly as built.

Hot lists may hand over rows that are already camelCase and JSON-ready (`PreCamelized`); those
skip the recursive camelization, which otherwise costs more than the query.
"""

from __future__ import annotations

from typing import Any

from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import camelize
from rest_framework.renderers import BaseRenderer

from core.wire import dumps


class PreCamelized(list[Any]):
    """Rows whose keys are already camelCase and whose values are JSON-ready."""


class EnvelopeJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        response = (renderer_context or {}).get("response")
        is_error = response is not None and response.status_code >= 400
        # Error bodies keep the contract's snake_case `request_id`; their paths are already camelCase.
        if not is_error and not (isinstance(data, dict) and isinstance(data.get("data"), PreCamelized)):
            data = camelize(data, **camel_settings.JSON_UNDERSCOREIZE)
        return dumps(data)
