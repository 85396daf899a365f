"""A plan's `defaultPayload` is the author's document, as a job's `payload` is: its keys are kept as sent
(not snake_cased on the way in nor camelCased on the way out), so it passes the job type's JSON Schema
and each visit's job gets it as written."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.models import Job
from plans import services, worker
from plans.models import MaintenancePlan
from tests.conftest import World
from tests.factories import JobTypeFactory, SiteFactory

pytestmark = pytest.mark.django_db
SCHEMA = {
    "type": "object",
    "required": ["fuelType"],
    "properties": {"fuelType": {"type": "string"}, "flue_check": {"type": "string"}},
}


def test_default_payload_keeps_its_authors_keys_in_and_out(world: World) -> None:
    site = SiteFactory(team=world.a.team)
    job_type = JobTypeFactory(team=world.a.team, payload_schema=SCHEMA)
    today = services.today_for(world.a.team)
    payload = {"fuelType": "natural-gas", "flue_check": ""}
    response = world.api.post(
        "/v1/maintenance-plans",
        {"name": "Boiler service", "clientId": str(site.client_id), "siteId": str(site.pk),
         "jobTypeId": str(job_type.pk), "rrule": "FREQ=YEARLY", "startDate": today.isoformat(),
         "defaultPayload": payload},
    )  # fmt: skip
    assert response.status_code == 201, response
    assert response.data["defaultPayload"] == payload
    plan = MaintenancePlan.objects.get(pk=response.data["id"])
    assert plan.default_payload == payload
    assert world.api.get(f"/v1/maintenance-plans/{plan.pk}").data["defaultPayload"] == payload
    assert world.api.get("/v1/maintenance-plans").data[0]["defaultPayload"] == payload
    worker.create_due_jobs(today=today + dt.timedelta(days=1))
    assert Job.objects.get(team=world.a.team).payload == payload

    changed = world.api.post(f"/v1/maintenance-plans/{plan.pk}/update", {"defaultPayload": {"fuelType": "lpg"}})
    assert changed.status_code == 200 and changed.data["defaultPayload"] == {"fuelType": "lpg"}
