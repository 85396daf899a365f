"""The series: RFC 5545 semantics at month ends and leap years, team clocks across DST, and edits mid-series."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Actor
from plans import recurrence, services, worker
from plans.models import PlanOccurrence
from tests.factories import TeamFactory
from tests.plans.factories import make_plan

D = dt.date


def series(rule: str, start: dt.date, last: dt.date) -> list[dt.date]:
    return list(recurrence.dates_between(rule, start=start, first=start, last=last))


def test_monthly_on_the_31st_skips_shorter_months_and_bymonthday_minus_one_takes_the_last_day() -> None:
    assert series("FREQ=MONTHLY", D(2026, 1, 31), D(2026, 6, 30)) == [D(2026, 1, 31), D(2026, 3, 31), D(2026, 5, 31)]
    assert series("FREQ=MONTHLY;BYMONTHDAY=-1", D(2026, 1, 31), D(2026, 4, 30)) == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30),
    ]  # fmt: skip


def test_yearly_on_february_29_falls_in_leap_years_only() -> None:
    assert series("FREQ=YEARLY", D(2024, 2, 29), D(2032, 12, 31)) == [D(2024, 2, 29), D(2028, 2, 29), D(2032, 2, 29)]
    assert series("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", D(2024, 2, 29), D(2026, 12, 31)) == [
        D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28),
    ]  # fmt: skip


def test_first_monday_and_every_three_months() -> None:
    assert series("FREQ=MONTHLY;BYDAY=1MO", D(2026, 1, 1), D(2026, 3, 31)) == [
        D(2026, 1, 5),
        D(2026, 2, 2),
        D(2026, 3, 2),
    ]
    assert series("FREQ=MONTHLY;INTERVAL=3", D(2026, 1, 15), D(2026, 12, 31)) == [
        D(2026, 1, 15), D(2026, 4, 15), D(2026, 7, 15), D(2026, 10, 15),
    ]  # fmt: skip


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=YEARLY;DTSTART=20260101", "", "FREQ=YEARLY\nFREQ=DAILY", "X"])
def test_unusable_rules_are_refused(rule: str) -> None:
    with pytest.raises(recurrence.InvalidRuleError):
        recurrence.parse_rule(rule, D(2026, 1, 1))


def test_weekly_visits_keep_their_weekday_across_a_dst_change() -> None:
    # Europe/London moves to BST on Sunday 29 March 2026: the Saturday visits stay on Saturdays.
    assert series("FREQ=WEEKLY", D(2026, 3, 21), D(2026, 4, 4)) == [D(2026, 3, 21), D(2026, 3, 28), D(2026, 4, 4)]


def test_today_is_the_date_on_the_teams_clock() -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST), still 30 June in UTC; in winter it is not.
    summer_night = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert recurrence.team_today("Europe/London", summer_night) == D(2026, 7, 1)
    assert recurrence.team_today("UTC", summer_night) == D(2026, 6, 30)
    winter_night = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)
    assert recurrence.team_today("Europe/London", winter_night) == D(2026, 1, 31)
    assert recurrence.team_today("Not/AZone", winter_night) == D(2026, 1, 31)


@pytest.mark.django_db
def test_the_pass_uses_each_teams_clock() -> None:
    london = TeamFactory(timezone="Europe/London")
    utc = TeamFactory(timezone="UTC")
    for team in (london, utc):
        make_plan(team, start_date=D(2026, 7, 1), lead_time_days=0, today=D(2026, 6, 1))
    assert worker.create_due_jobs(now=dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)) == 1
    assert PlanOccurrence.objects.get().team_id == london.pk
    assert worker.create_due_jobs(now=dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.UTC)) == 1


@pytest.mark.django_db
def test_editing_the_rule_mid_series_keeps_the_jobs_already_made() -> None:
    plan = make_plan(TeamFactory(), rrule="FREQ=MONTHLY", start_date=D(2026, 1, 10), today=D(2026, 1, 1))
    worker.create_due_jobs(today=D(2026, 1, 31))  # 10 Jan and 10 Feb are within 14 days by the 31st
    made = dict(PlanOccurrence.objects.values_list("due_on", "job_id"))
    assert sorted(made) == [D(2026, 1, 10), D(2026, 2, 10)]
    plan = services.update_plan(
        plan=plan, actor=Actor(), changes={"rrule": "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=20"}, today=D(2026, 1, 31)
    )
    assert dict(PlanOccurrence.objects.values_list("due_on", "job_id")) == made, "jobs made stay"
    assert plan.next_due_on == D(2026, 1, 10), "the 10 January visit is not done: still next (overdue)"
    worker.create_due_jobs(today=D(2026, 3, 10))
    dates = sorted(PlanOccurrence.objects.values_list("due_on", flat=True))
    assert dates == [D(2026, 1, 10), D(2026, 2, 10), D(2026, 3, 20)], "the new rule from today on"
