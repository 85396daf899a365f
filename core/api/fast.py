"""Helpers for hand-built, JSON-ready rows on hot list paths (see `renderers.PreCamelized`).

They format values exactly as the DRF fields declared in the serializers would, so the OpenAPI
schema (generated from those serializers) still describes what is sent; tests compare both paths.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

DATETIME_FORMAT = str(settings.REST_FRAMEWORK["DATETIME_FORMAT"])


def iso_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).strftime(DATETIME_FORMAT)


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
