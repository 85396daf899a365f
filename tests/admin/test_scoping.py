"""Team scoping of the admin: rows, object URLs, choices, autocomplete and filters."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from jobs.models import Job
from tests.factories import APIKeyFactory, JobFactory, JobTypeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def job_url(job: Job) -> str:
    return f"/admin/jobs/job/{job.pk}/change/"


def test_staff_sees_only_their_teams_jobs(world, staff_a):
    mine = JobFactory(team=world.a.team, notes="alpha job")
    theirs = JobFactory(team=world.b.team, notes="bravo job")
    page = staff_a.get("/admin/jobs/job/")
    assert page.status_code == 200
    assert str(mine.pk)[:8] in page.content.decode()
    assert str(theirs.pk)[:8] not in page.content.decode()
    assert list(page.context["cl"].result_list) == [mine]


def test_other_teams_object_is_404_on_every_view(world, staff_a):
    theirs = JobFactory(team=world.b.team)
    assert staff_a.get(job_url(theirs)).status_code == 404
    assert staff_a.get(f"/admin/jobs/job/{theirs.pk}/history/").status_code == 404
    assert staff_a.post(job_url(theirs), {"notes": "hijack"}).status_code == 404
    key = APIKeyFactory(team=world.b.team)
    assert staff_a.get(f"/admin/accounts/apikey/{key.pk}/change/").status_code == 404
    assert staff_a.get(f"/admin/accounts/team/{world.b.team.pk}/change/").status_code == 404


def test_own_object_opens(world, staff_a):
    mine = JobFactory(team=world.a.team)
    page = staff_a.get(job_url(mine))
    assert page.status_code == 200
    assert "timeline" in page.content.decode().lower()


def test_superuser_sees_everything_and_filters_by_team(world, superuser, staff_a):
    jobs = [JobFactory(team=world.a.team), JobFactory(team=world.b.team)]
    page = superuser.get("/admin/jobs/job/")
    assert set(page.context["cl"].result_list) == set(jobs)
    assert superuser.get(job_url(jobs[1])).status_code == 200
    assert any(spec.title == "team" for spec in page.context["cl"].filter_specs)
    staff_page = staff_a.get("/admin/jobs/job/")
    assert not any(spec.title == "team" for spec in staff_page.context["cl"].filter_specs)


def test_related_filters_list_only_own_teams_rows(world, staff_a):
    JobFactory(team=world.a.team, job_type=JobTypeFactory(team=world.a.team, name="Alpha boiler"))
    JobFactory(team=world.b.team, job_type=JobTypeFactory(team=world.b.team, name="Bravo secret"))
    html = staff_a.get("/admin/jobs/job/").content.decode()
    assert "Alpha boiler" in html
    assert "Bravo secret" not in html


def test_foreign_key_and_team_choices_are_scoped(world, staff_a):
    mine = JobTypeFactory(team=world.a.team)
    theirs = JobTypeFactory(team=world.b.team)
    form = staff_a.get("/admin/jobs/job/add/").context["adminform"].form
    assert set(form.fields["team"].queryset) == {world.a.team}
    assert form.initial["team"] == str(world.a.team.pk)
    # job_type uses autocomplete: its choices still come from the scoped queryset.
    assert mine in form.fields["job_type"].queryset
    assert theirs not in form.fields["job_type"].queryset
    people = set(form.fields["assigned_to"].queryset)
    assert world.a.engineer in people
    assert world.b.engineer not in people


def test_autocomplete_returns_only_own_teams_rows(world, staff_a):
    JobTypeFactory(team=world.a.team, name="Boiler alpha")
    JobTypeFactory(team=world.b.team, name="Boiler bravo")
    response = staff_a.get(
        "/admin/autocomplete/", {"app_label": "jobs", "model_name": "job", "field_name": "job_type", "term": "Boiler"}
    )
    assert response.status_code == 200
    names = [row["text"] for row in json.loads(response.content)["results"]]
    assert names == ["Boiler alpha"]
    people = staff_a.get(
        "/admin/autocomplete/",
        {"app_label": "jobs", "model_name": "job", "field_name": "assigned_to", "term": "example.com"},
    )
    texts = " ".join(row["text"] for row in json.loads(people.content)["results"])
    assert "Engineer of alpha" in texts
    assert "bravo" not in texts.lower()


def test_person_in_two_teams_cannot_link_across_them(world, staff_a):
    MembershipFactory(team=world.b.team, user=world.a.owner, role=Role.ADMIN)
    foreign_type = JobTypeFactory(team=world.b.team)
    response = staff_a.post(
        "/admin/jobs/job/add/",
        {"team": world.a.team.pk, "job_type": foreign_type.pk, "payload": "{}", "notes": "",
         "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    # Working in alpha, bravo's job type is not even a choice (the admin follows the current team).
    assert "Select a valid choice" in response.content.decode()
    assert not Job.objects.exists()


def test_users_are_scoped_and_read_only_for_team_admins(world, staff_a):
    outsider = UserFactory(email="outsider@example.com")
    html = staff_a.get("/admin/accounts/user/").content.decode()
    assert world.a.engineer.email in html
    assert world.b.engineer.email not in html
    assert staff_a.get(f"/admin/accounts/user/{outsider.pk}/change/").status_code == 404
    page = staff_a.get(f"/admin/accounts/user/{world.a.engineer.pk}/change/")
    assert page.status_code == 200
    assert (
        staff_a.post(f"/admin/accounts/user/{world.a.engineer.pk}/change/", {"is_superuser": "on"}).status_code == 403
    )
    assert staff_a.get("/admin/accounts/user/add/").status_code == 403


def test_changelist_query_count_does_not_grow(world, staff_a):
    def count(n: int) -> int:
        Job.objects.all().delete()
        for _ in range(n):
            JobFactory(team=world.a.team, assigned_to=world.a.engineer)
        with CaptureQueriesContext(connection) as ctx:
            assert staff_a.get("/admin/jobs/job/").status_code == 200
        return len(ctx)

    assert count(2) == count(12)
