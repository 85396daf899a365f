"""The JSON the API and the webhook outbox both send: one orjson dump and one timestamp format.

Not an HTTP module: the API's renderer (`core.api.renderers`) and hot lists (`core.api.fast`) use
it, and so does `webhooks.services` when it writes an event's body, so no service imports `core.api`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.functional import Promise

# The API's timestamps: UTC, microseconds, `Z` (the DRF setting the serializers use too).
DATETIME_FORMAT = str(settings.REST_FRAMEWORK["DATETIME_FORMAT"])
ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def iso_datetime(value: dt.datetime | str | None) -> str | None:
    """A timestamp as the API sends it (a string is taken as already on the wire's format)."""
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(dt.UTC).strftime(DATETIME_FORMAT)


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal | Promise):
            return str(o)
        return super().default(o)


def _default(value: Any) -> Any:
    return _Encoder().default(value)


def dumps(data: Any) -> bytes:
    """`data` as JSON bytes: decimals and lazy strings as strings, dates and ids as Django prints them."""
    try:
        return orjson.dumps(data, default=_default, option=ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        # e.g. integers beyond 64 bits in a free-form payload: the standard library handles them
        return json.dumps(data, cls=_Encoder, ensure_ascii=False).encode()
