"""JSON rendering with orjson: camelCase for successful answers; error envelopes exactly as built.

Hot lists may hand over rows that are already camelCase and JSON-ready (`PreCamelized`); those
skip the recursive camelization, which otherwise costs more than the query.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import camelize
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


class PreCamelized(list[Any]):
    """Rows whose keys are already camelCase and whose values are JSON-ready."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | Promise):
        return str(value)
    return JSONEncoder().default(value)


def dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data, default=_default, option=ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        # e.g. integers beyond 64 bits in a free-form payload: the standard library handles them
        return json.dumps(data, cls=JSONEncoder, ensure_ascii=False).encode()


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
