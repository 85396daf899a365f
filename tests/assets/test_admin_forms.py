"""Asset types' schemas as rows, and assets' attributes as a form generated from their type's schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assets.models import Asset, AssetType
from tests.admin.conftest import staff_client
from tests.assets.factories import HEAT_PUMP_SCHEMA, AssetTypeFactory
from tests.conftest import World
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_a(world: World) -> Client:
    return staff_client(world.a.owner)


def asset_body(world: World, site, **fields):
    return {"team": str(world.a.team.pk), "site": str(site.pk), "name": "Loft pump", "asset_type": "heat-pump",
            "status": "ACTIVE", "serial_number": "HP-1", **fields}  # fmt: skip


def test_rows_save_an_attributes_schema_and_bad_rows_save_nothing(world: World, owner_a: Client) -> None:
    rows = [{"name": "refrigerant", "kind": "string", "required": True, "choices": ["R32", "R290"]},
            {"name": "rated_output_kw", "title": "Rated output (kW)", "kind": "number", "minimum": 0}]  # fmt: skip
    body = {"team": str(world.a.team.pk), "key": "heat-pump", "name": "Heat pump", "description": "",
            "attributes_schema": json.dumps(rows)}  # fmt: skip
    response = owner_a.post("/admin/assets/assettype/add/", body)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert AssetType.objects.get().attributes_schema == {
        "type": "object",
        "properties": {
            "refrigerant": {"type": "string", "enum": ["R32", "R290"]},
            "rated_output_kw": {"type": "number", "title": "Rated output (kW)", "minimum": 0},
        },
        "required": ["refrigerant"],
    }
    bad = [{"name": "a b", "kind": "string"}, {"name": "x", "kind": "integer", "minimum": "lots"}]
    refused = owner_a.post(
        "/admin/assets/assettype/add/", {**body, "key": "other", "attributes_schema": json.dumps(bad)}
    )
    problems = " ".join(refused.context["adminform"].form.errors["attributes_schema"])
    assert "letters, digits and _ only" in problems and "must be a number" in problems
    assert AssetType.objects.count() == 1


def test_attributes_come_from_the_types_generated_form(world: World, owner_a: Client) -> None:
    AssetTypeFactory(team=world.a.team, key="heat-pump", name="Heat pump", attributes_schema=HEAT_PUMP_SCHEMA)
    AssetTypeFactory(team=world.b.team, key="other-teams", name="Theirs")
    site = SiteFactory(team=world.a.team)
    page = owner_a.get("/admin/assets/asset/add/").context["adminform"].form
    assert [key for key, _ in page.fields["asset_type"].choices if key] == ["heat-pump"]  # the team's types only
    drawn = owner_a.get("/admin/assets/asset/add/?asset_type=heat-pump").content.decode()
    assert "&quot;refrigerant&quot;" in drawn and 'data-schema-source="asset_type"' in drawn
    attributes = json.dumps({"refrigerant": "R32", "rated_output_kw": 7.5})
    response = owner_a.post("/admin/assets/asset/add/", asset_body(world, site, attributes=attributes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Asset.objects.get().attributes == {"refrigerant": "R32", "rated_output_kw": 7.5}


def test_bad_attributes_show_every_error_with_the_other_fields(world: World, owner_a: Client) -> None:
    AssetTypeFactory(team=world.a.team, key="heat-pump", name="Heat pump", attributes_schema=HEAT_PUMP_SCHEMA)
    site = SiteFactory(team=world.a.team)
    attributes = json.dumps({"refrigerant": "", "rated_output_kw": -1})  # "" is a field left empty
    response = owner_a.post("/admin/assets/asset/add/", asset_body(world, site, attributes=attributes,
                                                                    install_date="soon"))  # fmt: skip
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"attributes", "install_date"} <= set(form.errors)
    assert set(form.fields["attributes"].widget.error_map) == {"refrigerant", "rated_output_kw"}
    assert not Asset.objects.exists()


def test_the_asset_type_schema_view_is_team_scoped(world: World) -> None:
    AssetTypeFactory(team=world.b.team, key="secret", attributes_schema=HEAT_PUMP_SCHEMA)
    AssetTypeFactory(team=world.a.team, key="heat-pump", attributes_schema=HEAT_PUMP_SCHEMA)
    client = staff_client(world.a.owner)
    assert client.get("/admin/assets/asset/type-schema/", {"type": "heat-pump"}).json()["schema"] == HEAT_PUMP_SCHEMA
    assert client.get("/admin/assets/asset/type-schema/", {"type": "secret"}).status_code == 404
