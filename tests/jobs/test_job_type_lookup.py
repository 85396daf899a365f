"""A job type named by its key or its id: one selector (`jobs.selectors`), one reading, one error."""

from __future__ import annotations

import pytest

from core.exceptions import InvalidInputError
from jobs.models import Job, JobType
from jobs.selectors import job_type_by_key_or_id, job_type_match
from tests.conftest import World
from tests.factories import JobFactory, JobTypeFactory

pytestmark = pytest.mark.django_db


def test_by_key_or_id_within_the_team(world: World) -> None:
    mine = JobTypeFactory(team=world.a.team, key="boiler-service")
    theirs = JobTypeFactory(team=world.b.team, key="meter-swap")
    assert job_type_by_key_or_id(team=world.a.team, value="boiler-service").pk == mine.pk
    assert job_type_by_key_or_id(team=world.a.team, value=str(mine.pk)).pk == mine.pk
    for value in ("meter-swap", str(theirs.pk), "nothing-like-it"):
        with pytest.raises(InvalidInputError) as refused:
            job_type_by_key_or_id(team=world.a.team, value=value, path="steps.0.jobType")
        assert refused.value.issues == [("steps.0.jobType", "No job type with this key or id in your team.")]


def test_the_same_match_filters_jobs_by_key_or_id(world: World) -> None:
    service, install = JobTypeFactory(team=world.a.team, key="service"), JobTypeFactory(team=world.a.team)
    job = JobFactory(team=world.a.team, job_type=service)
    JobFactory(team=world.a.team, job_type=install)
    for value in ("service", str(service.pk)):
        assert list(Job.objects.filter(job_type_match(value)).values_list("pk", flat=True)) == [job.pk]
        assert list(JobType.objects.filter(job_type_match(value, relation="")).values_list("pk", flat=True)) == [
            service.pk
        ]


def test_every_endpoint_that_takes_a_key_gives_the_same_error(world: World) -> None:
    JobTypeFactory(team=world.b.team, key="other-teams")
    job = world.api.post("/v1/jobs", body={"jobType": "other-teams"})
    template = world.api.post(
        "/v1/project-templates", body={"name": "Solar", "steps": [{"jobType": "other-teams", "title": "Survey"}]}
    )
    assert (job.status_code, template.status_code) == (400, 400)
    assert job.issues == [{"path": "jobType", "message": "No job type with this key or id in your team."}]
    assert template.issues == [{"path": "steps.0.jobType", "message": "No job type with this key or id in your team."}]
