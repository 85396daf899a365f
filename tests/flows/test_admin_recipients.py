"""A flow template's fixed recipients in the admin: email inputs, every wrong address named, nothing saved."""

from __future__ import annotations

import json

import pytest

from flows.models import FlowKind, FlowTemplate, RecipientRule
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import JobTypeFactory

pytestmark = pytest.mark.django_db


def template_body(world: World, job_type, recipients) -> dict:
    return {"team": world.a.team.pk, "job_type": job_type.pk, "name": "Certificate", "kind": FlowKind.CERTIFICATE,
            "subject": "Certificate", "body": "<p>Safe.</p>", "recipient_rule": RecipientRule.FIXED,
            "fixed_recipients": json.dumps(recipients), "result_types": "[]", "active": "on"}  # fmt: skip


def test_addresses_from_the_list_inputs_are_saved(world: World) -> None:
    owner = staff_client(world.a.owner)
    job_type = JobTypeFactory(team=world.a.team)
    page = owner.get("/admin/flows/flowtemplate/add/").content.decode()
    assert "&quot;format&quot;: &quot;email&quot;" in page and "Advanced: raw JSON" in page
    body = template_body(world, job_type, ["safety@example.com", "", " office@example.com ", "safety@example.com"])
    response = owner.post("/admin/flows/flowtemplate/add/", body)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert FlowTemplate.objects.get().fixed_recipients == ["safety@example.com", "office@example.com"]


def test_every_wrong_address_is_named_and_nothing_is_saved(world: World) -> None:
    owner = staff_client(world.a.owner)
    job_type = JobTypeFactory(team=world.a.team)
    body = {**template_body(world, job_type, ["ok@example.com", "nope", "also wrong"]), "body": "{% if %}"}
    response = owner.post("/admin/flows/flowtemplate/add/", body)
    errors = response.context["adminform"].form.errors
    assert "Not an email address: nope" in errors["fixed_recipients"]
    assert "Not an email address: also wrong" in errors["fixed_recipients"]
    assert "body" in errors  # the template's own check, at the same time
    assert not FlowTemplate.objects.exists()
