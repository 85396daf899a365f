"""The time range of every metrics endpoint: one reading of `dateFrom`/`dateTo`/`interval`, one limit,
and buckets (day, ISO week from Monday, month) in the team's timezone.

`GET /v1/metrics/jobs` and `GET /v1/metrics/flows` both go through `time_range()`, so they fill in the
same defaults, refuse the same ranges with the same 400 and put a moment in the same bucket.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db import models
from django.db.models.functions import Trunc
from django.utils import timezone

from accounts.models import Team
from core.exceptions import InvalidInputError

DEFAULT_RANGE = dt.timedelta(days=30)
MAX_RANGE = dt.timedelta(days=731)  # two years, a leap day included
MICROSECOND = dt.timedelta(microseconds=1)


class Interval(models.TextChoices):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def team_zone(team: Team) -> zoneinfo.ZoneInfo:
    """The team's timezone (UTC if the stored name is unknown to this machine's tz database)."""
    try:
        return zoneinfo.ZoneInfo(team.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def day_start(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first moment of a local day."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def bucket_start(day: dt.date, interval: str) -> dt.date:
    """The first local day of the bucket holding `day`."""
    if interval == Interval.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if interval == Interval.MONTH:
        return day.replace(day=1)
    return day


def bucket_starts(
    date_from: dt.datetime, date_to: dt.datetime, interval: str, zone: zoneinfo.ZoneInfo
) -> list[dt.date]:
    """Every bucket from the one holding `date_from` to the one holding `date_to`, in `zone`."""
    start = bucket_start(date_from.astimezone(zone).date(), interval)
    last = bucket_start(date_to.astimezone(zone).date(), interval)
    starts = []
    while start <= last:
        starts.append(start)
        if interval == Interval.MONTH:
            start = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            start += dt.timedelta(days=7 if interval == Interval.WEEK else 1)
    return starts


@dataclass(frozen=True)
class TimeRange:
    """A checked range (both ends inclusive), its bucket size and the timezone the buckets are cut in."""

    start: dt.datetime
    end: dt.datetime
    interval: str
    zone: zoneinfo.ZoneInfo

    def bucket_starts(self) -> list[dt.date]:
        """Every bucket of the range, first to last (zero-fill a series with these)."""
        return bucket_starts(self.start, self.end, self.interval, self.zone)

    def bucket(self, field_name: str) -> Trunc:
        """SQL for the first local day of the bucket holding a row's `field_name` (a date)."""
        return Trunc(field_name, self.interval, output_field=models.DateField(), tzinfo=self.zone)


def time_range(
    *,
    team: Team,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    interval: str = Interval.DAY,
    now: dt.datetime | None = None,
) -> TimeRange:
    """The range a metrics request asks for, with the defaults filled in and the limits checked.

    Defaults: the last 30 days; only `date_to`: the 30 days before it; only `date_from`: up to now (or
    up to `date_from` itself when it lies in the future). Refused with a 400: an unknown `interval`
    (path `interval`), `date_from` after `date_to` or a range longer than 731 days (path `dateFrom`).
    """
    if interval not in Interval.values:
        raise InvalidInputError(f"interval must be one of: {', '.join(Interval.values)}.", "interval")
    now = now or timezone.now()
    if date_to is None:
        date_to = now if date_from is None else max(now, date_from)
    if date_from is None:
        date_from = date_to - DEFAULT_RANGE
    if date_from > date_to:
        raise InvalidInputError("dateFrom must not be after dateTo.", "dateFrom")
    if date_to - date_from > MAX_RANGE:
        raise InvalidInputError("The range from dateFrom to dateTo may span at most 2 years (731 days).", "dateFrom")
    return TimeRange(start=date_from, end=date_to, interval=interval, zone=team_zone(team))
