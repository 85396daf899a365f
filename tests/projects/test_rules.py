"""Business rules of the projects app: templates, revisions under concurrency, transitions, cross-team checks."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import Actor
from core.exceptions import InvalidInputError, StateConflictError
from jobs.models import Job, JobStatus
from projects import services
from projects.models import Project, ProjectRevision, ProjectStatus
from tests.conftest import Api, World
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, ProjectFactory, SiteFactory
from tests.projects.factories import ProjectTemplateFactory, ProjectTemplateStepFactory

SYSTEM = Actor()


def run_concurrently(count: int, action: Any) -> list[Any]:
    """Run `action(index)` in `count` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = action(index)
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# Templates -------------------------------------------------------------------------------------
def test_project_from_template_creates_scheduled_linked_jobs(world: World) -> None:
    survey = JobTypeFactory(team=world.a.team, key="survey")
    install = JobTypeFactory(team=world.a.team, key="install")
    template = ProjectTemplateFactory(team=world.a.team)
    ProjectTemplateStepFactory(template=template, position=0, job_type=survey, title="Survey", offset_days=0)
    ProjectTemplateStepFactory(
        template=template, position=1, job_type=install, title="Install", offset_days=10, payload={"kw": 4}
    )
    site = SiteFactory(team=world.a.team)
    project = services.create_project(
        team=world.a.team,
        actor=SYSTEM,
        client=site.client,
        site=site,
        name="Solar",
        template=template,
        start_date=dt.date(2026, 6, 1),
    )
    jobs = list(Job.objects.filter(project=project).order_by("scheduled_date").select_related("job_type"))
    assert [(j.job_type.key, j.scheduled_date, j.notes, j.payload) for j in jobs] == [
        ("survey", dt.date(2026, 6, 1), "Survey", {}),
        ("install", dt.date(2026, 6, 11), "Install", {"kw": 4}),
    ]
    assert all(j.status == JobStatus.PENDING and j.site_id == site.pk and j.client_id == site.client_id for j in jobs)
    assert all(j.events.count() == 1 for j in jobs), "each job starts its event log"


def test_a_failing_step_rolls_back_the_whole_project(world: World) -> None:
    template = ProjectTemplateFactory(team=world.a.team)
    ProjectTemplateStepFactory(template=template, position=0, title="Survey")
    ProjectTemplateStepFactory(template=template, position=1, title="Install", job_type__active=False)
    client = ClientFactory(team=world.a.team)
    response = world.api.post(
        "/v1/projects",
        {"name": "P", "clientId": str(client.pk), "templateId": str(template.pk), "startDate": "2026-01-05"},
    )
    assert response.status_code == 400 and response.issue_paths == ["templateId"]
    assert "Step 2 (Install)" in response.issues[0]["message"]
    assert not Project.objects.exists() and not Job.objects.exists()


def test_template_step_payload_is_checked_against_the_job_type_schema(world: World) -> None:
    JobTypeFactory(
        team=world.a.team,
        key="meter",
        payload_schema={"type": "object", "required": ["reading"], "properties": {"reading": {"type": "number"}}},
    )
    steps = [{"jobType": "meter", "title": "Ok", "payload": {"reading": 1}}, {"jobType": "meter", "title": "Bad"}]
    response = world.api.post("/v1/project-templates", {"name": "Meters", "steps": steps})
    assert response.status_code == 400 and response.issue_paths == ["steps.1.payload"]


# Revisions -------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_revisions_are_numbered_without_gaps_or_duplicates(world: World) -> None:
    project = ProjectFactory(team=world.a.team)
    JobFactory(team=world.a.team, project=project, client=project.client)
    results = run_concurrently(
        8,
        lambda i: Api(world.a.token).post(
            "/v1/projects/revisions/create", {"projectId": str(project.pk), "message": f"r{i}"}
        ),
    )
    assert [getattr(r, "status_code", r) for r in results] == [201] * 8, results
    assert sorted(r.data["number"] for r in results) == list(range(1, 9))
    assert sorted(ProjectRevision.objects.filter(project=project).values_list("number", flat=True)) == list(range(1, 9))
    project.refresh_from_db()
    assert project.last_revision_number == 8


def test_revision_numbers_are_per_project(world: World) -> None:
    first, second = ProjectFactory(team=world.a.team), ProjectFactory(team=world.a.team)
    numbers = [
        services.create_project_revision(team=world.a.team, actor=SYSTEM, project=p, message="").number
        for p in (first, first, second, first)
    ]
    assert numbers == [1, 2, 1, 3]


def test_a_revision_is_an_immutable_snapshot(world: World) -> None:
    project = ProjectFactory(team=world.a.team, name="Before")
    job = JobFactory(team=world.a.team, project=project, client=project.client)
    revision = services.create_project_revision(
        team=world.a.team, actor=Actor(user=world.a.owner), project=project, message="Baseline"
    )
    services.update_project(project=project, actor=SYSTEM, changes={"name": "After"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
    revision.refresh_from_db()
    assert revision.snapshot["project"]["name"] == "Before"
    assert [j["status"] for j in revision.snapshot["jobs"]] == [JobStatus.PENDING]
    assert revision.created_by_user == world.a.owner
    revision.message = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        revision.save()
    project.refresh_from_db()
    assert project.last_revision_number == 1


# Jobs in projects ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_job_raced_into_two_projects_lands_in_exactly_one(world: World) -> None:
    client = ClientFactory(team=world.a.team)
    projects = [ProjectFactory(team=world.a.team, client=client) for _ in range(4)]
    job = JobFactory(team=world.a.team)
    results = run_concurrently(
        4,
        lambda i: Api(world.a.token).post(
            "/v1/projects/jobs/add", {"projectId": str(projects[i].pk), "jobId": str(job.pk)}
        ),
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409, 409, 409], results
    job.refresh_from_db()
    winner = next(r for r in results if r.status_code == 200)
    assert str(job.project_id) == winner.data["id"]


def test_adding_a_job_fills_in_the_project_site(world: World) -> None:
    site = SiteFactory(team=world.a.team)
    project = ProjectFactory(team=world.a.team, client=site.client, site=site)
    job = JobFactory(team=world.a.team)
    services.add_job_to_project(team=world.a.team, actor=SYSTEM, project=project, job=job)
    job.refresh_from_db()
    assert (job.project, job.client, job.site) == (project, site.client, site)


def test_services_refuse_rows_of_another_team(world: World) -> None:
    theirs = ClientFactory(team=world.b.team)
    with pytest.raises(InvalidInputError) as site_error:
        services.create_site(team=world.a.team, actor=SYSTEM, client=theirs, name="X")
    assert site_error.value.issues == [("clientId", "No such object in your team.")]
    with pytest.raises(InvalidInputError):
        services.create_project(team=world.a.team, actor=SYSTEM, client=theirs, name="X")
    project = ProjectFactory(team=world.a.team)
    with pytest.raises(InvalidInputError):
        services.add_job_to_project(team=world.a.team, actor=SYSTEM, project=project, job=JobFactory(team=world.b.team))
    with pytest.raises(InvalidInputError):
        services.create_project_revision(team=world.b.team, actor=SYSTEM, project=project)


# Project status --------------------------------------------------------------------------------
ALLOWED = {
    ProjectStatus.PLANNED: {ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD, ProjectStatus.CANCELLED},
    ProjectStatus.ACTIVE: {ProjectStatus.ON_HOLD, ProjectStatus.COMPLETED, ProjectStatus.CANCELLED},
    ProjectStatus.ON_HOLD: {ProjectStatus.ACTIVE, ProjectStatus.CANCELLED},
    ProjectStatus.COMPLETED: set(),
    ProjectStatus.CANCELLED: set(),
}


@pytest.mark.parametrize("start", list(ProjectStatus))
def test_status_transitions(world: World, start: ProjectStatus) -> None:
    for target in ProjectStatus:
        project = ProjectFactory(team=world.a.team, status=start)
        response = world.api.post(f"/v1/projects/{project.pk}/update", {"status": target})
        project.refresh_from_db()
        if target == start or target in ALLOWED[start]:
            assert response.status_code == 200, (start, target, response)
            assert project.status == target
        else:
            assert response.status_code == 409, (start, target, response)
            assert response.issue_paths == ["status"] and project.status == start


def test_budget_and_currency(world: World) -> None:
    project = ProjectFactory(team=world.a.team)
    updated = services.update_project(project=project, actor=SYSTEM, changes={"budget": 100})
    assert updated.currency == world.a.team.currency
    cleared = services.update_project(project=project, actor=SYSTEM, changes={"budget": None})
    assert cleared.currency == ""
    with pytest.raises(StateConflictError):
        services.update_project(
            project=ProjectFactory(team=world.a.team, status=ProjectStatus.COMPLETED),
            actor=SYSTEM,
            changes={"status": ProjectStatus.ACTIVE},
        )


def test_archived_client_gets_no_new_project(world: World) -> None:
    client = ClientFactory(team=world.a.team, archived=True)
    response = world.api.post("/v1/projects", {"name": "P", "clientId": str(client.pk)})
    assert response.status_code == 400 and response.issue_paths == ["clientId"]
