"""POST /v1/search: the endpoint contract, scope filtering, ranking, typo tolerance and team isolation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Team
from search import selectors
from search.types import SearchType
from tests.conftest import Api, ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import AssetFactory, ClientFactory, JobFactory, JobTypeFactory, ProjectFactory, SiteFactory

pytestmark = pytest.mark.django_db

ALL_READ = ["search.read", "jobs.read", "assets.read", "projects.read", "invoices.read"]


def catalogue(team_world: TeamWorld) -> dict[str, Any]:
    """A small, realistic set of records for one team."""
    team = team_world.team
    acme = ClientFactory(team=team, name="Acme Housing", email="ops@acme-housing.example")
    other = ClientFactory(team=team, name="Brightwater Homes", email="hello@brightwater.example")
    depot = SiteFactory(team=team, client=acme, name="Harbour Depot", address_line1="1 Quay Street",
                        city="Bristol", postcode="BS1 4DJ")  # fmt: skip
    flat = SiteFactory(team=team, client=other, name="Riverside Flats", address_line1="22 Mill Lane",
                       city="London", postcode="SW1A 1AA")  # fmt: skip
    heat_pump = AssetFactory(team=team, site=depot, name="Vaillant heat pump", manufacturer="Vaillant",
                             model="aroTHERM plus", serial_number="VX-88213-AB")  # fmt: skip
    boiler = AssetFactory(team=team, site=flat, name="Worcester boiler", manufacturer="Worcester",
                          model="Greenstar 8000", serial_number="WB-10042")  # fmt: skip
    retrofit = ProjectFactory(team=team, client=acme, name="Depot retrofit 2026")
    service = JobTypeFactory(team=team, key="annual-service", name="Annual service")
    install = JobTypeFactory(team=team, key="heat-pump-install", name="Heat pump install")
    leak = JobFactory(team=team, job_type=service, site=flat, notes="Leaking valve under the kitchen sink")
    fit = JobFactory(team=team, job_type=install, site=depot, notes="Crane booked for Tuesday")
    return locals()


def search(api: Api, query: str, **body: Any) -> ApiResponse:
    return api.post("/v1/search", {"query": query, **body})


def hits(response: ApiResponse) -> list[tuple[str, str]]:
    assert response.status_code == 200, response
    return [(hit["type"], hit["title"]) for hit in response.data]


class TestSearch(EndpointContract):
    method, path, scope = "post", "/v1/search", "search.read"
    bad_inputs = [
        BadInput(path="query", body={}),
        BadInput(path="query", body={"query": ""}),
        BadInput(path="query", body={"query": "   \t "}),
        BadInput(path="query", body={"query": "x" * 201}),
        BadInput(path="limit", body={"query": "boiler", "limit": 0}),
        BadInput(path="limit", body={"query": "boiler", "limit": 51}),
        BadInput(path="types", body={"query": "boiler", "types": []}),
        BadInput(path="types", body={"query": "boiler", "types": "asset"}),
        BadInput(path="types.0", body={"query": "boiler", "types": ["boilers"]}),
        BadInput(path="sort", body={"query": "boiler", "sort": "name"}),
        BadInput(path="", body=["boiler"]),
    ]

    def make_object(self, team_world: TeamWorld) -> None:
        catalogue(team_world)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"query": "boiler"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert hits(response)[0] == ("asset", "Worcester boiler")
        hit = response.data[0]
        assert set(hit) == {"type", "id", "title", "subtitle", "score"}
        assert "SN WB-10042" in hit["subtitle"]
        assert 0 < hit["score"] < 1


class TestScopes:
    def test_a_search_only_token_finds_nothing(self, world: World) -> None:
        catalogue(world.a)
        response = search(world.api_with(["search.read"]), "boiler")
        assert response.data == []

    def test_only_readable_kinds_are_searched(self, world: World) -> None:
        catalogue(world.a)
        found = hits(search(world.api_with(["search.read", "assets.read"]), "depot"))
        assert found == [], "sites and projects need projects.read"
        found = hits(search(world.api_with(["search.read", "projects.read"]), "depot"))
        assert {kind for kind, _ in found} == {"site", "project"}
        found = hits(search(world.api_with(["search.read", "projects.write"]), "depot"))
        assert {kind for kind, _ in found} == {"site", "project"}, "a write scope includes its read scope"
        found = hits(search(world.api_with(["search.read", "projects.read", "jobs.read"]), "depot"))
        assert {kind for kind, _ in found} == {"site", "project", "job"}

    def test_asking_for_an_unreadable_kind_is_403_naming_the_scope(self, world: World) -> None:
        response = search(world.api_with(["search.read", "assets.read"]), "boiler", types=["asset", "invoice"])
        assert response.status_code == 403
        assert response.json["error"]["name"] == "ForbiddenError"
        assert "invoices.read" in response.issues[0]["message"]
        assert response.issue_paths == ["types"]

    def test_types_narrow_the_search(self, world: World) -> None:
        catalogue(world.a)
        found = hits(search(world.api, "Harbour Depot", types=["site"]))
        assert found == [("site", "Harbour Depot")]


class TestRanking:
    def test_exact_serial_number_ranks_first_with_score_one(self, world: World) -> None:
        records = catalogue(world.a)
        AssetFactory(team=world.a.team, site=records["depot"], name="WB-10042 spare parts kit", serial_number="K-1")
        response = search(world.api, "wb-10042")
        assert hits(response)[:2] == [("asset", "Worcester boiler"), ("asset", "WB-10042 spare parts kit")]
        assert response.data[0]["score"] == 1.0
        assert response.data[1]["score"] < 1.0

    def test_exact_client_email_ranks_first(self, world: World) -> None:
        records = catalogue(world.a)
        ClientFactory(team=world.a.team, name="ops acme-housing example", email="")
        response = search(world.api, "OPS@acme-housing.example")
        assert response.data[0]["id"] == str(records["acme"].pk)
        assert response.data[0]["score"] == 1.0

    def test_a_typo_still_finds_the_heat_pump(self, world: World) -> None:
        catalogue(world.a)
        found = hits(search(world.api, "heatpmp"))
        assert ("asset", "Vaillant heat pump") in found
        assert ("job", "Heat pump install at Harbour Depot") in found

    def test_a_partial_serial_finds_the_asset(self, world: World) -> None:
        records = catalogue(world.a)
        response = search(world.api, "88213", types=["asset"])
        assert [hit["id"] for hit in response.data] == [str(records["heat_pump"].pk)]

    def test_postcode_finds_the_site_with_or_without_its_space(self, world: World) -> None:
        catalogue(world.a)
        assert hits(search(world.api, "SW1A 1AA", types=["site"])) == [("site", "Riverside Flats")]
        assert hits(search(world.api, "sw1a1aa", types=["site"])) == [("site", "Riverside Flats")]

    def test_full_text_matches_word_forms_in_job_notes(self, world: World) -> None:
        records = catalogue(world.a)
        response = search(world.api, "leaks valves", types=["job"])
        assert [hit["id"] for hit in response.data] == [str(records["leak"].pk)]
        assert response.data[0]["title"] == "Annual service at Riverside Flats"
        assert response.data[0]["subtitle"].startswith("PENDING · Brightwater Homes")

    def test_jobs_are_found_through_their_site_and_rank_below_it(self, world: World) -> None:
        records = catalogue(world.a)
        response = search(world.api, "Harbour Depot", types=["site", "job"])
        assert [(hit["type"], hit["id"]) for hit in response.data] == [
            ("site", str(records["depot"].pk)),
            ("job", str(records["fit"].pk)),
        ]
        assert response.data[1]["score"] < response.data[0]["score"]

    def test_jobs_are_found_through_their_type_and_client(self, world: World) -> None:
        records = catalogue(world.a)
        by_type = search(world.api, "annual service", types=["job"])
        assert [hit["id"] for hit in by_type.data] == [str(records["leak"].pk)]
        by_client = search(world.api, "Brightwater", types=["job"])
        assert [hit["id"] for hit in by_client.data] == [str(records["leak"].pk)]

    def test_limit_cuts_the_merged_ranking(self, world: World) -> None:
        catalogue(world.a)
        everything = search(world.api, "a", limit=50).data
        two = search(world.api, "a", limit=2).data
        assert len(everything) > 2
        assert [hit["score"] for hit in two] == [hit["score"] for hit in everything[:2]]
        scores = [hit["score"] for hit in everything]
        assert scores == sorted(scores, reverse=True)

    def test_like_wildcards_in_the_query_are_literal(self, world: World) -> None:
        catalogue(world.a)
        assert search(world.api, "%", types=["asset"]).data == []
        assert search(world.api, "_", types=["asset"]).data == []


class TestTeamIsolation:
    def test_another_teams_records_are_invisible(self, world: World) -> None:
        mine = catalogue(world.a)
        catalogue(world.b)
        response = search(world.api, "Vaillant heat pump", limit=50)
        theirs = {str(record.pk) for record in catalogue_ids(world.b.team)}
        assert response.data, "the caller's own records are found"
        assert not {hit["id"] for hit in response.data} & theirs
        assert str(mine["heat_pump"].pk) in {hit["id"] for hit in response.data}

    def test_exact_identifier_of_another_team_is_not_found(self, world: World) -> None:
        AssetFactory(team=world.b.team, serial_number="ZZ-777-TOP-SECRET")
        assert search(world.api, "ZZ-777-TOP-SECRET").data == []


def catalogue_ids(team: Team) -> list[Any]:
    from assets.models import Asset
    from jobs.models import Job
    from projects.models import Client, Project, Site

    return [row for model in (Asset, Job, Client, Project, Site) for row in model.objects.filter(team=team)]


class TestQueries:
    def test_one_query_per_kind_searched(self, world: World) -> None:
        catalogue(world.a)
        kinds = selectors.searchable_types(ALL_READ)
        with CaptureQueriesContext(connection) as queries:
            selectors.search_records(team=world.a.team, scopes=ALL_READ, query="heat pump", limit=50)
        assert len(queries) == len(kinds) == len(SearchType)

    def test_query_count_does_not_grow_with_hits(self, world: World) -> None:
        records = catalogue(world.a)
        search(world.api, "boiler")  # warm up the key's last-used stamp
        with CaptureQueriesContext(connection) as few:
            search(world.api, "boiler", limit=50)
        for _ in range(20):
            AssetFactory(team=world.a.team, site=records["flat"], name="Spare boiler")
            JobFactory(team=world.a.team, job_type=records["service"], site=records["flat"], notes="boiler check")
        with CaptureQueriesContext(connection) as many:
            response = search(world.api, "boiler", limit=50)
        assert len(response.data) >= 40
        assert len(many) == len(few) <= 1 + len(SearchType)


class TestFallback:
    """The `icontains` path SQLite uses, exercised on this database by pretending not to be PostgreSQL."""

    @pytest.fixture(autouse=True)
    def _not_postgres(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(selectors, "_on_postgres", lambda: False)

    def test_every_word_must_appear_and_exact_identifiers_rank_first(self, world: World) -> None:
        records = catalogue(world.a)
        found = selectors.search_records(team=world.a.team, scopes=ALL_READ, query="vaillant pump")
        assert [(hit.type, hit.id) for hit in found] == [(SearchType.ASSET, records["heat_pump"].pk)]
        found = selectors.search_records(team=world.a.team, scopes=ALL_READ, query="VX-88213-AB")
        assert found[0].id == records["heat_pump"].pk and found[0].score == 1.0
        found = selectors.search_records(team=world.a.team, scopes=ALL_READ, query="brightwater", types=["job"])
        assert [hit.title for hit in found] == ["Annual service at Riverside Flats"]

    def test_scopes_and_teams_still_apply(self, world: World) -> None:
        catalogue(world.a)
        catalogue(world.b)
        assert selectors.search_records(team=world.a.team, scopes=["search.read"], query="boiler") == []
        found = selectors.search_records(team=world.a.team, scopes=ALL_READ, query="boiler", limit=50)
        assert {hit.id for hit in found} <= {record.pk for record in catalogue_ids(world.a.team)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the related branches are PostgreSQL statements")
class TestRelatedBranchesAtScale:
    """Jobs found through a popular type or site: only the newest `limit` of each are read, in the same order."""

    def test_the_newest_jobs_of_a_matching_type_come_first_ties_by_id(self, world: World) -> None:
        team = world.a.team
        service = JobTypeFactory(team=team, key="annual-service", name="Annual service")
        other = JobTypeFactory(team=team, key="eicr", name="Electrical inspection")
        base = timezone.now() - dt.timedelta(days=30)
        jobs = [JobFactory(team=team, job_type=service, created_at=base + dt.timedelta(hours=i)) for i in range(8)]
        tied = [JobFactory(team=team, job_type=service, created_at=base + dt.timedelta(hours=20)) for _ in range(3)]
        JobFactory.create_batch(3, team=team, job_type=other, created_at=base + dt.timedelta(days=5))
        response = search(world.api, "annual service", types=["job"], limit=5)
        expected = [*sorted(tied, key=lambda job: job.pk), jobs[7], jobs[6]]
        assert [hit["id"] for hit in response.data] == [str(job.pk) for job in expected]
        assert len({hit["score"] for hit in response.data}) == 1

    def test_the_newest_jobs_of_a_matching_site_come_first(self, world: World) -> None:
        team = world.a.team
        depot = SiteFactory(team=team, name="Harbour Depot")
        job_type = JobTypeFactory(team=team, key="visit", name="Visit")
        base = timezone.now() - dt.timedelta(days=30)
        jobs = [
            JobFactory(team=team, job_type=job_type, site=depot, created_at=base + dt.timedelta(hours=i))
            for i in range(6)
        ]
        response = search(world.api, "Harbour Depot", types=["job"], limit=3)
        assert [hit["id"] for hit in response.data] == [str(job.pk) for job in reversed(jobs[3:])]
