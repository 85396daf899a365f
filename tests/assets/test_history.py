"""History: recorded for every change with who/when/what, paginated newest first, restorable."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Actor
from assets import services
from assets.models import Asset, HistoricalAsset
from tests.assets.factories import HEAT_PUMP_SCHEMA, AssetTypeFactory, make_asset
from tests.conftest import World
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def create_via_api(world: World, **fields: Any) -> dict[str, Any]:
    AssetTypeFactory(team=world.a.team, key="heat-pump", name="Heat pump", attributes_schema=HEAT_PUMP_SCHEMA)
    site = fields.pop("site", None) or SiteFactory(team=world.a.team)
    body = {
        "siteId": str(site.pk),
        "name": "Heat pump",
        "assetType": "heat-pump",
        "serialNumber": "HP-1",
        "attributes": {"refrigerant": "R32", "rated_output_kw": 5},
        **fields,
    }
    response = world.api.post("/v1/assets", body)
    assert response.status_code == 201, response
    return response.data


def history(world: World, asset_id: str, **query: Any) -> Any:
    response = world.api.get(f"/v1/assets/{asset_id}/history", query=query)
    assert response.status_code == 200, response
    return response


def test_api_changes_are_recorded_with_actor_and_field_diffs(world: World) -> None:
    asset = create_via_api(world)
    update = world.api.post(
        f"/v1/assets/{asset['id']}/update",
        {"name": "Garden heat pump", "installDate": "2024-05-01", "attributes": {"refrigerant": "R290"}},
    )
    assert update.status_code == 200, update

    entries = history(world, asset["id"]).data
    assert [e["action"] for e in entries] == ["UPDATED", "CREATED"], "newest first"
    latest = entries[0]
    assert latest["actor"] == {"type": "apiKey", "id": latest["actor"]["id"], "name": "full"}
    assert latest["changes"] == [
        {"field": "name", "from": "Heat pump", "to": "Garden heat pump"},
        {"field": "installDate", "from": None, "to": "2024-05-01"},
        {"field": "attributes.rated_output_kw", "from": 5, "to": None},
        {"field": "attributes.refrigerant", "from": "R32", "to": "R290"},
    ]
    created = entries[1]
    assert {"field": "serialNumber", "from": None, "to": "HP-1"} in created["changes"]
    assert {"field": "attributes.refrigerant", "from": None, "to": "R32"} in created["changes"]
    assert created["restoredFromId"] is None


def test_the_history_selector_speaks_model_fields_the_api_names_them(world: World) -> None:
    """The selector knows no HTTP: attnames and Python values; the API layer camelCases and formats them."""
    import datetime as dt

    from assets import selectors
    from assets.selectors import FieldChange

    asset = create_via_api(world)
    world.api.post(f"/v1/assets/{asset['id']}/update", {"installDate": "2024-05-01"})
    entries = list(selectors.history_for_asset(team=world.a.team, asset_id=asset["id"]).order_by("-history_date"))
    selectors.attach_changes(entries)
    assert entries[0].changes == [FieldChange("install_date", None, dt.date(2024, 5, 1))]
    assert FieldChange("serial_number", None, "HP-1") in entries[1].changes
    site_change = next(change for change in entries[1].changes if change.field == "site_id")
    created = next(entry for entry in history(world, asset["id"]).data if entry["action"] == "CREATED")
    assert {"field": "siteId", "from": None, "to": str(site_change.after)} in created["changes"]


def test_a_no_op_update_writes_no_entry(world: World) -> None:
    asset = create_via_api(world)
    response = world.api.post(f"/v1/assets/{asset['id']}/update", {"name": "Heat pump"})
    assert response.status_code == 200
    assert HistoricalAsset.objects.filter(id=asset["id"]).count() == 1


def test_restore_round_trip(world: World) -> None:
    asset = create_via_api(world, manufacturer="Vaillant")
    asset_id = asset["id"]
    world.api.post(f"/v1/assets/{asset_id}/update", {"name": "Renamed", "status": "INACTIVE", "manufacturer": ""})
    world.api.post(f"/v1/assets/{asset_id}/archive", {})
    assert world.api.post(f"/v1/assets/{asset_id}/update", {"name": "x"}).status_code == 409, "archived: read-only"
    assert world.api.get(f"/v1/assets/{asset_id}").data["archived"] is True, "archived: still readable"

    first = history(world, asset_id).data[-1]
    restored = world.api.post(f"/v1/assets/{asset_id}/history/restore", {"historyId": first["id"]})
    assert restored.status_code == 200, restored
    for field in ("name", "status", "manufacturer", "serialNumber", "attributes", "siteId", "assetType"):
        assert restored.data[field] == asset[field], field
    assert restored.data["archived"] is False and restored.data["archivedAt"] is None

    entries = history(world, asset_id).data
    assert [e["action"] for e in entries] == ["RESTORED", "ARCHIVED", "UPDATED", "CREATED"]
    restore_entry = entries[0]
    assert restore_entry["restoredFromId"] == first["id"]
    assert {c["field"] for c in restore_entry["changes"]} == {
        "name", "status", "manufacturer", "archived", "archivedAt",
    }  # fmt: skip
    assert {"field": "archived", "from": True, "to": False} in restore_entry["changes"]
    assert world.api.post(f"/v1/assets/{asset_id}/update", {"name": "Editable again"}).status_code == 200


def test_restoring_an_entry_of_another_asset_is_400(world: World) -> None:
    mine = make_asset(team=world.a.team)
    other = make_asset(team=world.a.team)
    theirs = make_asset(team=world.b.team)
    for foreign in (other, theirs):
        entry = foreign.history.earliest()
        response = world.api.post(f"/v1/assets/{mine.pk}/history/restore", {"historyId": str(entry.history_id)})
        assert response.status_code == 400 and response.issue_paths == ["historyId"]
    assert mine.history.count() == 1


def test_restore_refuses_a_state_that_can_no_longer_hold(world: World) -> None:
    asset = make_asset(team=world.a.team, serial_number="SN-1")
    services.update_asset(asset=asset, actor=Actor(), serial_number="SN-2")
    make_asset(team=world.a.team, serial_number="sn-1")  # took the old serial (case-insensitively)
    entry = asset.history.earliest()
    response = world.api.post(f"/v1/assets/{asset.pk}/history/restore", {"historyId": str(entry.history_id)})
    assert response.status_code == 409 and response.issue_paths == ["historyId"]
    assert Asset.objects.get(pk=asset.pk).serial_number == "SN-2"
    assert HistoricalAsset.objects.filter(id=asset.pk).count() == 2


def test_history_pages_keep_diffs_across_the_page_boundary(world: World) -> None:
    asset = make_asset(team=world.a.team, name="v0")
    for version in range(1, 5):
        services.update_asset(asset=asset, actor=Actor(user=world.a.owner), name=f"v{version}")
    first = history(world, str(asset.pk), limit=2)
    second = history(world, str(asset.pk), limit=2, lastEvaluatedKey=first.json["lastEvaluatedKey"])
    third = history(world, str(asset.pk), limit=2, lastEvaluatedKey=second.json["lastEvaluatedKey"])
    entries = [*first.data, *second.data, *third.data]
    assert third.json["lastEvaluatedKey"] is None
    assert [e["changes"][0]["to"] for e in entries] == ["v4", "v3", "v2", "v1", "v0"]
    assert [e["changes"][0]["from"] for e in entries[:4]] == ["v3", "v2", "v1", "v0"]
    assert entries[0]["actor"]["type"] == "user" and entries[0]["actor"]["id"] == str(world.a.owner.pk)
    oldest_first = history(world, str(asset.pk), sortOrder="asc", limit=2).data
    assert [e["action"] for e in oldest_first] == ["CREATED", "UPDATED"]
    assert oldest_first[1]["changes"] == [{"field": "name", "from": "v0", "to": "v1"}]


def test_history_query_count_is_constant(world: World) -> None:
    asset = make_asset(team=world.a.team)
    history(world, str(asset.pk))
    with CaptureQueriesContext(connection) as few:
        history(world, str(asset.pk))
    for index in range(10):
        services.update_asset(asset=asset, actor=Actor(user=world.a.owner), name=f"n{index}")
    with CaptureQueriesContext(connection) as many:
        history(world, str(asset.pk))
    assert len(few) == len(many)


def test_duplicate_serial_numbers_are_409(world: World) -> None:
    created = create_via_api(world)
    again = world.api.post(
        "/v1/assets",
        {"siteId": created["siteId"], "name": "Twin", "assetType": "heat-pump", "serialNumber": "hp-1",
         "attributes": {"refrigerant": "R32"}},
    )  # fmt: skip
    assert again.status_code == 409 and again.issue_paths == ["serialNumber"]
    other = make_asset(team=world.a.team, serial_number="X-9")
    clash = world.api.post(f"/v1/assets/{other.pk}/update", {"serialNumber": "HP-1"})
    assert clash.status_code == 409 and clash.issue_paths == ["serialNumber"]
    make_asset(team=world.b.team, serial_number="SHARED")
    make_asset(team=world.a.team, serial_number="")
    make_asset(team=world.a.team, serial_number="")  # no serial: never a duplicate
    assert world.api.post(f"/v1/assets/{other.pk}/update", {"serialNumber": "SHARED"}).status_code == 200


def test_attributes_follow_the_asset_type_schema(world: World) -> None:
    asset = create_via_api(world)
    bad = world.api.post(f"/v1/assets/{asset['id']}/update", {"attributes": {"refrigerant": "R22"}})
    assert bad.status_code == 400 and bad.issue_paths == ["attributes.refrigerant"]
    AssetTypeFactory(team=world.a.team, key="boiler", name="Boiler")
    retyped = world.api.post(f"/v1/assets/{asset['id']}/update", {"assetType": "boiler"})
    assert retyped.status_code == 200, "the boiler type has no schema"
    back = world.api.post(f"/v1/assets/{asset['id']}/update", {"assetType": "heat-pump", "attributes": {}})
    assert back.status_code == 400 and back.issue_paths == ["attributes"], "changing type re-validates"


def test_other_teams_site_is_refused(world: World) -> None:
    asset = make_asset(team=world.a.team)
    theirs = SiteFactory(team=world.b.team)
    response = world.api.post(f"/v1/assets/{asset.pk}/update", {"siteId": str(theirs.pk)})
    assert response.status_code == 400 and response.issue_paths == ["siteId"]
    assert Asset.objects.get(pk=asset.pk).site_id != theirs.pk
