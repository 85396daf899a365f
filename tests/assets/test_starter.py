"""The starter catalogue: `createteam --starter` (and the demo) give a team job types and asset types."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator

from accounts.models import Actor, Team
from assets import starter as asset_starter
from assets.models import AssetType
from jobs import starter as job_starter
from jobs.models import JobType
from tests.conftest import Api, World
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_every_starter_schema_is_valid_json_schema() -> None:
    schemas = [t.payload_schema for t in job_starter.STARTER_JOB_TYPES]
    schemas += [t.attributes_schema for t in asset_starter.STARTER_ASSET_TYPES]
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
    keys = {t.key for t in job_starter.STARTER_JOB_TYPES}
    assert {"boiler-service", "heat-pump-check", "solar-inspection", "eicr"} <= keys
    assert {"boiler", "heat-pump", "pv-array", "consumer-unit"} <= {t.key for t in asset_starter.STARTER_ASSET_TYPES}


def test_createteam_with_starter_gives_the_catalogue() -> None:
    out = run("createteam", "acme", "--name", "Acme Heat", "--owner", "boss@acme.test", "--starter")
    team = Team.objects.get(slug="acme")
    job_keys = set(JobType.objects.filter(team=team).values_list("key", flat=True))
    asset_keys = set(AssetType.objects.filter(team=team).values_list("key", flat=True))
    assert job_keys == {t.key for t in job_starter.STARTER_JOB_TYPES}
    assert asset_keys == {t.key for t in asset_starter.STARTER_ASSET_TYPES}
    boiler = JobType.objects.get(team=team, key="boiler-service")
    assert boiler.payload_schema == job_starter.STARTER_JOB_TYPES[0].payload_schema and boiler.description
    assert f"{len(job_keys)} job types" in out and f"{len(asset_keys)} asset types" in out
    assert out.strip().splitlines()[-1] == str(team.pk), "the last line is still the team id"


def test_createteam_without_starter_gives_an_empty_catalogue() -> None:
    run("createteam", "bare", "--name", "Bare", "--owner", "boss@bare.test")
    team = Team.objects.get(slug="bare")
    assert not JobType.objects.filter(team=team).exists() and not AssetType.objects.filter(team=team).exists()


def test_seeding_is_idempotent_and_keeps_a_teams_own_changes(world: World) -> None:
    team = world.a.team
    JobType.objects.create(team=team, key="eicr", name="Our EICR")
    first = job_starter.seed(team=team, actor=Actor())
    again = job_starter.seed(team=team, actor=Actor())
    assert [t.pk for t in first] == [t.pk for t in again]
    assert JobType.objects.filter(team=team).count() == len(job_starter.STARTER_JOB_TYPES)
    assert JobType.objects.get(team=team, key="eicr").name == "Our EICR"
    asset_starter.seed(team=team, actor=Actor())
    asset_starter.seed(team=team, actor=Actor())
    assert AssetType.objects.filter(team=team).count() == len(asset_starter.STARTER_ASSET_TYPES)
    assert not AssetType.objects.filter(team=world.b.team).exists(), "one team only"


def test_an_api_only_integrator_works_on_day_one(world: World) -> None:
    """With the catalogue, a job and an asset are created by key, as the request examples show."""
    job_starter.seed(team=world.a.team, actor=Actor())
    asset_starter.seed(team=world.a.team, actor=Actor())
    api: Api = world.api
    assert len(api.get("/v1/asset-types").data) == len(asset_starter.STARTER_ASSET_TYPES)
    job = api.post(
        "/v1/jobs",
        {"jobType": "boiler-service", "scheduledDate": "2026-12-01", "payload": {"fuel": "natural-gas"}},
    )
    assert job.status_code == 201, job
    refused = api.post("/v1/jobs", {"jobType": "boiler-service", "payload": {"fuel": "coal"}})
    assert refused.status_code == 400 and refused.issue_paths == ["payload.fuel"], "the schema is enforced"
    site = SiteFactory(team=world.a.team)
    body = {"siteId": str(site.pk), "name": "Loft heat pump", "assetType": "heat-pump", "attributes": {}}
    assert api.post("/v1/assets", body).issue_paths == ["attributes"], "heat pumps record their refrigerant"
    body["attributes"] = {"refrigerant": "R290", "ratedOutputKw": 7}
    created = api.post("/v1/assets", body)
    assert created.status_code == 201 and created.data["attributes"] == {"refrigerant": "R290", "ratedOutputKw": 7}


def test_the_demo_uses_the_starter_catalogue() -> None:
    run("seed_demo", "--team", "demo-starter", "--jobs", "5")
    team = Team.objects.get(slug="demo-starter")
    job_keys = set(JobType.objects.filter(team=team).values_list("key", flat=True))
    assert {t.key for t in job_starter.STARTER_JOB_TYPES} <= job_keys
    asset_keys = set(AssetType.objects.filter(team=team).values_list("key", flat=True))
    assert asset_keys == {t.key for t in asset_starter.STARTER_ASSET_TYPES}
    run("seed_demo", "--team", "demo-starter", "--jobs", "5")
    assert AssetType.objects.filter(team=team).count() == len(asset_keys)
