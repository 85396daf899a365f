"""Every assets endpoint through the shared contract base."""

from __future__ import annotations

from typing import Any

from accounts.models import Actor
from assets import services
from assets.models import Asset, AssetStatus, HistoricalAsset
from tests.assets.factories import HEAT_PUMP_SCHEMA, AssetTypeFactory, make_asset
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import SiteFactory


def asset_in(team_world: TeamWorld, **fields: Any) -> Asset:
    return make_asset(team=team_world.team, **fields)


class TestListAssets(EndpointContract):
    path, scope, is_list = "/v1/assets", "assets.read", True
    bad_inputs = [
        BadInput(path="status", query={"status": "BROKEN"}),
        BadInput(path="archived", query={"archived": "maybe"}),
        BadInput(path="siteId", query={"siteId": "not-a-uuid"}),
        BadInput(path="clientId", query={"clientId": "nope"}),
        BadInput(path="warrantyExpiresBefore", query={"warrantyExpiresBefore": "31/12/2026"}),
        BadInput(path="sortBy", query={"sortBy": "serialNumber"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        site = SiteFactory(team=team_world.team)
        for _ in range(count):
            asset_in(team_world, site=site)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        mine = asset_in(world.a)
        asset_in(world.b)
        again = world.api.get(self.path)
        assert [row["id"] for row in again.data] == [str(mine.pk)], "only the caller's team's assets"
        row = again.data[0]
        assert row["clientId"] == str(mine.site.client_id) and row["assetType"] == "boiler"


class TestGetAsset(EndpointContract):
    path, scope = "/v1/assets/{id}", "assets.read"

    def make_object(self, team_world: TeamWorld) -> Asset:
        return asset_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk)
        assert response.data["openJobsCount"] == 0
        assert response.data["lastCompletedJob"] is None
        assert response.data["archived"] is False and response.data["archivedBy"] is None

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404, never a 500; GET by id takes no other input."""
        assert world.api.get("/v1/assets/not-a-uuid").status_code == 404


class TestFilterOptions(EndpointContract):
    path, scope = "/v1/assets/filter-options", "assets.read"
    bad_inputs = [BadInput(path="archived", query={"archived": "sometimes"})]

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["sites"] == [] and response.data["manufacturers"] == []
        assert [s["count"] for s in response.data["statuses"]] == [0, 0, 0]
        asset_in(world.b)
        asset_in(world.a, manufacturer="Vaillant")
        again = world.api.get(self.path).data
        assert again["manufacturers"] == [{"value": "Vaillant", "count": 1}], "another team's assets are not counted"


class TestCreateAsset(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/assets", "assets.write", 201
    bad_inputs = [
        BadInput(path="siteId", body={"name": "Boiler", "assetType": "boiler"}),
        BadInput(
            path="siteId", body={"siteId": "00000000-0000-4000-8000-000000000000", "name": "B", "assetType": "boiler"}
        ),
        BadInput(path="name", body={"assetType": "boiler"}),
        BadInput(path="assetType", body={"name": "Boiler", "assetType": "no such type"}),
        BadInput(path="status", body={"name": "Boiler", "assetType": "boiler", "status": "BROKEN"}),
        BadInput(path="installDate", body={"name": "Boiler", "assetType": "boiler", "installDate": "yesterday"}),
        BadInput(path="attributes", body={"name": "Boiler", "assetType": "boiler", "attributes": [1]}),
        BadInput(path="colour", body={"name": "Boiler", "assetType": "boiler", "colour": "red"}),
        BadInput(path="", body=[1, 2]),
    ]

    def make_object(self, team_world: TeamWorld) -> None:
        AssetTypeFactory(team=team_world.team, key="boiler", name="Boiler")
        AssetTypeFactory(team=team_world.team, key="heat-pump", name="Heat pump", attributes_schema=HEAT_PUMP_SCHEMA)
        self.site = SiteFactory(team=team_world.team)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "siteId": str(self.site.pk),
            "name": "Loft heat pump",
            "assetType": "heat-pump",
            "manufacturer": "Vaillant",
            "model": "aroTHERM plus",
            "serialNumber": " VA-123 ",
            "installDate": "2024-03-01",
            "warrantyExpiry": "2031-03-01",
            "locationNote": "Back garden",
            "attributes": {"refrigerant": "R290", "rated_output_kw": 7},
        }

    def test_bad_input_is_400(self, world: World) -> None:
        self.make_object(world.a)
        for case in self.bad_inputs:
            body = case.body
            if isinstance(body, dict) and "siteId" not in body and case.path != "siteId":
                body = {**body, "siteId": str(self.site.pk)}
            response = world.api.post(self.path, body)
            assert response.status_code == 400, (case, response)
            assert case.path in response.issue_paths, (case, response.issues)
        assert not Asset.objects.exists()

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        asset = Asset.objects.get(pk=response.data["id"])
        assert asset.team == world.a.team and asset.status == AssetStatus.ACTIVE
        assert response.data["serialNumber"] == "VA-123", "surrounding spaces are trimmed"
        assert response.data["attributes"] == {"refrigerant": "R290", "rated_output_kw": 7}, "keys kept as sent"
        assert response.data["clientId"] == str(self.site.client_id)
        entry = HistoricalAsset.objects.get(id=asset.pk)
        assert entry.history_action == "CREATED" and entry.history_api_key is not None


class TestUpdateAsset(EndpointContract):
    method, path, scope = "post", "/v1/assets/{id}/update", "assets.write"
    bad_inputs = [
        BadInput(path="status", body={"status": "BROKEN"}),
        BadInput(path="siteId", body={"siteId": "not-a-uuid"}),
        BadInput(path="name", body={"name": ""}),
        BadInput(path="team", body={"team": "x"}),
        BadInput(path="archived", body={"archived": True}),
        BadInput(path="assetType", body={"assetType": "unknown-type"}),
        BadInput(path="warrantyExpiry", body={"installDate": "2025-01-01", "warrantyExpiry": "2024-01-01"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Asset:
        return asset_in(team_world, name="Old name")

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"name": "New name", "status": "INACTIVE"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert (obj.name, obj.status) == ("New name", AssetStatus.INACTIVE)
        assert response.data["name"] == "New name"
        latest = obj.history.latest()
        assert latest.history_action == "UPDATED"


class TestArchiveAsset(EndpointContract):
    method, path, scope = "post", "/v1/assets/{id}/archive", "assets.write"
    bad_inputs = [BadInput(path="reason", body={"reason": "old"})]

    def make_object(self, team_world: TeamWorld) -> Asset:
        return asset_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert obj.archived and obj.archived_at is not None
        assert response.data["archived"] is True
        assert response.data["archivedBy"]["type"] == "apiKey"
        again = world.api.post(self.url(obj), {})
        assert again.status_code == 409 and again.json["error"]["name"] == "ConflictError"


class TestAssetHistory(EndpointContract):
    path, scope, is_list = "/v1/assets/{id}/history", "assets.read", True
    bad_inputs = [BadInput(path="sortBy", query={"sortBy": "createdAt"})]
    asset: Asset | None = None

    def make_object(self, team_world: TeamWorld) -> Asset:
        return asset_in(team_world)

    def url(self, obj: Any) -> str:
        return super().url(obj if obj is not None else self.asset)

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        actor = Actor(user=team_world.owner)
        if self.asset is None:
            self.asset = asset_in(team_world)
        for index in range(count):
            services.update_asset(asset=self.asset, actor=actor, name=f"Renamed {self.asset.pk} {index}")

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        [entry] = response.data
        assert entry["action"] == "CREATED"
        assert entry["actor"]["type"] == "system"
        assert {"field": "name", "from": None, "to": obj.name} in entry["changes"]


class TestRestoreAsset(EndpointContract):
    method, path, scope = "post", "/v1/assets/{id}/history/restore", "assets.write"
    bad_inputs = [
        BadInput(path="historyId", body={}),
        BadInput(path="historyId", body={"historyId": "not-a-uuid"}),
        BadInput(path="historyId", body={"historyId": "00000000-0000-4000-8000-000000000000"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Asset:
        asset = asset_in(team_world, name="First")
        services.update_asset(asset=asset, actor=Actor(user=team_world.owner), name="Second")
        return asset

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        if obj is None:
            return {"historyId": "00000000-0000-4000-8000-000000000000"}
        return {"historyId": str(obj.history.earliest().history_id)}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert obj.name == "First" == response.data["name"]
        latest = obj.history.latest()
        assert latest.history_action == "RESTORED"
        assert latest.history_restored_from == obj.history.earliest().history_id
