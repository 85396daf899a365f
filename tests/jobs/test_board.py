"""The dispatch board page: who may open it (server-enforced), what a week shows, the filters and their
bad values, overlapping windows, and a query count that does not grow with the jobs."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from jobs.models import JobStatus
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, MembershipFactory, ProjectFactory, SiteFactory

pytestmark = pytest.mark.django_db

BOARD = "/board/"
LONDON = zoneinfo.ZoneInfo("Europe/London")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def today_in(team: Any) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(team.timezone)).date()


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def at(day: dt.date, hour: int, minute: int = 0, zone: zoneinfo.ZoneInfo = LONDON) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def card_ids(html: str) -> set[str]:
    return set(re.findall(r'<article id="job-([0-9a-f-]+)"', html))


def row_of(html: str, job_id: Any) -> str:
    """The `data-row` (engineer id or "unassigned") of the row holding the job's card."""
    position = html.index(f'id="job-{job_id}"')
    return re.findall(r'<tr data-row="([^"]+)"', html[:position])[-1]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER])
def test_dispatchers_owners_and_admins_open_the_board(world, role):
    person = {Role.OWNER: world.a.owner, Role.DISPATCHER: world.a.dispatcher}.get(role)
    person = person or MembershipFactory(team=world.a.team, role=role).user
    response = signed_in(person).get(BOARD)
    assert response.status_code == 200
    assert "<h1>Dispatch board</h1>" in response.content.decode()


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.FINANCE])
def test_engineers_and_finance_get_the_styled_403(world, role):
    person = world.a.engineer if role == Role.ENGINEER else MembershipFactory(team=world.a.team, role=role).user
    job = JobFactory(team=world.a.team, scheduled_date=today_in(world.a.team))
    client = signed_in(person)
    response = client.get(BOARD)
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode() and "dispatchers, owners and admins" in response.content.decode()
    moved = client.post(f"{BOARD}jobs/{job.pk}/move/", {"engineer": str(world.a.engineer.pk), "date": "2026-12-01"})
    assert moved.status_code == 403
    job.refresh_from_db()
    assert job.assigned_to_id is None and job.scheduled_date == today_in(world.a.team)


def test_anonymous_people_are_sent_to_sign_in(db):
    response = Client().get(BOARD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_navigation_links_to_the_board_only_for_those_who_may_use_it(world):
    assert 'href="/board/"' in signed_in(world.a.dispatcher).get("/settings/team/").content.decode()
    assert 'href="/board/"' not in signed_in(world.a.engineer).get("/accounts/password/").content.decode()
    # From the board (the dispatcher's home): a new job, the admin's lists and the settings.
    world.a.dispatcher.is_staff = True
    world.a.dispatcher.save()
    board = signed_in(world.a.dispatcher).get(BOARD).content.decode()
    for link in ("/admin/jobs/job/add/", "/admin/jobs/job/?due=today", "/settings/"):
        assert f'href="{link}"' in board, link


def test_a_week_has_a_row_per_engineer_and_unassigned_and_a_column_per_day(world):
    team = world.a.team
    team.timezone = "Europe/London"
    team.save()
    today = today_in(team)
    second = MembershipFactory(team=team, role=Role.ENGINEER, user__full_name="Zoe Zed").user
    MembershipFactory(team=team, role=Role.ENGINEER, is_active=False, user__full_name="Gone Engineer")
    site = SiteFactory(team=team, name="Harbourside Dental", client__name="Acme Dental")
    boiler = JobTypeFactory(team=team, name="Boiler service")
    timed = JobFactory(team=team, job_type=boiler, site=site, client=site.client, assigned_to=world.a.engineer,
                       status=JobStatus.ASSIGNED, scheduled_date=today, scheduled_start=at(today, 8),
                       scheduled_end=at(today, 10, 30))  # fmt: skip
    waiting = JobFactory(team=team, scheduled_date=today)
    done = JobFactory(team=team, assigned_to=second, status=JobStatus.COMPLETED, scheduled_date=today)
    cancelled = JobFactory(team=team, status=JobStatus.CANCELLED, scheduled_date=today)
    next_week = JobFactory(team=team, scheduled_date=monday(today) + dt.timedelta(days=7))
    unscheduled = JobFactory(team=team, scheduled_date=None)
    theirs = JobFactory(team=world.b.team, scheduled_date=today)

    html = signed_in(world.a.dispatcher).get(BOARD).content.decode()
    tray, week_html = html.split("<table", 1)
    assert card_ids(week_html) == {str(timed.pk), str(waiting.pk), str(done.pk)}
    assert card_ids(tray) == {str(unscheduled.pk)}  # the Unscheduled tray, above the week
    rows = re.findall(r'<tr data-row="([^"]+)"', html)
    assert rows == [str(world.a.engineer.pk), str(second.pk), "unassigned"]  # engineers only, by name; no dispatcher
    assert row_of(html, timed.pk) == str(world.a.engineer.pk) and row_of(html, waiting.pk) == "unassigned"
    assert html.count('<th scope="col"') == 8  # the engineer column and seven days
    assert f'data-date="{today:%Y-%m-%d}" data-day-label' in html and 'aria-current="date"' in html
    card = html[html.index(f'id="job-{timed.pk}"') :].split("</article>")[0]
    for shown in ("08:00–10:30", "Boiler service", "Acme Dental", "Harbourside Dental", "Assigned"):
        assert shown in card
    assert 'draggable="true"' in card
    # The card opens the job's own page (no form, no engineer list on the board), back to this week.
    assert f'href="/board/jobs/{timed.pk}/move/?week={monday(today):%Y-%m-%d}"' in card and "<form" not in card
    assert html.count('name="engineer"') == 1  # the one hidden form that drag-and-drop posts
    done_card = html[html.index(f'id="job-{done.pk}"') :].split("</article>")[0]
    assert "draggable" not in done_card and "<form" not in done_card  # a completed job stays where it is
    for hidden in (cancelled, next_week, theirs):
        assert str(hidden.pk) not in html


def test_times_are_shown_in_the_teams_time_zone(world):
    team = world.a.team
    team.timezone = "Pacific/Auckland"
    team.save()
    day = today_in(team)
    zone = zoneinfo.ZoneInfo("Pacific/Auckland")
    JobFactory(team=team, scheduled_date=day, scheduled_start=at(day, 7, 15, zone), scheduled_end=at(day, 9, 0, zone))
    assert "07:15–09:00" in signed_in(world.a.dispatcher).get(BOARD).content.decode()


def test_week_navigation_keeps_the_filters(world):
    job_type = JobTypeFactory(team=world.a.team)
    html = signed_in(world.a.dispatcher).get(BOARD, {"week": "2026-12-03", "type": str(job_type.pk)}).content.decode()
    assert "Week of 30 Nov – 6 Dec 2026" in html
    assert f'href="/board/?week=2026-11-23&amp;type={job_type.pk}" rel="prev"' in html
    assert f'href="/board/?week=2026-12-07&amp;type={job_type.pk}" rel="next"' in html


def test_filters_by_job_type_project_and_client(world):
    team, day = world.a.team, today_in(world.a.team)
    boiler, survey = JobTypeFactory(team=team), JobTypeFactory(team=team)
    project = ProjectFactory(team=team)
    other_client = ClientFactory(team=team)
    in_project = JobFactory(team=team, job_type=boiler, project=project, client=project.client, scheduled_date=day)
    survey_job = JobFactory(team=team, job_type=survey, client=other_client, scheduled_date=day)
    client = signed_in(world.a.dispatcher)
    assert card_ids(client.get(BOARD, {"type": str(survey.pk)}).content.decode()) == {str(survey_job.pk)}
    assert card_ids(client.get(BOARD, {"project": str(project.pk)}).content.decode()) == {str(in_project.pk)}
    assert card_ids(client.get(BOARD, {"client": str(other_client.pk)}).content.decode()) == {str(survey_job.pk)}
    both = client.get(BOARD, {"type": str(boiler.pk), "client": str(other_client.pk)}).content.decode()
    assert card_ids(both) == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"week": "next tuesday"}, "Give the week as a day, YYYY-MM-DD."),
        ({"week": "1900-01-01"}, "Choose a week between 2000 and 2100."),
        ({"type": "not-an-id"}, "Not one of your team&#x27;s."),
        ({"project": "7"}, "Not one of your team&#x27;s."),
        ({"client": "00000000-0000-0000-0000-000000000000"}, "Not one of your team&#x27;s."),
    ],
)
def test_bad_filters_are_a_400_page_with_the_reason(world, params, message):
    response = signed_in(world.a.dispatcher).get(BOARD, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "These filters cannot be shown." in html and message in html
    assert "<table" not in html


def test_another_teams_job_type_project_or_client_is_not_a_filter(world):
    client = signed_in(world.a.dispatcher)
    for name, row in (("type", JobTypeFactory(team=world.b.team)), ("project", ProjectFactory(team=world.b.team)),
                      ("client", ClientFactory(team=world.b.team))):  # fmt: skip
        assert client.get(BOARD, {name: str(row.pk)}).status_code == 400, name


def test_overlapping_windows_of_one_engineer_are_flagged(world):
    team, day = world.a.team, today_in(world.a.team)
    zone = zoneinfo.ZoneInfo(team.timezone)

    def job(start: int, end: int, **extra: Any) -> Any:
        extra.setdefault("assigned_to", world.a.engineer)
        return JobFactory(team=team, status=JobStatus.ASSIGNED if extra["assigned_to"] else JobStatus.PENDING,
                          scheduled_date=day, scheduled_start=at(day, start, zone=zone),
                          scheduled_end=at(day, end, zone=zone), **extra)  # fmt: skip

    first, second, touching = job(8, 11), job(10, 12), job(12, 13)
    pending_a, pending_b = job(8, 10, assigned_to=None), job(9, 11, assigned_to=None)  # nobody's day yet
    html = signed_in(world.a.dispatcher).get(BOARD).content.decode()

    def flagged(one: Any) -> bool:
        return "has-overlap" in html[: html.index(f'id="job-{one.pk}"') + 200].rsplit("<article", 1)[1]

    assert flagged(first) and flagged(second)
    assert not flagged(touching) and not flagged(pending_a) and not flagged(pending_b)
    assert "2 jobs overlap" in html


def board_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BOARD).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_jobs_or_engineers(world):
    team, day = world.a.team, today_in(world.a.team)
    client = signed_in(world.a.dispatcher)
    JobFactory(team=team, scheduled_date=day, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    few = board_queries(client)
    engineers = [MembershipFactory(team=team, role=Role.ENGINEER).user for _ in range(6)]
    owner_job = JobFactory(team=team, scheduled_date=day, assigned_to=world.a.owner, status=JobStatus.ASSIGNED)
    for index in range(30):
        site = SiteFactory(team=team)
        JobFactory(team=team, site=site, client=site.client, project=ProjectFactory(team=team, client=site.client),
                   assigned_to=engineers[index % 6] if index % 5 else None,
                   status=JobStatus.ASSIGNED if index % 5 else JobStatus.PENDING,
                   scheduled_date=day + dt.timedelta(days=index % 3 - 1))  # fmt: skip
    for _ in range(60):  # more than the tray shows
        JobFactory(team=team, scheduled_date=None)
    many = board_queries(client)
    assert many == few, (few, many)
    # Session, user, rights (2), teams, the three filter lists, the engineers, the week's jobs and the
    # tray (its jobs and their count in one query).
    assert many <= 11, many
    html = client.get(BOARD).content.decode()
    assert row_of(html, owner_job.pk) == str(world.a.owner.pk)  # a job of a non-engineer keeps its own row
    assert "not an engineer of the team" in html
