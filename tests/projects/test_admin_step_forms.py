"""A project template's steps in the admin: each payload a form generated from the step's job type."""

from __future__ import annotations

import json

import pytest
from django.test import Client as DjangoClient

from projects.models import ProjectTemplate
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import JobTypeFactory

pytestmark = pytest.mark.django_db

SCHEMA = {"type": "object", "properties": {"kw": {"type": "number", "title": "Rated output (kW)", "minimum": 1},
          "roof": {"type": "string", "enum": ["tile", "slate"]}}, "required": ["kw"]}  # fmt: skip


@pytest.fixture
def staff_a(world: World) -> DjangoClient:
    return staff_client(world.a.owner)


def template_body(world: World, *steps: dict) -> dict:
    body = {"team": world.a.team.pk, "name": "Solar", "description": "", "steps-TOTAL_FORMS": len(steps),
            "steps-INITIAL_FORMS": 0}  # fmt: skip
    for index, step in enumerate(steps):
        body.update({f"steps-{index}-{name}": value for name, value in step.items()})
    return body


def test_a_steps_payload_is_drawn_from_its_type_and_saved_as_its_json(world: World, staff_a: DjangoClient) -> None:
    solar = JobTypeFactory(team=world.a.team, key="solar", payload_schema=SCHEMA)
    page = staff_a.get("/admin/projects/projecttemplate/add/").content.decode()
    assert 'data-schema-source="job_type"' in page and "/admin/jobs/job/type-schema/" in page
    step = {"position": 0, "job_type": solar.pk, "title": "Install", "offset_days": 0,
            "payload": json.dumps({"kw": 4.5, "roof": ""})}  # fmt: skip
    response = staff_a.post("/admin/projects/projecttemplate/add/", template_body(world, step))
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert [s.payload for s in ProjectTemplate.objects.get().steps.all()] == [{"kw": 4.5}]


def test_every_steps_payload_issues_show_on_its_row_and_nothing_is_saved(world: World, staff_a: DjangoClient) -> None:
    solar = JobTypeFactory(team=world.a.team, key="solar", payload_schema=SCHEMA)
    bad = {"position": 0, "job_type": solar.pk, "title": "Install", "offset_days": 0,
           "payload": json.dumps({"kw": 0, "roof": "thatch"})}  # fmt: skip
    missing = {"position": 1, "job_type": solar.pk, "title": "Check", "offset_days": "soon", "payload": "{}"}
    response = staff_a.post("/admin/projects/projecttemplate/add/", template_body(world, bad, missing))
    assert response.status_code == 200
    first, second = response.context["inline_admin_formsets"][0].formset.errors
    assert "kw" in str(first["payload"]) and "roof" in str(first["payload"])
    assert "offset_days" in second and "kw" in str(second["payload"])  # Django's and the schema's, together
    assert not ProjectTemplate.objects.exists()
