"""The asset list's filters and sorts, the filter options' counts, and the detail's job summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Actor
from assets import services
from jobs.models import JobStatus, ResultType
from tests.assets.factories import AssetTypeFactory, make_asset
from tests.conftest import World
from tests.factories import ClientFactory, JobFactory, SiteFactory

pytestmark = pytest.mark.django_db


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response
    return [row["id"] for row in response.data]


@pytest.fixture
def fleet(world: World) -> dict[str, Any]:
    team = world.a.team
    client = ClientFactory(team=team, name="Acme Homes")
    home, office = SiteFactory(team=team, client=client, name="Home"), SiteFactory(team=team, name="Office")
    AssetTypeFactory(team=team, key="heat-pump", name="Heat pump")
    AssetTypeFactory(team=team, key="meter", name="Meter")
    boiler = make_asset(
        team=team, site=home, name="Alpha boiler", manufacturer="Vaillant", model="ecoTEC",
        install_date=dt.date(2020, 1, 1), warranty_expiry=dt.date(2025, 1, 1),
    )  # fmt: skip
    pump = make_asset(
        team=team, site=home, name="Beta pump", asset_type="heat-pump", manufacturer="Daikin",
        serial_number="DK-778", install_date=dt.date(2023, 6, 1), warranty_expiry=dt.date(2030, 6, 1),
    )  # fmt: skip
    meter = make_asset(team=team, site=office, name="Gamma meter", asset_type="meter", manufacturer="Vaillant")
    old = make_asset(team=team, site=office, name="Delta old boiler", status="DECOMMISSIONED")
    services.archive_asset(asset=old, actor=Actor())
    make_asset(team=world.b.team, name="Theirs", manufacturer="Vaillant")
    return {"boiler": boiler, "pump": pump, "meter": meter, "old": old, "home": home, "office": office,
            "client": client}  # fmt: skip


def test_filters(world: World, fleet: dict[str, Any]) -> None:
    api = world.api
    b, p, m, o = (str(fleet[k].pk) for k in ("boiler", "pump", "meter", "old"))
    assert set(ids(api.get("/v1/assets"))) == {b, p, m}, "archived assets are hidden by default"
    assert ids(api.get("/v1/assets", {"archived": "true"})) == [o]
    assert set(ids(api.get("/v1/assets", {"siteId": str(fleet["home"].pk)}))) == {b, p}
    assert set(ids(api.get("/v1/assets", {"clientId": str(fleet["client"].pk)}))) == {b, p}
    assert ids(api.get("/v1/assets", {"assetType": "heat-pump"})) == [p]
    assert ids(api.get("/v1/assets", {"status": "DECOMMISSIONED", "archived": "true"})) == [o]
    assert set(ids(api.get("/v1/assets", {"manufacturer": "Vaillant"}))) == {b, m}
    assert ids(api.get("/v1/assets", {"warrantyExpiresBefore": "2026-01-01"})) == [b]
    assert ids(api.get("/v1/assets", {"q": "dk-77"})) == [p], "q matches the serial number"
    assert ids(api.get("/v1/assets", {"q": "ECOTEC"})) == [b], "q matches the model"
    assert ids(api.get("/v1/assets", {"q": "gamma"})) == [m], "q matches the name"


def test_sorts_and_pages(world: World, fleet: dict[str, Any]) -> None:
    api = world.api
    names = [fleet[k].name for k in ("boiler", "pump", "meter")]
    by_name = api.get("/v1/assets", {"sortBy": "name", "sortOrder": "asc"})
    assert [row["name"] for row in by_name.data] == sorted(names)
    by_install = api.get("/v1/assets", {"sortBy": "installDate", "sortOrder": "desc"})
    assert [row["name"] for row in by_install.data] == ["Beta pump", "Alpha boiler", "Gamma meter"], "unknown last"
    first = api.get("/v1/assets", {"sortBy": "name", "sortOrder": "asc", "limit": 2})
    rest = api.get(
        "/v1/assets",
        {"sortBy": "name", "sortOrder": "asc", "limit": 2, "lastEvaluatedKey": first.json["lastEvaluatedKey"]},
    )
    assert [row["name"] for row in [*first.data, *rest.data]] == sorted(names)
    services.update_asset(asset=fleet["meter"], actor=Actor(), location_note="Cellar")
    assert api.get("/v1/assets", {"sortBy": "updatedAt"}).data[0]["name"] == "Gamma meter"


def test_filter_options_counts(world: World, fleet: dict[str, Any]) -> None:
    response = world.api.get("/v1/assets/filter-options")
    assert response.status_code == 200, response
    options = response.data
    assert options["sites"] == [
        {"id": str(fleet["home"].pk), "name": "Home", "count": 2},
        {"id": str(fleet["office"].pk), "name": "Office", "count": 1},
    ]
    assert options["clients"][0] == {"id": str(fleet["client"].pk), "name": "Acme Homes", "count": 2}
    assert sum(c["count"] for c in options["clients"]) == 3
    assert options["assetTypes"] == [
        {"value": "boiler", "name": "Boiler", "count": 1},
        {"value": "heat-pump", "name": "Heat pump", "count": 1},
        {"value": "meter", "name": "Meter", "count": 1},
    ]
    assert options["statuses"] == [
        {"value": "ACTIVE", "count": 3}, {"value": "INACTIVE", "count": 0}, {"value": "DECOMMISSIONED", "count": 0},
    ]  # fmt: skip
    assert options["manufacturers"] == [{"value": "Vaillant", "count": 2}, {"value": "Daikin", "count": 1}]
    assert options["archived"] == [{"value": False, "count": 3}, {"value": True, "count": 1}]
    archived = world.api.get("/v1/assets/filter-options", {"archived": "true"}).data
    assert archived["statuses"][2] == {"value": "DECOMMISSIONED", "count": 1}
    assert archived["sites"] == [{"id": str(fleet["office"].pk), "name": "Office", "count": 1}]


def test_filter_options_use_one_query_per_facet(world: World, fleet: dict[str, Any]) -> None:
    world.api.get("/v1/assets/filter-options")
    with CaptureQueriesContext(connection) as before:
        world.api.get("/v1/assets/filter-options")
    for index in range(5):
        site = SiteFactory(team=world.a.team)
        make_asset(team=world.a.team, site=site, manufacturer=f"Maker {index}", asset_type=f"type-{index}")
    with CaptureQueriesContext(connection) as after:
        response = world.api.get("/v1/assets/filter-options")
    assert len(response.data["manufacturers"]) == 7
    assert len(after) == len(before), "the query count does not grow with the number of values"


def test_detail_shows_open_jobs_and_last_completed_job(world: World, fleet: dict[str, Any]) -> None:
    asset = fleet["boiler"]
    team = world.a.team
    JobFactory(team=team, asset=asset, site=asset.site, status=JobStatus.PENDING)
    JobFactory(team=team, asset=asset, site=asset.site, status=JobStatus.IN_PROGRESS, assigned_to=world.a.engineer)
    JobFactory(team=team, asset=asset, site=asset.site, status=JobStatus.CANCELLED)
    now = timezone.now()
    JobFactory(
        team=team, asset=asset, status=JobStatus.COMPLETED, completed_at=now - dt.timedelta(days=9),
        result_type=ResultType.SUCCESS,
    )  # fmt: skip
    latest = JobFactory(
        team=team, asset=asset, status=JobStatus.COMPLETED, completed_at=now, result_type=ResultType.PARTIAL
    )
    JobFactory(team=team, asset=fleet["pump"], status=JobStatus.PENDING)
    detail = world.api.get(f"/v1/assets/{asset.pk}").data
    assert detail["openJobsCount"] == 2
    assert detail["lastCompletedJob"]["id"] == str(latest.pk)
    assert detail["lastCompletedJob"]["resultType"] == "PARTIAL"
    assert detail["lastCompletedJob"]["jobType"] == latest.job_type.key


def test_filter_options_refuse_unknown_parameters(world: World) -> None:
    response = world.api.get("/v1/assets/filter-options", {"siteId": "x"})
    assert response.status_code == 400 and response.issue_paths == ["siteId"]
