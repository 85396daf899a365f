"""Flow templates edited inline on the job type's admin page, with the PDF preview link, team-scoped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Role
from accounts.roles import group_name
from flows.models import FlowKind, FlowTemplate, RecipientRule
from jobs.models import JobType
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import JobTypeFactory, MembershipFactory
from tests.flows.factories import FlowTemplateFactory, complete, job_ready_to_complete

pytestmark = pytest.mark.django_db

PREFIX = "flow_templates"


def change_url(job_type: JobType) -> str:
    return f"/admin/jobs/jobtype/{job_type.pk}/change/"


def job_type_form(job_type: JobType, templates: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    """The job type's own fields and the inline formset, as the change page posts them."""
    data: dict[str, Any] = {
        "name": job_type.name,
        "description": job_type.description,
        "payload_schema": json.dumps(job_type.payload_schema) if job_type.payload_schema is not None else "",
        "active": "on",
        f"{PREFIX}-TOTAL_FORMS": len(templates),
        f"{PREFIX}-INITIAL_FORMS": initial,
        f"{PREFIX}-MIN_NUM_FORMS": 0,
        f"{PREFIX}-MAX_NUM_FORMS": 1000,
    }
    for index, template in enumerate(templates):
        row = {
            "job_type": job_type.pk, "kind": FlowKind.REPORT, "recipient_rule": RecipientRule.CLIENT,
            "fixed_recipients": "[]", "result_types": "[]", "active": "on", **template,
        }  # fmt: skip
        data.update({f"{PREFIX}-{index}-{name}": value for name, value in row.items()})
    return data


def test_the_change_page_shows_the_inline_with_a_preview_link(world: World) -> None:
    job = job_ready_to_complete(world.a)
    complete(job)
    template = FlowTemplate.objects.get(job_type=job.job_type, name="Service report")
    page = staff_client(world.a.owner).get(change_url(job.job_type))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="{PREFIX}-TOTAL_FORMS"' in html
    assert "Gas safety certificate" in html and "Service report" in html
    preview = f"/admin/flows/flowtemplate/{template.pk}/preview/"
    assert preview in html  # the standalone admin's preview view, linked from the inline
    pdf = staff_client(world.a.owner).get(preview)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Adding a job type stays one simple form (its templates come once it exists).
    assert f"{PREFIX}-TOTAL_FORMS" not in staff_client(world.a.owner).get("/admin/jobs/jobtype/add/").content.decode()


def test_templates_are_added_and_edited_through_the_inline_in_the_job_types_team(world: World) -> None:
    job_type = JobTypeFactory(team=world.a.team)
    existing = FlowTemplateFactory(team=world.a.team, job_type=job_type, name="Service report")
    edited = {"id": existing.pk, "name": "Service report", "subject": "Report — {{ site.name }}", "body": existing.body}
    added = {
        "name": "Safety certificate", "kind": FlowKind.CERTIFICATE, "subject": "Certificate {{ job.reference }}",
        "body": "<p>{{ asset.name }} is safe.</p>", "recipient_rule": RecipientRule.FIXED,
        "fixed_recipients": '["safety@example.com"]', "result_types": '["SUCCESS"]',
    }  # fmt: skip
    body = job_type_form(job_type, [edited, added], initial=1)
    response = staff_client(world.a.owner).post(change_url(job_type), body)
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"][0].formset.errors
    existing.refresh_from_db()
    assert existing.subject == "Report — {{ site.name }}"
    created = FlowTemplate.objects.get(job_type=job_type, name="Safety certificate")
    assert created.team_id == world.a.team.pk  # the job type's team, never chosen on the form
    assert created.kind == FlowKind.CERTIFICATE and created.fixed_recipients == ["safety@example.com"]
    assert created.result_types == ["SUCCESS"]


def test_the_inline_refuses_what_the_api_refuses(world: World) -> None:
    job_type = JobTypeFactory(team=world.a.team)
    FlowTemplateFactory(team=world.a.team, job_type=job_type, name="Service report")
    owner = staff_client(world.a.owner)
    cases = [
        ({"name": "Broken", "subject": "x", "body": "{% if %}"}, "body"),
        ({"name": "Nobody", "subject": "x", "body": "<p>x</p>", "recipient_rule": RecipientRule.FIXED},
         "fixed_recipients"),
        ({"name": "Service report", "subject": "x", "body": "<p>x</p>"}, "name"),  # taken in this type
    ]  # fmt: skip
    for template, field in cases:
        response = owner.post(change_url(job_type), job_type_form(job_type, [template]))
        assert response.status_code == 200, template
        [errors] = response.context["inline_admin_formsets"][0].formset.errors
        assert field in errors, (template, errors)
    twins = [{"name": "Notice", "subject": "x", "body": "<p>x</p>"}] * 2
    response = owner.post(change_url(job_type), job_type_form(job_type, twins))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[1]  # the second "Notice"
    assert FlowTemplate.objects.filter(job_type=job_type).count() == 1


def test_another_teams_job_type_is_not_found_and_gets_no_template(world: World) -> None:
    theirs = JobTypeFactory(team=world.b.team)
    alpha = staff_client(world.a.owner)
    assert alpha.get(change_url(theirs)).status_code in (302, 404)
    body = job_type_form(theirs, [{"name": "Sneaky", "subject": "x", "body": "<p>x</p>"}])
    assert alpha.post(change_url(theirs), body).status_code in (302, 404)
    assert not FlowTemplate.objects.filter(job_type=theirs).exists()


def test_the_inline_follows_the_rights_in_the_job_types_own_team(world: World) -> None:
    """Owner in alpha, dispatcher in bravo where dispatchers lose flow-template rights: no inline in bravo."""
    person = world.a.owner
    MembershipFactory(team=world.b.team, user=person, role=Role.DISPATCHER)
    dispatchers = Group.objects.get(name=group_name(Role.DISPATCHER))
    dispatchers.permissions.remove(*Permission.objects.filter(content_type__model="flowtemplate"))
    ours, theirs = JobTypeFactory(team=world.a.team), JobTypeFactory(team=world.b.team)
    web = staff_client(person)
    assert f'name="{PREFIX}-TOTAL_FORMS"' in web.get(change_url(ours)).content.decode()
    web.post("/settings/switch-team/", {"team": world.b.team.slug})  # the admin works in one team at a time
    page = web.get(change_url(theirs))
    assert page.status_code == 200 and f"{PREFIX}-TOTAL_FORMS" not in page.content.decode()
    body = job_type_form(theirs, [{"name": "Sneaky", "subject": "x", "body": "<p>x</p>"}])
    web.post(change_url(theirs), body)
    assert not FlowTemplate.objects.filter(job_type=theirs).exists()
