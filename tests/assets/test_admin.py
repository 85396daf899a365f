"""The assets admin: team-scoped lists, history with diffs, a working revert, and CSV import."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assets.models import Asset, AssetType, HistoricalAsset
from tests.admin.conftest import staff_client
from tests.assets.factories import HEAT_PUMP_SCHEMA, AssetTypeFactory, make_asset
from tests.conftest import World
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_a(world: World) -> Client:
    return staff_client(world.a.owner)


def change_form(asset: Asset, **overrides: Any) -> dict[str, Any]:
    data = {
        "site": str(asset.site_id),
        "name": asset.name,
        "asset_type": asset.asset_type,
        "manufacturer": asset.manufacturer,
        "model": asset.model,
        "serial_number": asset.serial_number,
        "install_date": "",
        "warranty_expiry": "",
        "status": asset.status,
        "location_note": asset.location_note,
        "attributes": "{}",
    }
    data.update(overrides)
    return data


def test_changelist_is_team_scoped_with_filters_and_serial_search(world: World, owner_a: Client) -> None:
    mine = make_asset(team=world.a.team, serial_number="FIND-ME-1")
    make_asset(team=world.a.team, serial_number="OTHER-2")
    make_asset(team=world.b.team, serial_number="FIND-ME-3", name="Not yours")
    page = owner_a.get("/admin/assets/asset/", {"q": "find-me"})
    assert page.status_code == 200
    assert mine.name in page.content.decode() and "Not yours" not in page.content.decode()
    assert page.context["cl"].result_count == 1
    for query in ({"warranty": "expired"}, {"status__exact": "ACTIVE"}, {"archived__exact": "1"}):
        assert owner_a.get("/admin/assets/asset/", query).status_code == 200
    assert "Import from CSV" in owner_a.get("/admin/assets/asset/").content.decode()


def test_admin_edit_is_a_history_entry_with_the_person_and_a_diff(world: World, owner_a: Client) -> None:
    asset = make_asset(team=world.a.team, name="Before")
    response = owner_a.post(f"/admin/assets/asset/{asset.pk}/change/", change_form(asset, name="After"))
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = HistoricalAsset.objects.filter(id=asset.pk).latest()
    assert (latest.name, latest.history_action, latest.history_user) == ("After", "UPDATED", world.a.owner)

    history_page = owner_a.get(f"/admin/assets/asset/{asset.pk}/history/")
    assert history_page.status_code == 200
    text = history_page.content.decode()
    assert "Before" in text and "After" in text

    api_entries = world.api.get(f"/v1/assets/{asset.pk}/history").data
    assert api_entries[0]["actor"] == {"type": "user", "id": str(world.a.owner.pk), "name": "Owner of alpha"}
    assert api_entries[0]["changes"] == [{"field": "name", "from": "Before", "to": "After"}]


def test_admin_edit_follows_the_rules(world: World, owner_a: Client) -> None:
    AssetTypeFactory(team=world.a.team, key="heat-pump", name="Heat pump", attributes_schema=HEAT_PUMP_SCHEMA)
    asset = make_asset(team=world.a.team, name="Pump")
    response = owner_a.post(
        f"/admin/assets/asset/{asset.pk}/change/", change_form(asset, asset_type="heat-pump", attributes="{}")
    )
    assert response.status_code == 200, "refused: shown on the form"
    assert "refrigerant" in response.content.decode()
    assert Asset.objects.get(pk=asset.pk).asset_type == "boiler"


def test_admin_add_goes_through_the_service(world: World, owner_a: Client) -> None:
    AssetTypeFactory(team=world.a.team, key="meter", name="Meter")
    site = SiteFactory(team=world.a.team)
    data = {"team": str(world.a.team.pk), "site": str(site.pk), "name": "Main meter", "asset_type": "meter",
            "status": "ACTIVE", "attributes": "{}", "serial_number": "M-1"}  # fmt: skip
    response = owner_a.post("/admin/assets/asset/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    asset = Asset.objects.get(name="Main meter")
    entry = HistoricalAsset.objects.get(id=asset.pk)
    assert (entry.history_action, entry.history_user) == ("CREATED", world.a.owner)


def test_admin_revert_restores_and_is_recorded(world: World, owner_a: Client) -> None:
    asset = make_asset(team=world.a.team, name="Original")
    owner_a.post(f"/admin/assets/asset/{asset.pk}/change/", change_form(asset, name="Changed"))
    first = HistoricalAsset.objects.filter(id=asset.pk).earliest()
    url = f"/admin/assets/asset/{asset.pk}/history/{first.history_id}/"
    preview = owner_a.get(url)
    assert preview.status_code == 200 and "Original" in preview.content.decode()
    response = owner_a.post(url, {})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.name == "Original"
    latest = HistoricalAsset.objects.filter(id=asset.pk).latest()
    assert (latest.history_action, latest.history_user, latest.history_restored_from) == (
        "RESTORED", world.a.owner, first.history_id,
    )  # fmt: skip


def test_history_of_another_team_is_404(world: World, owner_a: Client) -> None:
    theirs = make_asset(team=world.b.team)
    entry = HistoricalAsset.objects.get(id=theirs.pk)
    assert owner_a.get(f"/admin/assets/asset/{theirs.pk}/history/").status_code == 404
    assert owner_a.get(f"/admin/assets/asset/{theirs.pk}/history/{entry.history_id}/").status_code == 404
    assert owner_a.post(f"/admin/assets/asset/{theirs.pk}/history/{entry.history_id}/", {}).status_code == 404
    assert HistoricalAsset.objects.filter(id=theirs.pk).count() == 1


def test_archive_action(world: World, owner_a: Client) -> None:
    asset = make_asset(team=world.a.team)
    response = owner_a.post("/admin/assets/asset/", {"action": "archive_assets", "_selected_action": [str(asset.pk)]})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.archived and asset.archived_by_user == world.a.owner


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("assets.csv", text.encode(), content_type="text/csv")


def test_csv_import(world: World, owner_a: Client) -> None:
    AssetTypeFactory(team=world.a.team, key="heat-pump", name="Heat pump", attributes_schema=HEAT_PUMP_SCHEMA)
    AssetTypeFactory(team=world.a.team, key="boiler", name="Boiler")
    site = SiteFactory(team=world.a.team)
    good = (
        "name,asset_type,serial_number,install_date,attributes\n"
        'Pump,heat-pump,HP-1,2024-01-31,"{""refrigerant"": ""R32""}"\n'
        "Boiler,boiler,B-1,,\n"
    )
    response = owner_a.post("/admin/assets/asset/import/", {"site": str(site.pk), "csv_file": csv_upload(good)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(Asset.objects.filter(site=site).values_list("name", flat=True)) == {"Pump", "Boiler"}
    pump = Asset.objects.get(serial_number="HP-1")
    assert pump.attributes == {"refrigerant": "R32"}
    assert HistoricalAsset.objects.get(id=pump.pk).history_user == world.a.owner


def test_csv_import_reports_bad_rows_by_line_and_imports_nothing(world: World, owner_a: Client) -> None:
    AssetTypeFactory(team=world.a.team, key="boiler", name="Boiler")
    make_asset(team=world.a.team, serial_number="TAKEN")
    site = SiteFactory(team=world.a.team)
    bad = (
        "name,asset_type,serial_number,install_date,status\n"
        "Fine,boiler,OK-1,,\n"
        "No type,,X-2,,\n"
        "Bad date,boiler,X-3,31/01/2024,\n"
        "Dup,boiler,taken,,\n"
        "Bad status,boiler,,,BROKEN\n"
        "Unknown type,kettle,,,\n"
    )
    response = owner_a.post("/admin/assets/asset/import/", {"site": str(site.pk), "csv_file": csv_upload(bad)})
    assert response.status_code == 200
    problems = [str(p) for p in response.context["problems"]]
    assert problems == [
        "line 3, asset_type: This column is required.",
        "line 4, install_date: Use the date format YYYY-MM-DD.",
        "line 5, serial_number: An asset with this serial number exists.",
        "line 6, status: Must be one of ACTIVE, INACTIVE, DECOMMISSIONED.",
        "line 7, asset_type: No asset type with key 'kettle'.",
    ]
    assert "line 4, install_date" in response.content.decode()
    assert not Asset.objects.filter(site=site).exists()


def test_csv_import_offers_only_own_sites(world: World, owner_a: Client) -> None:
    theirs = SiteFactory(team=world.b.team)
    AssetTypeFactory(team=world.b.team, key="boiler", name="Boiler")
    response = owner_a.post(
        "/admin/assets/asset/import/", {"site": str(theirs.pk), "csv_file": csv_upload("name,asset_type\nX,boiler\n")}
    )
    assert response.status_code == 200 and "site" in response.context["form"].errors
    assert not Asset.objects.filter(site=theirs).exists()


def test_asset_type_in_use_cannot_be_deleted(world: World, owner_a: Client) -> None:
    used = AssetTypeFactory(team=world.a.team, key="boiler", name="Boiler")
    make_asset(team=world.a.team, asset_type="boiler")
    unused = AssetTypeFactory(team=world.a.team, key="kettle", name="Kettle")
    assert owner_a.post(f"/admin/assets/assettype/{used.pk}/delete/", {"post": "yes"}).status_code == 403
    assert owner_a.post(f"/admin/assets/assettype/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert list(AssetType.objects.filter(team=world.a.team).values_list("key", flat=True)) == ["boiler"]
    bad_schema = owner_a.post(
        "/admin/assets/assettype/add/",
        {"team": str(world.a.team.pk), "key": "meter", "name": "Meter", "attributes_schema": '{"type": "banana"}'},
    )
    assert bad_schema.status_code == 200 and not AssetType.objects.filter(key="meter").exists()


def test_asset_types_are_written_through_the_services(world: World, owner_a: Client) -> None:
    """Adds and edits in the admin meet the API's rules: a duplicate key and a bad schema show on the form."""
    AssetTypeFactory(team=world.a.team, key="boiler", name="Boiler")
    duplicate = owner_a.post(
        "/admin/assets/assettype/add/", {"team": str(world.a.team.pk), "key": "boiler", "name": "Boiler 2"}
    )
    assert duplicate.status_code == 200, "refused on the form, not a 500"
    assert "already exists" in duplicate.content.decode()
    added = owner_a.post(
        "/admin/assets/assettype/add/",
        {"team": str(world.a.team.pk), "key": "heat-pump", "name": "  Heat pump ", "attributes_schema": "null"},
    )
    assert added.status_code == 302
    heat_pump = AssetType.objects.get(team=world.a.team, key="heat-pump")
    assert heat_pump.name == "Heat pump", "the service's normalisation applies"
    url = f"/admin/assets/assettype/{heat_pump.pk}/change/"
    form = {"team": str(world.a.team.pk), "name": "Heat pump", "description": "", "attributes_schema": "[1]"}
    refused = owner_a.post(url, form)
    assert refused.status_code == 200 and "JSON Schema object" in refused.content.decode()
    changed = owner_a.post(url, {**form, "attributes_schema": '{"required": ["refrigerant"]}'})
    assert changed.status_code == 302
    heat_pump.refresh_from_db()
    assert heat_pump.attributes_schema == {"required": ["refrigerant"]} and heat_pump.key == "heat-pump"
