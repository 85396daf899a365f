""" "No value" is `null`, never `""`: on every way out of the API, in the schema, and in requests.

The rule lives in one place per side: `core.wire.to_wire` (answers, webhook payloads, the
events feed, MCP), `EnvelopeAutoSchema` (a response string that may be empty is published nullable)
and `InputSerializer` (a text field that may be empty takes `null`, stored as `""`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import camelize

from core.wire import to_wire
from projects.models import Client
from tests.conftest import World
from tests.contract import empty_strings
from tests.factories import ClientFactory, JobFactory, SiteFactory
from tests.openapi import schema
from webhooks.models import EventType, WebhookEvent
from webhooks.payloads import object_json
from webhooks.services import record_event

pytestmark = pytest.mark.django_db


# to_wire ----------------------------------------------------------------------------------------------
KEYS = ["id", "scheduled_date", "line_1", "address_line2", "a_b_c", "already_camelCase", "_private", "x_1_y", "URL_x"]


def test_to_wire_names_keys_as_the_camel_case_library_does() -> None:
    data = {key: {key: [{key: 1}]} for key in KEYS}
    assert json.dumps(to_wire(data)) == json.dumps(camelize(data, **camel_settings.JSON_UNDERSCOREIZE))


def test_to_wire_sends_null_for_every_empty_string_nested_or_not() -> None:
    data = {"notes": "", "client": {"email": "", "name": "Acme"}, "lines": [{"description": ""}, ""], "n": 0}
    assert to_wire(data) == {"notes": None, "client": {"email": None, "name": "Acme"},
                             "lines": [{"description": None}, None], "n": 0}  # fmt: skip
    assert to_wire((gettext_lazy(""), "x", False)) == [None, "x", False]


def test_authored_documents_keep_their_keys_and_empty_strings() -> None:
    data = {"payload": {"snake_key": ""}, "result": [""], "payload_schema": {"default": ""}, "attributes": {"a": ""}}
    assert to_wire(data) == {"payload": {"snake_key": ""}, "result": [""], "payloadSchema": {"default": ""},
                             "attributes": {"a": ""}}  # fmt: skip


def test_a_snapshot_keeps_its_stored_keys_but_not_its_empty_strings() -> None:
    stored = {"project": {"clientName": "Acme", "notes": ""}, "jobs": [{"notes": "", "payload": {"k": ""}}]}
    assert to_wire({"snapshot": stored}) == {
        "snapshot": {"project": {"clientName": "Acme", "notes": None}, "jobs": [{"notes": None, "payload": {"k": ""}}]}
    }


# The schema -------------------------------------------------------------------------------------------
def _property(component: str, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = schema()["components"]["schemas"][component]["properties"]
    return properties[name]


@pytest.mark.parametrize(
    ("component", "name"),
    [("Client", "notes"), ("Site", "contactName"), ("Address", "line2"), ("Job", "notes"), ("Job", "cancelReason"),
     ("AssetType", "description"), ("Invoice", "notes"), ("ProjectJob", "notes"), ("SnapshotProject", "notes"),
     ("AssetBrief", "serialNumber"), ("SearchHit", "subtitle")],
)  # fmt: skip
def test_a_response_string_that_may_be_empty_is_nullable(component: str, name: str) -> None:
    assert _property(component, name)["type"] == ["string", "null"]


@pytest.mark.parametrize(("component", "name"), [("Client", "name"), ("Job", "jobType"), ("Actor", "name")])
def test_a_string_that_is_never_empty_stays_a_string(component: str, name: str) -> None:
    assert _property(component, name)["type"] == "string"


@pytest.mark.parametrize(
    ("component", "name"),
    [("ClientCreateRequest", "notes"), ("SiteUpdateRequest", "contactName"), ("AddressInputRequest", "region"),
     ("JobCreateRequest", "notes")],
)  # fmt: skip
def test_a_request_text_field_that_may_be_empty_takes_null(component: str, name: str) -> None:
    assert "null" in _property(component, name)["type"]


# Requests: null, "" or left out ---------------------------------------------------------------------------
def test_null_empty_or_left_out_are_all_stored_empty_and_answered_null(world: World) -> None:
    body = {"name": "Acme", "notes": None, "phone": "", "billingAddress": {"line1": "1 Quay St", "region": None}}
    response = world.api.post("/v1/clients", body)
    assert response.status_code == 201, response
    client = Client.objects.get(pk=response.data["id"])
    assert (client.notes, client.phone, client.external_reference, client.billing_region) == ("", "", "", "")
    assert response.data["notes"] is response.data["phone"] is response.data["externalReference"] is None
    assert response.data["billingAddress"]["region"] is None and response.data["billingAddress"]["line1"] == "1 Quay St"
    assert empty_strings(response.json) == []


def test_null_on_update_clears_a_text_field(world: World) -> None:
    site = SiteFactory(team=world.a.team, contact_name="Dana", access_notes="Key under the mat")
    response = world.api.post(f"/v1/sites/{site.pk}/update", {"contactName": None, "accessNotes": ""})
    assert response.status_code == 200, response
    assert response.data["contactName"] is None and response.data["accessNotes"] is None
    site.refresh_from_db()
    assert (site.contact_name, site.access_notes) == ("", "")


def test_null_is_still_refused_where_a_value_is_required(world: World) -> None:
    response = world.api.post("/v1/clients", {"name": None})
    assert response.status_code == 400 and response.issue_paths == ["name"]


# Beyond the REST views: nested objects, webhook payloads, the events feed ------------------------------------
def test_nested_objects_answer_null_too(world: World) -> None:
    client = ClientFactory(team=world.a.team, email="", phone="")
    site = SiteFactory(team=world.a.team, client=client)
    job = JobFactory(team=world.a.team, client=client, site=site)
    response = world.api.get(f"/v1/sites/{site.pk}")
    assert response.data["contactName"] is None and response.data["address"]["line2"] is None
    assert empty_strings(world.api.get(f"/v1/jobs/{job.pk}").json) == []


def test_webhook_payloads_and_events_answer_null(world: World) -> None:
    client = ClientFactory(team=world.a.team, notes="")
    assert object_json(world.a.team, client)["notes"] is None
    job = JobFactory(team=world.a.team, notes="", payload={"left": ""})
    event = record_event(EventType.JOB_CREATED, job)
    body = json.loads(event.body)
    assert body["data"]["object"]["notes"] is None and body["data"]["object"]["payload"] == {"left": ""}
    # An event recorded before the rule holds `""`: the feed answers null all the same.
    body["data"]["object"]["notes"] = ""
    WebhookEvent.objects.filter(pk=event.pk).update(body=json.dumps(body))
    feed = world.api.get("/v1/events", {"objectId": str(job.pk)})
    assert feed.status_code == 200, feed
    (shown,) = feed.data
    assert shown["data"]["object"]["notes"] is None and shown["data"]["object"]["payload"] == {"left": ""}
