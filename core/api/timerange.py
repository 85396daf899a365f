"""The query parameters every metrics endpoint shares: `dateFrom`, `dateTo` (Unix ms) and `interval`.

Read here, checked and defaulted by `core.timerange.time_range()`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.filters import MAX_MILLISECONDS
from core.api.serializers import QueryParamsSerializer
from core.timerange import Interval


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_MILLISECONDS})
class MillisecondsField(serializers.IntegerField):
    """A Unix timestamp in milliseconds (0 to the end of 9999, as list filters take it), read as an
    aware UTC datetime."""

    def to_internal_value(self, data: Any) -> Any:  # an aware datetime
        milliseconds = super().to_internal_value(data)
        if milliseconds < 0:
            raise serializers.ValidationError("Must be a Unix timestamp in milliseconds (not negative).")
        if milliseconds > MAX_MILLISECONDS:
            raise serializers.ValidationError(f"Must be a Unix timestamp in milliseconds (at most {MAX_MILLISECONDS}).")
        try:
            return dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise serializers.ValidationError("Must be a Unix timestamp in milliseconds.") from None


class TimeRangeQuerySerializer(QueryParamsSerializer):
    """`dateFrom`, `dateTo` and `interval` (camelCase, as on the wire); subclasses add their filters."""

    dateFrom = MillisecondsField(  # noqa: N815
        source="date_from",
        required=False,
        help_text="Created at or after (Unix ms, inclusive). Default: dateTo − 30 days.",
    )
    dateTo = MillisecondsField(  # noqa: N815
        source="date_to",
        required=False,
        help_text="Created at or before (Unix ms, inclusive). Default: now. The range spans at most 731 days.",
    )
    interval = serializers.ChoiceField(
        choices=Interval.choices, default=Interval.DAY, help_text="Time-series bucket, in the team's timezone."
    )
