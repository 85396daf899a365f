"""Running a project from the admin: templates, progress, revisions, transitions, team scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as DjangoClient

from jobs.models import Job, JobStatus
from projects.models import Client, Project, ProjectRevision, ProjectStatus, ProjectTemplate
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, ProjectFactory, SiteFactory
from tests.projects.factories import ProjectTemplateFactory, ProjectTemplateStepFactory

pytestmark = pytest.mark.django_db


def no_rows(*prefixes: str) -> dict[str, Any]:
    """Empty management forms for the inlines on a page."""
    data: dict[str, Any] = {}
    for prefix in prefixes:
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return data


PROJECT_INLINES = no_rows("jobs", "revisions")


@pytest.fixture
def staff_a(world: World) -> DjangoClient:
    return staff_client(world.a.owner)


def test_every_projects_changelist_opens_and_shows_own_team_only(world: World, staff_a: DjangoClient) -> None:
    ClientFactory(team=world.a.team, name="Ours Ltd")
    ClientFactory(team=world.b.team, name="Theirs Ltd")
    project = ProjectFactory(team=world.a.team, name="Our project")
    ProjectTemplateFactory(team=world.a.team)
    SiteFactory(team=world.a.team)
    ProjectRevision.objects.create(team=world.a.team, project=project, number=1, snapshot={})
    for model in ("client", "site", "projecttemplate", "project", "projectrevision"):
        response = staff_a.get(f"/admin/projects/{model}/")
        assert response.status_code == 200, model
    clients = staff_a.get("/admin/projects/client/").content.decode()
    assert "Ours Ltd" in clients and "Theirs Ltd" not in clients
    theirs = ProjectFactory(team=world.b.team)
    assert staff_a.get(f"/admin/projects/project/{theirs.pk}/change/").status_code == 404


def test_a_staff_member_runs_a_project_from_a_template(world: World, staff_a: DjangoClient) -> None:
    template = ProjectTemplateFactory(team=world.a.team)
    ProjectTemplateStepFactory(template=template, position=0, title="Survey", offset_days=0)
    ProjectTemplateStepFactory(template=template, position=1, title="Install", offset_days=3)
    site = SiteFactory(team=world.a.team)
    response = staff_a.post(
        "/admin/projects/project/add/",
        {
            "team": world.a.team.pk,
            "client": site.client_id,
            "site": site.pk,
            "name": "Heat pump, 3 Mill Rd",
            "status": ProjectStatus.PLANNED,
            "template": template.pk,
            "start_date": "2026-04-06",
            "currency": "",
            **PROJECT_INLINES,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(name="Heat pump, 3 Mill Rd")
    jobs = list(project.jobs.order_by("scheduled_date"))
    assert [j.scheduled_date for j in jobs] == [dt.date(2026, 4, 6), dt.date(2026, 4, 9)]
    assert all(j.created_by_user == world.a.owner for j in jobs)

    # Progress on the project page.
    Job.objects.filter(pk=jobs[0].pk).update(status=JobStatus.COMPLETED)
    page = staff_a.get(f"/admin/projects/project/{project.pk}/change/").content.decode()
    assert "<strong>50%</strong> complete" in page and "Survey" in page

    # Start it and record a revision in one save.
    change = {"site": site.pk, "name": project.name, "description": "", "status": ProjectStatus.ACTIVE,
              "start_date": "2026-04-06", "target_date": "", "budget": "", "currency": "", "notes": "",
              "revision_message": "Kick-off", **PROJECT_INLINES}  # fmt: skip
    saved = staff_a.post(f"/admin/projects/project/{project.pk}/change/", change)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE and project.last_revision_number == 1
    revision = project.revisions.get()
    assert revision.message == "Kick-off" and revision.created_by_user == world.a.owner
    assert revision.snapshot["progress"]["completed"] == 1

    # A refused transition is a form error, not a 500.
    refused = staff_a.post(
        f"/admin/projects/project/{project.pk}/change/",
        {**change, "status": ProjectStatus.PLANNED, "revision_message": ""},
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["status"]
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE

    # The changelist action makes the next revision.
    staff_a.post(
        "/admin/projects/project/", {"action": "make_revisions", "_selected_action": [str(project.pk)]}, follow=True
    )
    assert sorted(project.revisions.values_list("number", flat=True)) == [1, 2]


def test_revisions_are_read_only_in_the_admin(world: World, staff_a: DjangoClient) -> None:
    project = ProjectFactory(team=world.a.team)
    revision = ProjectRevision.objects.create(team=world.a.team, project=project, number=1, snapshot={"a": 1})
    page = staff_a.get(f"/admin/projects/projectrevision/{revision.pk}/change/")
    assert page.status_code == 200 and "&quot;a&quot;: 1" in page.content.decode()
    assert staff_a.get("/admin/projects/projectrevision/add/").status_code == 403
    assert staff_a.post(f"/admin/projects/projectrevision/{revision.pk}/delete/", {"post": "yes"}).status_code == 403


def test_duplicate_client_name_is_a_form_error(world: World, staff_a: DjangoClient) -> None:
    ClientFactory(team=world.a.team, name="Acme")
    body = {"team": world.a.team.pk, "name": "ACME", "type": "BUSINESS", **no_rows("sites")}
    response = staff_a.post("/admin/projects/client/add/", body)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "A client with this name already exists in the team."
    ]
    assert Client.objects.filter(team=world.a.team).count() == 1


def test_client_with_inline_sites(world: World, staff_a: DjangoClient) -> None:
    body = {
        "team": world.a.team.pk,
        "name": "Harbour Schools",
        "type": "BUSINESS",
        "billing_country": "GB",
        **no_rows("sites"),
        "sites-TOTAL_FORMS": 1,
        "sites-0-name": "Main campus",
        "sites-0-postcode": "BS1 5TX",
        "sites-0-country": "GB",
    }
    response = staff_a.post("/admin/projects/client/add/", body)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client = Client.objects.get(name="Harbour Schools")
    site = client.sites.get()
    assert site.team_id == world.a.team.pk and site.postcode == "BS1 5TX"


def test_template_steps_are_checked(world: World, staff_a: DjangoClient) -> None:
    mine = JobTypeFactory(team=world.a.team, payload_schema={"type": "object", "required": ["kw"]})
    body = {
        "team": world.a.team.pk,
        "name": "Solar",
        "description": "",
        "steps-TOTAL_FORMS": 1,
        "steps-INITIAL_FORMS": 0,
        "steps-0-position": 0,
        "steps-0-job_type": mine.pk,
        "steps-0-title": "Install",
        "steps-0-offset_days": 0,
        "steps-0-payload": "{}",
    }
    refused = staff_a.post("/admin/projects/projecttemplate/add/", body)
    assert refused.status_code == 200 and not ProjectTemplate.objects.exists()
    saved = staff_a.post("/admin/projects/projecttemplate/add/", {**body, "steps-0-payload": '{"kw": 4}'})
    assert saved.status_code == 302
    template = ProjectTemplate.objects.get()
    assert [(s.title, s.payload) for s in template.steps.all()] == [("Install", {"kw": 4})]


def test_autocomplete_offers_own_team_clients_only(world: World, staff_a: DjangoClient) -> None:
    ClientFactory(team=world.a.team, name="Alpha Client")
    ClientFactory(team=world.b.team, name="Bravo Client")
    response = staff_a.get(
        "/admin/autocomplete/",
        {"app_label": "projects", "model_name": "project", "field_name": "client", "term": "client"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Alpha Client"]


def test_site_created_in_the_admin_goes_through_the_service(world: World, staff_a: DjangoClient) -> None:
    client = ClientFactory(team=world.a.team, archived=True)
    body = {"team": world.a.team.pk, "client": client.pk, "name": "Depot", "country": "GB"}
    refused = staff_a.post("/admin/projects/site/add/", body)
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["client"]
    JobFactory(team=world.a.team)  # unrelated rows don't matter
    Client.objects.filter(pk=client.pk).update(archived=False)
    assert staff_a.post("/admin/projects/site/add/", body).status_code == 302
