"""What the engineer's pages show of a job, worked out once: the time in the team's zone, the site's
address on one line with a map link, the contact's `tel:` link, and the days of My day."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from jobs.field.forms import label_of
from jobs.models import Job, JobStatus

MAPS_SEARCH = "https://www.google.com/maps/search/"  # opens the maps app on a phone, a map on a laptop


def window_text(job: Job, zone: zoneinfo.ZoneInfo) -> str:
    """ "08:00–10:00" in the team's zone, or "Any time" for a job without a window."""
    if job.scheduled_start is None or job.scheduled_end is None:
        return "Any time"
    start = timezone.localtime(job.scheduled_start, zone)
    end = timezone.localtime(job.scheduled_end, zone)
    return f"{start:%H:%M}–{end:%H:%M}"


def address_of(site: Any) -> str:
    if site is None:
        return ""
    parts = (site.address_line1, site.address_line2, site.city, site.region, site.postcode)
    return ", ".join(part.strip() for part in parts if part and part.strip())


def map_url(site: Any) -> str:
    """A map search for the site: its coordinates when known, else its address (empty for neither)."""
    if site is None:
        return ""
    if site.latitude is not None and site.longitude is not None:
        query = f"{site.latitude},{site.longitude}"
    else:
        query = address_of(site)
    return f"{MAPS_SEARCH}?{urlencode({'api': 1, 'query': query})}" if query else ""


def tel_href(phone: str) -> str:
    """`tel:+441179460000` from a number as people write it (spaces, dashes, brackets dropped)."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    return f"tel:{digits}" if digits.strip("+") else ""


@dataclass(frozen=True)
class JobCard:
    """A job as My day and the job page show it."""

    job: Job
    when: str
    address: str
    map_url: str
    tel: str
    is_open: bool


def card_of(job: Job, zone: zoneinfo.ZoneInfo) -> JobCard:
    site = job.site
    return JobCard(
        job=job,
        when=window_text(job, zone),
        address=address_of(site),
        map_url=map_url(site),
        tel=tel_href(site.contact_phone) if site is not None else "",
        is_open=job.status in (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS),
    )


@dataclass
class Day:
    """One day of My day and its jobs, in time order."""

    date: dt.date
    is_today: bool
    cards: list[JobCard] = field(default_factory=list)


def days_of(
    jobs: list[Job], *, first_day: dt.date, last_day: dt.date, today: dt.date, zone: zoneinfo.ZoneInfo
) -> list[Day]:
    """The jobs by day (their order kept); days without jobs are left out, except today."""
    days: dict[dt.date, Day] = {}
    if first_day <= today <= last_day:
        days[today] = Day(date=today, is_today=True)
    for job in jobs:
        day = job.scheduled_date or first_day
        days.setdefault(day, Day(date=day, is_today=day == today)).cards.append(card_of(job, zone))
    return [days[day] for day in sorted(days) if day >= first_day]


def value_rows(schema: Any, values: Any) -> list[tuple[str, str]]:
    """A result (or payload) as (label, shown value) rows, labelled by the schema's titles where it has them."""
    if not isinstance(values, dict):
        return []
    properties = schema.get("properties") if isinstance(schema, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    rows = []
    for key, value in values.items():
        described = properties.get(key)
        label = label_of(key, described if isinstance(described, dict) else {})
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, dict | list):
            shown = json.dumps(value, ensure_ascii=False)
        else:
            shown = str(value)
        rows.append((label, shown))
    return sorted(rows)
