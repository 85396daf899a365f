"""Plans for tests, made through the service (so `series_from` and the schedule are what a client gets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import Actor, Team
from plans import services
from plans.models import MaintenancePlan
from tests.factories import JobTypeFactory, SiteFactory

TODAY = dt.date(2026, 3, 2)


def make_plan(team: Team, *, today: dt.date = TODAY, **fields: Any) -> MaintenancePlan:
    """An ACTIVE yearly plan starting `today` at a new site of a new client (override any field)."""
    site = fields.pop("site", None) or SiteFactory(team=team)
    values: dict[str, Any] = {
        "name": "Annual boiler service",
        "client": site.client,
        "site": site,
        "job_type": fields.pop("job_type", None) or JobTypeFactory(team=team),
        "rrule": "FREQ=YEARLY",
        "start_date": today,
        "lead_time_days": 14,
    }
    values.update(fields)
    return services.create_plan(team=team, actor=Actor(), today=today, **values)
