"""Events from assets, projects and invoicing: each in the change's transaction, its object as the API shows it."""

from __future__ import annotations

import json

import pytest

from accounts.models import Actor
from assets.services import archive_asset, create_asset, update_asset
from invoicing.services import approve_invoice, finalize_invoice
from projects.services import create_project
from tests.assets.factories import AssetTypeFactory
from tests.conftest import World
from tests.factories import ClientFactory, SiteFactory
from tests.invoicing.factories import draft_with_line
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(world: World) -> None:
    from tests.webhooks.factories import make_endpoint

    make_endpoint(world.a)


def last_object(event_type: str) -> dict:
    event = WebhookEvent.objects.filter(type=event_type).order_by("-created_at").first()
    assert event is not None, f"no {event_type} event"
    body = json.loads(event.body)
    assert body["type"] == event_type
    return body["data"]["object"]


def test_asset_events(world: World, subscribed: None) -> None:
    actor = Actor(user=world.a.owner)
    site = SiteFactory(team=world.a.team)
    AssetTypeFactory(team=world.a.team, key="boiler")
    asset = create_asset(team=world.a.team, actor=actor, site=site, name="Boiler", asset_type="boiler")
    assert last_object("asset.created") == world.api.get(f"/v1/assets/{asset.pk}").data
    update_asset(asset=asset, actor=actor, name="Main boiler")
    assert last_object("asset.updated") == world.api.get(f"/v1/assets/{asset.pk}").data
    assert last_object("asset.updated")["name"] == "Main boiler"
    archive_asset(asset=asset, actor=actor)
    assert last_object("asset.archived") == world.api.get(f"/v1/assets/{asset.pk}").data


def test_project_created(world: World, subscribed: None) -> None:
    client = ClientFactory(team=world.a.team)
    project = create_project(team=world.a.team, actor=Actor(user=world.a.owner), client=client, name="Retrofit")
    assert last_object("project.created") == world.api.get(f"/v1/projects/{project.pk}").data


def test_invoice_finalized_and_approved(world: World, subscribed: None) -> None:
    actor = Actor(user=world.a.owner)
    invoice = draft_with_line(world.a.team)
    finalize_invoice(team=world.a.team, actor=actor, invoice=invoice)
    finalized = last_object("invoice.finalized")
    assert finalized == world.api.get(f"/v1/invoices/{invoice.pk}").data and finalized["status"] == "FINALIZED"
    approve_invoice(team=world.a.team, actor=actor, invoice=invoice)
    assert last_object("invoice.approved") == world.api.get(f"/v1/invoices/{invoice.pk}").data
