"""Both metrics endpoints read their range through `core.timerange`: the same buckets in the team's
timezone, the same defaults and the same 400 for the same bad range."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from core import timerange
from flows.models import Flow, FlowGroup, FlowGroupStatus, FlowStatus
from jobs.models import JobStatus
from tests.conftest import TeamWorld, World
from tests.factories import JobFactory
from tests.flows.factories import FlowTemplateFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ("/v1/metrics/jobs", "/v1/metrics/flows")
ZONE = zoneinfo.ZoneInfo("Pacific/Auckland")  # UTC+13 in January: local days differ from UTC days by half a day


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def flow_created_at(team_world: TeamWorld, created: dt.datetime) -> Flow:
    job = JobFactory(team=team_world.team, status=JobStatus.COMPLETED, assigned_to=team_world.engineer)
    template = FlowTemplateFactory(team=team_world.team, job_type=job.job_type)
    group = FlowGroup.objects.create(
        team=team_world.team, job=job, job_completed_at=created, status=FlowGroupStatus.COMPLETED
    )
    flow = Flow.objects.create(
        team=team_world.team, group=group, template=template, kind=template.kind, name=template.name,
        status=FlowStatus.SENT, render_pending=False, send_pending=False, recipients=["a@example.com"],
    )  # fmt: skip
    Flow.objects.filter(pk=flow.pk).update(created_at=created)
    return flow


def set_zone(team_world: TeamWorld) -> None:
    team_world.team.timezone = str(ZONE)
    team_world.team.save(update_fields=["timezone"])


def test_both_endpoints_bucket_in_the_teams_timezone(world: World) -> None:
    set_zone(world.a)
    # 2026-01-05 12:30 UTC is 2026-01-06 01:30 in Auckland: a Tuesday there, the Monday in UTC.
    moment = dt.datetime(2026, 1, 5, 12, 30, tzinfo=dt.UTC)
    JobFactory(team=world.a.team, created_at=moment)
    flow_created_at(world.a, moment)
    query: dict[str, Any] = {
        "dateFrom": ms(dt.datetime(2026, 1, 5, tzinfo=ZONE)),
        "dateTo": ms(dt.datetime(2026, 1, 7, tzinfo=ZONE) - dt.timedelta(milliseconds=1)),
    }
    jobs = world.api.get("/v1/metrics/jobs", query=query).data
    flows = world.api.get("/v1/metrics/flows", query=query).data
    assert jobs["timezone"] == flows["timezone"] == "Pacific/Auckland"
    assert [(b["start"], b["created"]) for b in jobs["series"]] == [("2026-01-05", 0), ("2026-01-06", 1)]
    assert [(b["periodStart"], b["created"]) for b in flows["series"]] == [("2026-01-05", 0), ("2026-01-06", 1)]
    # A month bucket starts on the team's first of the month: 31 Dec 2025 14:00 UTC is 1 Jan 03:00 there.
    new_year = dt.datetime(2025, 12, 31, 14, 0, tzinfo=dt.UTC)
    JobFactory(team=world.a.team, created_at=new_year)
    flow_created_at(world.a, new_year)
    query = {
        "dateFrom": ms(dt.datetime(2025, 12, 15, tzinfo=ZONE)),
        "dateTo": ms(moment),
        "interval": "month",
    }
    jobs = world.api.get("/v1/metrics/jobs", query=query).data
    flows = world.api.get("/v1/metrics/flows", query=query).data
    assert [(b["start"], b["created"]) for b in jobs["series"]] == [("2025-12-01", 0), ("2026-01-01", 2)]
    assert [(b["periodStart"], b["created"]) for b in flows["series"]] == [("2025-12-01", 0), ("2026-01-01", 2)]


def test_both_endpoints_fill_in_the_same_default_range(world: World) -> None:
    date_to = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    jobs = world.api.get("/v1/metrics/jobs", query={"dateTo": ms(date_to)}).data
    flows = world.api.get("/v1/metrics/flows", query={"dateTo": ms(date_to)}).data
    assert jobs["rangeStart"] == flows["dateFrom"] and jobs["rangeEnd"] == flows["dateTo"]
    assert dt.datetime.fromisoformat(flows["dateFrom"]) == date_to - timerange.DEFAULT_RANGE
    assert len(jobs["series"]) == len(flows["series"]) == 31


FAR = ms(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
NEAR = ms(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
BAD_RANGES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown interval", {"interval": "year"}, "interval"),
    ("empty interval", {"interval": ""}, "interval"),
    ("dateFrom after dateTo", {"dateFrom": NEAR, "dateTo": FAR}, "dateFrom"),
    ("more than 731 days", {"dateFrom": FAR, "dateTo": NEAR}, "dateFrom"),
    ("only a dateFrom long ago", {"dateFrom": FAR}, "dateFrom"),
    ("a whole epoch", {"dateFrom": 0, "dateTo": 2_000_000_000_000}, "dateFrom"),
    ("negative", {"dateTo": -5}, "dateTo"),
    ("not a number", {"dateFrom": "last-week"}, "dateFrom"),
    ("past year 9999", {"dateTo": 10**16}, "dateTo"),
]


@pytest.mark.parametrize(("query", "path"), [case[1:] for case in BAD_RANGES], ids=[case[0] for case in BAD_RANGES])
def test_both_endpoints_refuse_the_same_bad_range_with_the_same_400(world: World, query: dict[str, Any],
                                                                    path: str) -> None:  # fmt: skip
    answers = [world.api.get(endpoint, query=query) for endpoint in ENDPOINTS]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].issues == answers[1].issues
    assert answers[0].issue_paths == [path]


def test_the_longest_range_is_accepted_by_both(world: World) -> None:
    date_to = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    query = {"dateFrom": ms(date_to - timerange.MAX_RANGE), "dateTo": ms(date_to), "interval": "day"}
    for endpoint in ENDPOINTS:
        assert world.api.get(endpoint, query=query).status_code == 200, endpoint


class TestTimeRangeHelper:
    """`core.timerange.time_range` itself: the defaults and the zone, without HTTP."""

    NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)

    def test_defaults(self, world: World) -> None:
        team = world.a.team
        span = timerange.time_range(team=team, now=self.NOW)
        assert (span.start, span.end, span.interval) == (self.NOW - timerange.DEFAULT_RANGE, self.NOW, "day")
        later = self.NOW + dt.timedelta(days=3)
        assert timerange.time_range(team=team, date_from=later, now=self.NOW).end == later, "a future dateFrom"
        earlier = self.NOW - dt.timedelta(days=3)
        assert timerange.time_range(team=team, date_from=earlier, now=self.NOW).end == self.NOW

    def test_an_unknown_zone_name_buckets_in_utc(self, world: World) -> None:
        world.a.team.timezone = "Mars/Olympus_Mons"
        assert timerange.team_zone(world.a.team) == zoneinfo.ZoneInfo("UTC")
        world.a.team.timezone = "Asia/Kolkata"
        span = timerange.time_range(team=world.a.team, date_from=self.NOW, date_to=self.NOW, interval="week")
        assert str(span.zone) == "Asia/Kolkata" and span.bucket_starts() == [dt.date(2026, 6, 15)]  # a Monday
