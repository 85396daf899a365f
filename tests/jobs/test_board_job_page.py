"""A job's page from the board (`GET /board/jobs/{id}/move/`: its essentials and the move form, for
every role that may see the board, the admin linked only for those with admin access), the Unscheduled
tray (bounded, counted, filtered) and the full list of unscheduled jobs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Role
from jobs.models import JobStatus
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, MembershipFactory, SiteFactory
from tests.jobs.test_board import card_ids, monday, signed_in, today_in

pytestmark = pytest.mark.django_db


def page_url(job: Any, query: str = "") -> str:
    return f"/board/jobs/{job.pk}/move/{query}"


@pytest.fixture
def site_job(world: Any) -> Any:
    team = world.a.team
    site = SiteFactory(team=team, name="Harbourside Dental", client__name="Acme Dental", address_line1="1 Quay St",
                       city="Bristol", contact_name="Pat Reception", contact_phone="0117 946 0000",
                       access_notes="Key safe 4321")  # fmt: skip
    boiler = JobTypeFactory(team=team, name="Boiler service")
    return JobFactory(team=team, site=site, client=site.client, job_type=boiler, notes="Bring the long ladder",
                      scheduled_date=today_in(team))  # fmt: skip


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER])
def test_every_role_of_the_board_opens_a_job_without_admin_access(world, site_job, role):
    person = {Role.OWNER: world.a.owner, Role.DISPATCHER: world.a.dispatcher}.get(role)
    person = person or MembershipFactory(team=world.a.team, role=role).user
    get_user_model().objects.filter(pk=person.pk).update(is_staff=False)
    response = signed_in(person).get(page_url(site_job, "?week=2026-12-03&type=x&evil=1"))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("Boiler service", "Acme Dental", "Harbourside Dental", "1 Quay St, Bristol, BS1 4DJ",
                  "Pat Reception", 'href="tel:01179460000"', "Key safe 4321", "Bring the long ladder",
                  "Not assigned yet", "Pending", "Assign and schedule"):  # fmt: skip
        assert shown in html, shown
    assert "/admin/" not in html.split("<main", 1)[1]  # no admin link without admin access
    # The way back keeps the board's week and filters, nothing else.
    assert f'href="/board/?week=2026-12-03&amp;type=x#job-{site_job.pk}"' in html
    assert 'name="next" value="/board/?week=2026-12-03&amp;type=x"' in html
    assert f'<option value="{world.a.engineer.pk}">' in html


def test_the_admin_page_is_linked_for_staff_with_the_rights(world, site_job):
    get_user_model().objects.filter(pk=world.a.dispatcher.pk).update(is_staff=True)
    html = signed_in(world.a.dispatcher).get(page_url(site_job)).content.decode()
    assert f'href="/admin/jobs/job/{site_job.pk}/change/"' in html


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.FINANCE])
def test_engineers_and_finance_cannot_open_a_job_from_the_board(world, site_job, role):
    person = world.a.engineer if role == Role.ENGINEER else MembershipFactory(team=world.a.team, role=role).user
    assert signed_in(person).get(page_url(site_job)).status_code == 403


def test_another_teams_job_is_not_found(world):
    theirs = JobFactory(team=world.b.team, scheduled_date=today_in(world.b.team))
    assert signed_in(world.a.dispatcher).get(page_url(theirs)).status_code == 404


def test_a_started_job_can_only_be_rescheduled_and_a_done_one_not_moved(world):
    team, day = world.a.team, today_in(world.a.team)
    started = JobFactory(team=team, status=JobStatus.IN_PROGRESS, assigned_to=world.a.engineer, scheduled_date=day)
    done = JobFactory(team=team, status=JobStatus.COMPLETED, assigned_to=world.a.engineer, scheduled_date=day)
    client = signed_in(world.a.dispatcher)
    html = client.get(page_url(started)).content.decode()
    assert "Reschedule" in html and 'name="engineer"' not in html and f"Assigned to <strong>{world.a.engineer}" in html
    assert '<form method="post"' not in client.get(page_url(done)).content.decode().split("<main", 1)[1]


def test_a_refusal_from_the_page_shows_the_page_again_and_changes_nothing(world, site_job):
    response = signed_in(world.a.dispatcher).post(page_url(site_job), {
        "from": "job", "engineer": str(world.a.engineer.pk), "date": "2026-12-02", "start": "11:00", "end": "10:00",
        "next": "/board/?week=2026-12-03"})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "was not changed: scheduledEnd must be after scheduledStart." in html and "<h1>Boiler service</h1>" in html
    assert 'value="11:00"' in html and f'<option value="{world.a.engineer.pk}" selected>' in html  # kept as typed
    site_job.refresh_from_db()
    assert site_job.assigned_to_id is None and site_job.scheduled_date == today_in(world.a.team)


def test_saving_from_the_page_goes_back_to_the_board_week(world, site_job):
    day = monday(today_in(world.a.team)) + dt.timedelta(days=9)
    response = signed_in(world.a.dispatcher).post(page_url(site_job), {
        "from": "job", "engineer": str(world.a.engineer.pk), "date": day.isoformat(), "start": "09:00", "end": "10:00",
        "next": f"/board/?week={day.isoformat()}"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/board/?week={day.isoformat()}#job-{site_job.pk}"
    site_job.refresh_from_db()
    assert (site_job.assigned_to_id, site_job.scheduled_date) == (world.a.engineer.pk, day)


def tray_of(html: str) -> str:
    return html.split('id="tray-h"', 1)[1].split("<table", 1)[0]


def test_the_tray_shows_the_oldest_fifty_jobs_without_a_day_and_counts_them_all(world):
    team = world.a.team
    waiting = [JobFactory(team=team, scheduled_date=None) for _ in range(52)]
    mine = JobFactory(team=team, scheduled_date=None, status=JobStatus.ASSIGNED, assigned_to=world.a.engineer)
    for status in (JobStatus.COMPLETED, JobStatus.CANCELLED):
        JobFactory(team=team, scheduled_date=None, status=status, assigned_to=world.a.engineer)
    theirs = JobFactory(team=world.b.team, scheduled_date=None)
    html = signed_in(world.a.dispatcher).get("/board/").content.decode()
    tray = tray_of(html)
    assert "53 jobs without a day" in tray
    assert card_ids(tray) == {str(job.pk) for job in waiting[:50]}  # oldest first, at most 50
    monday_iso = f"{monday(today_in(team)):%Y-%m-%d}"
    assert f'href="/board/unscheduled/?week={monday_iso}">All 53 unscheduled jobs</a>' in tray
    assert str(mine.pk) not in html and str(theirs.pk) not in html
    card = tray[tray.index(f'id="job-{waiting[0].pk}"') :].split("</article>")[0]
    assert 'draggable="true"' in card and f'href="/board/jobs/{waiting[0].pk}/move/?week=' in card


def test_the_tray_follows_the_filters_and_says_when_it_is_empty(world):
    team = world.a.team
    acme = ClientFactory(team=team)
    theirs = JobFactory(team=team, scheduled_date=None, client=acme)
    JobFactory(team=team, scheduled_date=None)
    client = signed_in(world.a.dispatcher)
    tray = tray_of(client.get("/board/", {"client": str(acme.pk)}).content.decode())
    assert card_ids(tray) == {str(theirs.pk)} and "1 job without a day (filtered)" in tray
    empty = tray_of(client.get("/board/", {"client": str(ClientFactory(team=team).pk)}).content.decode())
    assert "Every job still to do has a day." in empty


def test_the_full_list_of_unscheduled_jobs_is_paginated_and_for_dispatchers_only(world):
    team = world.a.team
    jobs = [JobFactory(team=team, scheduled_date=None) for _ in range(101)]
    client = signed_in(world.a.dispatcher)
    first = client.get("/board/unscheduled/").content.decode()
    assert len(card_ids(first)) == 100 and "1–100 of 101" in first and 'href="?page=2" rel="next"' in first
    second = client.get("/board/unscheduled/", {"page": "2"}).content.decode()
    assert card_ids(second) == {str(jobs[-1].pk)} and 'rel="next"' not in second
    assert client.get("/board/unscheduled/", {"page": "3"}).status_code == 404
    assert client.get("/board/unscheduled/", {"page": "two"}).status_code == 400
    assert signed_in(world.a.engineer).get("/board/unscheduled/").status_code == 403
    assert re.search(r"Unscheduled jobs</h1>", first)


def test_the_full_list_keeps_the_boards_filters_and_refuses_bad_ones(world):
    team = world.a.team
    acme = ClientFactory(team=team)
    acme_jobs = [JobFactory(team=team, scheduled_date=None, client=acme) for _ in range(51)]
    JobFactory(team=team, scheduled_date=None)
    client = signed_in(world.a.dispatcher)
    board = client.get("/board/", {"client": str(acme.pk), "week": "2026-12-03"}).content.decode()
    link = f'href="/board/unscheduled/?week=2026-11-30&amp;client={acme.pk}">All 51 unscheduled jobs (filtered)'
    assert link in board
    listed = client.get("/board/unscheduled/", {"week": "2026-11-30", "client": str(acme.pk)}).content.decode()
    assert card_ids(listed) == {str(job.pk) for job in acme_jobs}
    assert f'href="/board/jobs/{acme_jobs[0].pk}/move/?week=2026-11-30&amp;client={acme.pk}"' in listed
    assert f'href="/board/?week=2026-11-30&amp;client={acme.pk}">← Dispatch board' in listed
    other = ClientFactory(team=world.b.team)
    refused = client.get("/board/unscheduled/", {"client": str(other.pk)})
    assert refused.status_code == 400 and "Not one of your team" in refused.content.decode()
