"""JSON rendering with orjson: successful answers on the wire (`core.wire.to_wire`: camelCase, `null`
for no value); error envelopes exactly as built.

Hot lists may hand over rows that are already on the wire (`PreCamelized`); those skip the walk,
which otherwise costs more than the query, and follow the rule themselves.
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from core.wire import dumps, to_wire


class PreCamelized(list[Any]):
    """Rows whose keys are already camelCase, whose values are JSON-ready, with no `""` (see `to_wire`)."""


class EnvelopeJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        response = (renderer_context or {}).get("response")
        is_error = response is not None and response.status_code >= 400
        # Error bodies keep the contract's snake_case `request_id` and `""` as the whole body's path.
        if not is_error and not (isinstance(data, dict) and isinstance(data.get("data"), PreCamelized)):
            data = to_wire(data)
        return dumps(data)
