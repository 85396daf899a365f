"""The JSON the API and the webhook outbox both send: one orjson dump, one timestamp format, and one
shape (`to_wire`: camelCase keys, "no value" as `null`, never `""`).

Not an HTTP module: the API's renderer (`core.api.renderers`) and hot lists (`core.api.fast`) use
it, and so does `webhooks.services` when it writes an event's body, so no service imports `core.api`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.encoding import force_str
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


# Documents their authors wrote (job payloads and results, JSON Schemas, attributes) keep their keys
# and their empty strings. A revision's `snapshot` is stored camelCase but is the API's own shape:
# the rule applies inside it (older snapshots hold `""`).
AUTHORED_DOCUMENTS = frozenset(settings.FREE_FORM_JSON_FIELDS) - {"snapshot"}
_KEEP_KEYS = frozenset(settings.FREE_FORM_JSON_FIELDS)
_UNDERSCORE = re.compile(r"[a-z0-9]?_[a-z0-9]")  # djangorestframework-camel-case's, with its options


def _join(match: re.Match[str]) -> str:
    part = match.group()
    return part[0] + part[2].upper() if len(part) == 3 else part[1].upper()


@functools.lru_cache(maxsize=4096)
def camel_key(key: str) -> str:
    """`scheduled_date` → `scheduledDate`, `line_1` → `line1` (as djangorestframework-camel-case does)."""
    return _UNDERSCORE.sub(_join, key) if "_" in key else key


def to_wire(data: Any) -> Any:
    """Serializer output as the API sends it: camelCase keys, and `null` wherever a value is `""`.

    "No value" is `null`, never `""` (the contract): whatever a serializer, a method field or a
    stored snapshot says, an empty string leaves the API as `null`, in one walk with the camelCasing.
    Authored documents (`AUTHORED_DOCUMENTS`) are sent exactly as stored. Every way out goes through
    here: the renderer (REST answers, and MCP tools, which run the REST views), webhook payloads and
    the events feed, MCP resources; hot lists that build wire rows themselves (`PreCamelized`) apply
    the rule per text column.
    """
    if isinstance(data, str):
        return data or None
    if isinstance(data, Mapping):
        wired: dict[Any, Any] = {}
        for key, value in data.items():
            if isinstance(key, Promise):
                key = force_str(key)
            name = camel_key(key) if isinstance(key, str) else key
            if key in _KEEP_KEYS or name in _KEEP_KEYS:
                wired[name] = value if (key in AUTHORED_DOCUMENTS or name in AUTHORED_DOCUMENTS) else _nulls(value)
            else:
                wired[name] = to_wire(value)
        return wired
    if isinstance(data, list | tuple):
        return [to_wire(item) for item in data]
    if isinstance(data, Promise):
        return force_str(data) or None
    if isinstance(data, Iterable) and not isinstance(data, bytes | bytearray):  # sets, generators
        return [to_wire(item) for item in data]
    return data


def _nulls(data: Any) -> Any:
    """`""` → `null` with the keys kept as they are (a snapshot stored camelCase)."""
    if isinstance(data, str):
        return data or None
    if isinstance(data, Mapping):
        return {key: value if key in AUTHORED_DOCUMENTS else _nulls(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_nulls(item) for item in data]
    return data
