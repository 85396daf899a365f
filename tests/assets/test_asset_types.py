"""`/v1/asset-types` through the shared contract base, and the asset-type services' rules."""

from __future__ import annotations

from typing import Any, cast

import pytest

from accounts.models import Actor
from assets import services
from assets.models import AssetType
from core.exceptions import InvalidInputError, StateConflictError
from tests.assets.factories import HEAT_PUMP_SCHEMA, AssetTypeFactory, make_asset
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import SiteFactory


def asset_type_in(team_world: TeamWorld, **fields: Any) -> AssetType:
    fields.setdefault("attributes_schema", HEAT_PUMP_SCHEMA)
    return cast(AssetType, AssetTypeFactory(team=team_world.team, **fields))


class TestListAssetTypes(EndpointContract):
    path, scope, is_list = "/v1/asset-types", "assets.read", True

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            asset_type_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        mine = asset_type_in(world.a, key="heat-pump")
        asset_type_in(world.b, key="heat-pump")
        again = world.api.get(self.path)
        assert [row["id"] for row in again.data] == [str(mine.pk)], "only the caller's team's types"
        assert again.data[0]["key"] == "heat-pump"
        assert again.data[0]["attributesSchema"] == HEAT_PUMP_SCHEMA, "schema keys are kept as written"


class TestGetAssetType(EndpointContract):
    path, scope = "/v1/asset-types/{id}", "assets.read"

    def make_object(self, team_world: TeamWorld) -> AssetType:
        return asset_type_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk) and response.data["key"] == obj.key
        assert set(response.data) == {
            "id", "key", "name", "description", "attributesSchema", "createdAt", "updatedAt",
        }  # fmt: skip

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404, never a 500; GET by id takes no other input."""
        assert world.api.get("/v1/asset-types/not-a-uuid").status_code == 404


class TestCreateAssetType(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/asset-types", "assets.write", 201
    bad_inputs = [
        BadInput(path="key", body={"name": "Boiler"}),
        BadInput(path="key", body={"key": "Not a slug!", "name": "Boiler"}),
        BadInput(path="name", body={"key": "boiler"}),
        BadInput(path="attributesSchema", body={"key": "boiler", "name": "Boiler", "attributesSchema": [1]}),
        BadInput(
            path="attributesSchema.type",
            body={"key": "boiler", "name": "Boiler", "attributesSchema": {"type": "thing"}},
        ),
        BadInput(path="color", body={"key": "boiler", "name": "Boiler", "color": "red"}),
        BadInput(path="", body=[1]),
    ]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "key": "heat-pump",
            "name": "Air source heat pump",
            "description": "Monobloc and split units",
            "attributesSchema": HEAT_PUMP_SCHEMA,
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        created = AssetType.objects.get(pk=response.data["id"])
        assert created.team == world.a.team and created.key == "heat-pump"
        assert created.attributes_schema == HEAT_PUMP_SCHEMA
        assert response.data["attributesSchema"] == HEAT_PUMP_SCHEMA

    def test_every_issue_is_reported_at_once(self, world: World) -> None:
        response = world.api.post(self.path, {"key": "No Slug", "name": "", "attributesSchema": "x"})
        assert response.status_code == 400
        assert {"key", "name", "attributesSchema"} <= set(response.issue_paths)

    def test_a_duplicate_key_is_409_and_another_teams_key_is_free(self, world: World) -> None:
        asset_type_in(world.a, key="boiler")
        asset_type_in(world.b, key="heat-pump")
        again = world.api.post(self.path, {"key": "boiler", "name": "Boiler again"})
        assert again.status_code == 409 and again.issue_paths == ["key"]
        theirs = world.api.post(self.path, {"key": "heat-pump", "name": "Heat pump"})
        assert theirs.status_code == 201

    def test_assets_can_then_use_the_type(self, world: World) -> None:
        """The point of the endpoint: an API-only integrator creates a type, then an asset of it."""
        self.call(world.api, None, self.body(world, None))
        site = SiteFactory(team=world.a.team)
        bad = world.api.post("/v1/assets", {"siteId": str(site.pk), "name": "HP", "assetType": "heat-pump"})
        assert bad.status_code == 400 and bad.issue_paths == ["attributes"], "the type's schema applies"
        body = {"siteId": str(site.pk), "name": "HP", "assetType": "heat-pump", "attributes": {"refrigerant": "R32"}}
        assert world.api.post("/v1/assets", body).status_code == 201


class TestUpdateAssetType(EndpointContract):
    method, path, scope = "post", "/v1/asset-types/{id}/update", "assets.write"
    bad_inputs = [
        BadInput(path="key", body={"key": "another-key"}),
        BadInput(path="name", body={"name": ""}),
        BadInput(path="attributesSchema", body={"attributesSchema": "strict"}),
        BadInput(path="attributesSchema.required", body={"attributesSchema": {"required": "refrigerant"}}),
        BadInput(path="id", body={"id": "00000000-0000-4000-8000-000000000000"}),
    ]

    def make_object(self, team_world: TeamWorld) -> AssetType:
        return asset_type_in(team_world, key="heat-pump", name="Heat pump")

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"name": "Air source heat pump", "attributesSchema": None}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert obj.name == "Air source heat pump" and obj.attributes_schema is None
        assert obj.key == "heat-pump"
        assert response.data["name"] == "Air source heat pump" and response.data["attributesSchema"] is None

    def test_only_the_fields_sent_change(self, world: World) -> None:
        asset_type = self.make_object(world.a)
        response = world.api.post(self.url(asset_type), {"description": "Monobloc units"})
        assert response.status_code == 200
        asset_type.refresh_from_db()
        assert (asset_type.name, asset_type.description) == ("Heat pump", "Monobloc units")
        assert asset_type.attributes_schema == HEAT_PUMP_SCHEMA


@pytest.mark.django_db
class TestAssetTypeServices:
    def test_create_checks_the_schema_and_the_key(self, world: World) -> None:
        actor = Actor(user=world.a.owner)
        with pytest.raises(InvalidInputError) as refused:
            services.create_asset_type(
                team=world.a.team, actor=actor, key="meter", name="Meter", attributes_schema={"type": 5}
            )
        assert refused.value.issues[0][0] == "attributesSchema.type"
        services.create_asset_type(team=world.a.team, actor=actor, key="meter", name=" Meter ")
        assert AssetType.objects.get(team=world.a.team, key="meter").name == "Meter"
        with pytest.raises(StateConflictError):
            services.create_asset_type(team=world.a.team, actor=actor, key="meter", name="Meter")

    def test_update_refuses_the_key_and_leaves_a_no_op_unsaved(self, world: World) -> None:
        asset_type = asset_type_in(world.a, key="heat-pump", name="Heat pump")
        actor = Actor(user=world.a.owner)
        with pytest.raises(InvalidInputError):
            services.update_asset_type(asset_type=asset_type, actor=actor, key="pump")
        before = asset_type.updated_at
        same = services.update_asset_type(asset_type=asset_type, actor=actor, name="Heat pump")
        assert same.updated_at == before

    def test_a_new_schema_applies_when_an_asset_next_changes(self, world: World) -> None:
        asset = make_asset(team=world.a.team, asset_type="boiler", attributes={"fuel": "oil"})
        boiler = AssetType.objects.get(team=world.a.team, key="boiler")
        strict = {"type": "object", "properties": {"fuel": {"enum": ["natural-gas", "lpg"]}}}
        services.update_asset_type(asset_type=boiler, actor=Actor(), attributes_schema=strict)
        asset.refresh_from_db()
        assert asset.attributes == {"fuel": "oil"}, "stored assets are not rewritten"
        with pytest.raises(InvalidInputError) as refused:
            services.update_asset(asset=asset, actor=Actor(), attributes={"fuel": "coal"})
        assert refused.value.issues[0][0] == "attributes.fuel"
