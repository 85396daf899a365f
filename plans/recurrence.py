"""A plan's series of dates from its RFC 5545 RRULE (python-dateutil), never a hand-written calendar.

Occurrences are calendar dates in the team's timezone: the rule is expanded from the start date at
local midnight without a zone, so a DST change never shifts a visit to the day before or after, and
"today" for a team is the date on its own clock (`team_today`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr  # type: ignore[import-untyped]

# Visits are days: a rule that repeats within a day (HOURLY, MINUTELY…) is refused.
DAY_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}
MAX_RULE_LENGTH = 500


class InvalidRuleError(ValueError):
    """The text is not an RRULE a plan can use; the message says why."""


def parse_rule(text: str, start: dt.date) -> rrule:
    """The rule `text` (with or without the `RRULE:` prefix) anchored at `start`; `InvalidRuleError` if unusable."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or len(body) > MAX_RULE_LENGTH or "\n" in body:
        raise InvalidRuleError("Must be one RFC 5545 RRULE, e.g. FREQ=YEARLY or FREQ=MONTHLY;INTERVAL=3.")
    if "DTSTART" in body.upper():
        raise InvalidRuleError("The series starts on startDate: leave DTSTART out of the rule.")
    try:
        rule = rrulestr(body, dtstart=dt.datetime.combine(start, dt.time()))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidRuleError(f"Not a valid RRULE: {exc}") from None
    if not isinstance(rule, rrule):
        raise InvalidRuleError("Must be a single RRULE.")
    if rule._freq not in DAY_FREQUENCIES:
        raise InvalidRuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY (visits are days).")
    return rule


def dates_between(
    rule_text: str, *, start: dt.date, first: dt.date, last: dt.date, end: dt.date | None = None
) -> Iterator[dt.date]:
    """The series' dates from `first` to `last` inclusive (never after `end`), in order."""
    if end is not None:
        last = min(last, end)
    if last < first:
        return
    rule = parse_rule(rule_text, start)
    after = dt.datetime.combine(first, dt.time())
    before = dt.datetime.combine(last, dt.time())
    for moment in rule.xafter(after, inc=True):
        if moment > before:
            return
        yield moment.date()


def next_date(rule_text: str, *, start: dt.date, on_or_after: dt.date, end: dt.date | None = None) -> dt.date | None:
    """The series' first date on or after `on_or_after` (None when the series is over)."""
    rule = parse_rule(rule_text, start)
    moment = rule.after(dt.datetime.combine(on_or_after, dt.time()), inc=True)
    if moment is None or (end is not None and moment.date() > end):
        return None
    return moment.date()


def team_today(timezone_name: str, now: dt.datetime) -> dt.date:
    """The date on the team's own clock at the moment `now`."""
    try:
        zone = zoneinfo.ZoneInfo(timezone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).date()
