"""Every projects endpoint through the shared contract base."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jobs.models import Job, JobStatus
from projects.models import Client, Project, ProjectRevision, ProjectStatus, ProjectTemplate, Site
from tests.conftest import Api, ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, ProjectFactory, SiteFactory
from tests.projects.factories import ProjectTemplateFactory, ProjectTemplateStepFactory

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
READ, WRITE = "projects.read", "projects.write"


def template_in(team_world: TeamWorld, steps: int = 2) -> ProjectTemplate:
    template = ProjectTemplateFactory(team=team_world.team)
    for position in range(steps):
        ProjectTemplateStepFactory(template=template, position=position, offset_days=7 * position)
    return template


# Clients -----------------------------------------------------------------------------------------
class TestListClients(EndpointContract):
    path, scope, is_list = "/v1/clients", READ, True
    bad_inputs = [
        BadInput(path="type", query={"type": "ROBOT"}),
        BadInput(path="archived", query={"archived": "perhaps"}),
        BadInput(path="dateFrom", query={"dateFrom": "yesterday"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        ClientFactory.create_batch(count, team=team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        ClientFactory(team=world.a.team, name="Northwind Housing", archived=True)
        ClientFactory(team=world.a.team, name="Harbour Schools")
        ClientFactory(team=world.b.team, name="Northwind Elsewhere")
        assert [c["name"] for c in world.api.get(self.path, {"q": "north"}).data] == ["Northwind Housing"]
        assert [c["name"] for c in world.api.get(self.path, {"archived": "false"}).data] == ["Harbour Schools"]
        by_name = world.api.get(self.path, {"sortBy": "name", "sortOrder": "asc"}).data
        assert [c["name"] for c in by_name] == ["Harbour Schools", "Northwind Housing"]


class TestCreateClient(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/clients", WRITE, 201
    bad_inputs = [
        BadInput(path="name", body={}),
        BadInput(path="name", body={"name": ""}),
        BadInput(path="type", body={"name": "A", "type": "ROBOT"}),
        BadInput(path="email", body={"name": "A", "email": "not-an-email"}),
        BadInput(path="billingAddress.country", body={"name": "A", "billingAddress": {"country": "XX"}}),
        BadInput(path="billingAddress.floor", body={"name": "A", "billingAddress": {"floor": 3}}),
        BadInput(path="colour", body={"name": "A", "colour": "red"}),
        BadInput(path="archived", body={"name": "A", "archived": 0}),
        BadInput(path="name", body={"name": 12}),
    ]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "name": "Northwind Housing",
            "type": "BUSINESS",
            "email": "accounts@northwind.example",
            "phone": "+44 117 000 0000",
            "billingAddress": {"line1": "1 Quay St", "city": "Bristol", "postcode": "BS1 4DJ", "country": "gb"},
            "externalReference": "XERO-42",
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        client = Client.objects.get(pk=response.data["id"], team=world.a.team)
        assert client.billing_country == "GB"
        assert response.data["billingAddress"] == {
            "line1": "1 Quay St",
            "line2": None,
            "city": "Bristol",
            "region": None,
            "postcode": "BS1 4DJ",
            "country": "GB",
        }
        assert response.data["externalReference"] == "XERO-42" and response.data["archived"] is False
        duplicate = world.api.post(self.path, {"name": "NORTHWIND housing"})
        assert duplicate.status_code == 409 and duplicate.issue_paths == ["name"]
        assert world.api_with([WRITE]).post(self.path, {"name": "Northwind Housing"}).status_code == 409
        # Another team may use the same name.
        assert Client.objects.filter(name="Northwind Housing").count() == 1
        assert Api(world.b.token).post(self.path, {"name": "Northwind Housing"}).status_code == 201


class TestGetClient(EndpointContract):
    path, scope = "/v1/clients/{id}", READ

    def make_object(self, team_world: TeamWorld) -> Client:
        return ClientFactory(team=team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk) and response.data["name"] == obj.name

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404, never a 500; GET by id takes no other input."""
        assert world.api.get("/v1/clients/not-a-uuid").status_code == 404


class TestUpdateClient(EndpointContract):
    method, path, scope = "post", "/v1/clients/{id}/update", WRITE
    bad_inputs = [
        BadInput(path="name", body={"name": ""}),
        BadInput(path="name", body={"name": None}),
        BadInput(path="email", body={"email": "nope"}),
        BadInput(path="billingAddress.country", body={"billingAddress": {"country": "GBR"}}),
        BadInput(path="id", body={"id": UNKNOWN_ID}),
    ]

    def make_object(self, team_world: TeamWorld) -> Client:
        return ClientFactory(team=team_world.team, name="Old name", billing_city="Bath", phone="123")

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"name": "New name", "billingAddress": {"postcode": "BA1 1AA"}, "archived": True}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert (obj.name, obj.billing_city, obj.billing_postcode, obj.phone) == ("New name", "Bath", "BA1 1AA", "123")
        assert obj.archived and response.data["archived"] is True
        ClientFactory(team=world.a.team, name="Taken")
        clash = world.api.post(self.url(obj), {"name": "taken"})
        assert clash.status_code == 409 and clash.issue_paths == ["name"]
        assert world.api.post(self.url(obj), {}).status_code == 200, "an empty update changes nothing"


# Sites -------------------------------------------------------------------------------------------
class TestListSites(EndpointContract):
    path, scope, is_list = "/v1/sites", READ, True
    bad_inputs = [
        BadInput(path="clientId", query={"clientId": "not-a-uuid"}),
        BadInput(path="dateTo", query={"dateTo": "soon"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        SiteFactory.create_batch(count, team=team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        mine = SiteFactory(team=world.a.team, postcode="BS8 1TH")
        SiteFactory(team=world.a.team, postcode="BA1 1AA")
        SiteFactory(team=world.b.team, client__team=world.b.team, postcode="BS8 1TH")
        assert [s["id"] for s in world.api.get(self.path, {"q": "bs8"}).data] == [str(mine.pk)]
        by_client = world.api.get(self.path, {"clientId": str(mine.client_id)}).data
        assert [s["id"] for s in by_client] == [str(mine.pk)]
        assert by_client[0]["client"] == {"id": str(mine.client_id), "name": mine.client.name}


class TestCreateSite(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/sites", WRITE, 201

    @property
    def bad_inputs(self) -> list[BadInput]:  # type: ignore[override]
        return [
            BadInput(path="clientId", body={"name": "Depot"}),
            BadInput(path="clientId", body={"name": "Depot", "clientId": UNKNOWN_ID}),
            BadInput(path="name", body={"clientId": self.client_id}),
            BadInput(path="latitude", body={"clientId": self.client_id, "name": "D", "latitude": 91, "longitude": 0}),
            BadInput(
                path="longitude", body={"clientId": self.client_id, "name": "D", "latitude": 1, "longitude": -181}
            ),
            BadInput(path="longitude", body={"clientId": self.client_id, "name": "D", "latitude": 51.5}),
            BadInput(
                path="address.country", body={"clientId": self.client_id, "name": "D", "address": {"country": "UK"}}
            ),
            BadInput(path="contactEmail", body={"clientId": self.client_id, "name": "D", "contactEmail": "x"}),
        ]

    def test_bad_input_is_400(self, world: World) -> None:
        self.make_object(world.a)  # the bad inputs name rows it creates
        super().test_bad_input_is_400(world)

    def make_object(self, team_world: TeamWorld) -> None:
        self.client_id = str(ClientFactory(team=team_world.team).pk)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "clientId": self.client_id,
            "name": "Harbour depot",
            "address": {
                "line1": "2 Dock Rd",
                "city": "Bristol",
                "region": "Avon",
                "postcode": "BS1 5TX",
                "country": "GB",
            },
            "latitude": 51.4481234567,
            "longitude": -2.5967,
            "accessNotes": "Key safe 1234",
            "contactName": "Sam",
            "contactEmail": "sam@example.com",
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        site = Site.objects.get(pk=response.data["id"], team=world.a.team)
        assert str(site.client_id) == self.client_id and site.region == "Avon"
        assert response.data["latitude"] == 51.448123 and response.data["longitude"] == -2.5967
        assert response.data["address"]["line1"] == "2 Dock Rd"
        assert response.data["accessNotes"] == "Key safe 1234"

    def test_client_of_another_team_is_refused(self, world: World) -> None:
        theirs = ClientFactory(team=world.b.team)
        response = world.api.post(self.path, {"clientId": str(theirs.pk), "name": "Depot"})
        assert response.status_code == 400 and response.issue_paths == ["clientId"]
        assert not Site.objects.exists()

    def test_archived_client_gets_no_new_site(self, world: World) -> None:
        client = ClientFactory(team=world.a.team, archived=True)
        response = world.api.post(self.path, {"clientId": str(client.pk), "name": "Depot"})
        assert response.status_code == 400 and response.issue_paths == ["clientId"]


class TestGetSite(EndpointContract):
    path, scope = "/v1/sites/{id}", READ

    def make_object(self, team_world: TeamWorld) -> Site:
        return SiteFactory(team=team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk) and response.data["clientId"] == str(obj.client_id)
        assert response.data["latitude"] is None

    def test_bad_input_is_400(self, world: World) -> None:
        assert world.api.get("/v1/sites/123").status_code == 404


class TestUpdateSite(EndpointContract):
    method, path, scope = "post", "/v1/sites/{id}/update", WRITE
    bad_inputs = [
        BadInput(path="clientId", body={"clientId": UNKNOWN_ID}),
        BadInput(path="latitude", body={"latitude": -90.5, "longitude": 3}),
        BadInput(path="longitude", body={"latitude": 50}),
        BadInput(path="address.line1", body={"address": {"line1": ["x"]}}),
    ]

    def make_object(self, team_world: TeamWorld) -> Site:
        return SiteFactory(team=team_world.team, city="Bristol", postcode="BS1 4DJ")

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed", "address": {"postcode": "BS2 0AA"}, "latitude": 51.45, "longitude": -2.58}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert (obj.name, obj.city, obj.postcode) == ("Renamed", "Bristol", "BS2 0AA")
        assert response.data["latitude"] == 51.45
        cleared = world.api.post(self.url(obj), {"latitude": None, "longitude": None})
        assert cleared.status_code == 200 and cleared.data["longitude"] is None


# Project templates -------------------------------------------------------------------------------
class TestListProjectTemplates(EndpointContract):
    path, scope, is_list = "/v1/project-templates", READ, True
    bad_inputs = [BadInput(path="dateFrom", query={"dateFrom": "x"})]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            template_in(team_world, steps=2)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        template_in(world.a)
        template_in(world.b)
        rows = world.api.get(self.path).data
        assert len(rows) == 1 and [s["position"] for s in rows[0]["steps"]] == [0, 1]


class TestCreateProjectTemplate(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/project-templates", WRITE, 201
    bad_inputs = [
        BadInput(path="name", body={"steps": [{"jobType": "survey", "title": "Survey"}]}),
        BadInput(path="steps", body={"name": "Solar"}),
        BadInput(path="steps", body={"name": "Solar", "steps": []}),
        BadInput(path="steps.0.jobType", body={"name": "Solar", "steps": [{"jobType": "nope", "title": "Survey"}]}),
        BadInput(path="steps.0.jobType", body={"name": "Solar", "steps": [{"title": "Survey"}]}),
        BadInput(
            path="steps.1.title",
            body={"name": "S", "steps": [{"jobType": "survey", "title": "A"}, {"jobType": "survey"}]},
        ),
        BadInput(
            path="steps.0.offsetDays",
            body={"name": "Solar", "steps": [{"jobType": "survey", "title": "Survey", "offsetDays": -1}]},
        ),
        BadInput(
            path="steps.0.payload.kw",
            body={"name": "Solar", "steps": [{"jobType": "install", "title": "Install", "payload": {"kw": "big"}}]},
        ),
        BadInput(
            path="steps.0.payload",
            body={"name": "Solar", "steps": [{"jobType": "survey", "title": "S", "payload": [1]}]},
        ),
    ]

    def make_object(self, team_world: TeamWorld) -> None:
        JobTypeFactory(team=team_world.team, key="survey")
        JobTypeFactory(
            team=team_world.team,
            key="install",
            payload_schema={"type": "object", "properties": {"kw": {"type": "number"}}},
        )

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "name": "Solar install",
            "description": "Survey, install, commission",
            "steps": [
                {"jobType": "survey", "title": "Site survey"},
                {"jobType": "install", "title": "Install panels", "offsetDays": 14, "payload": {"kw": 4.2}},
            ],
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        template = ProjectTemplate.objects.get(pk=response.data["id"], team=world.a.team)
        assert [(s.position, s.job_type.key, s.offset_days) for s in template.steps.all()] == [
            (0, "survey", 0),
            (1, "install", 14),
        ]
        assert response.data["steps"][1]["payload"] == {"kw": 4.2}
        assert response.data["steps"][1]["jobType"] == "install"
        duplicate = world.api.post(self.path, {**self.body(world, obj), "name": "SOLAR INSTALL"})
        assert duplicate.status_code == 409 and duplicate.issue_paths == ["name"]

    def test_job_type_of_another_team_is_refused(self, world: World) -> None:
        theirs = JobTypeFactory(team=world.b.team, key="theirs")
        for step in ({"jobType": "theirs", "title": "X"}, {"jobTypeId": str(theirs.pk), "title": "X"}):
            response = world.api.post(self.path, {"name": "T", "steps": [step]})
            assert response.status_code == 400, response
            assert response.issue_paths[0] in ("steps.0.jobType", "steps.0.jobTypeId")
        assert not ProjectTemplate.objects.exists()


class TestGetProjectTemplate(EndpointContract):
    path, scope = "/v1/project-templates/{id}", READ

    def make_object(self, team_world: TeamWorld) -> ProjectTemplate:
        return template_in(team_world, steps=3)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk)
        assert [s["offsetDays"] for s in response.data["steps"]] == [0, 7, 14]

    def test_bad_input_is_400(self, world: World) -> None:
        assert world.api.get("/v1/project-templates/nope").status_code == 404


# Projects ----------------------------------------------------------------------------------------
class TestListProjects(EndpointContract):
    path, scope, is_list = "/v1/projects", READ, True
    bad_inputs = [
        BadInput(path="status", query={"status": "DONE"}),
        BadInput(path="clientId", query={"clientId": "x"}),
        BadInput(path="siteId", query={"siteId": "x"}),
        BadInput(path="dateFrom", query={"dateFrom": "x"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            project = ProjectFactory(team=team_world.team)
            JobFactory(team=team_world.team, project=project, client=project.client, status=JobStatus.COMPLETED)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        site = SiteFactory(team=world.a.team)
        active = ProjectFactory(team=world.a.team, client=site.client, site=site, status=ProjectStatus.ACTIVE)
        ProjectFactory(team=world.a.team, name="Other")
        ProjectFactory(team=world.b.team)
        for status in (JobStatus.COMPLETED, JobStatus.PENDING, JobStatus.CANCELLED):
            JobFactory(team=world.a.team, project=active, client=site.client, status=status)
        rows = world.api.get(self.path, {"status": "ACTIVE"}).data
        assert [r["id"] for r in rows] == [str(active.pk)]
        assert rows[0]["progress"] == {
            "total": 3, "pending": 1, "assigned": 0, "inProgress": 0, "completed": 1, "cancelled": 1,
            "percentComplete": 50,
        }  # fmt: skip
        assert rows[0]["site"] == {"id": str(site.pk), "name": site.name}
        assert [r["id"] for r in world.api.get(self.path, {"siteId": str(site.pk)}).data] == [str(active.pk)]
        assert [r["id"] for r in world.api.get(self.path, {"clientId": str(site.client_id)}).data] == [str(active.pk)]
        assert len(world.api.get(self.path, {"q": "oth"}).data) == 1
        assert len(world.api.get(self.path).data) == 2


class TestCreateProject(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/projects", WRITE, 201

    @property
    def bad_inputs(self) -> list[BadInput]:  # type: ignore[override]
        client = {"clientId": self.client_id}
        return [
            BadInput(path="name", body=client),
            BadInput(path="clientId", body={"name": "P"}),
            BadInput(path="clientId", body={"name": "P", "clientId": UNKNOWN_ID}),
            BadInput(path="siteId", body={**client, "name": "P", "siteId": self.foreign_site_id}),
            BadInput(path="siteId", body={**client, "name": "P", "siteId": self.other_client_site_id}),
            BadInput(path="status", body={**client, "name": "P", "status": "DONE"}),
            BadInput(path="status", body={**client, "name": "P", "status": "COMPLETED"}),
            BadInput(path="budget", body={**client, "name": "P", "budget": "12.345"}),
            BadInput(path="budget", body={**client, "name": "P", "budget": "-1"}),
            BadInput(path="budget", body={**client, "name": "P", "budget": 12.5}),
            BadInput(path="currency", body={**client, "name": "P", "budget": "10", "currency": "eur"}),
            BadInput(path="startDate", body={**client, "name": "P", "startDate": "01/02/2026"}),
            BadInput(
                path="targetDate", body={**client, "name": "P", "startDate": "2026-02-01", "targetDate": "2026-01-01"}
            ),
            BadInput(path="startDate", body={**client, "name": "P", "templateId": self.template_id}),
            BadInput(
                path="templateId", body={**client, "name": "P", "templateId": UNKNOWN_ID, "startDate": "2026-01-01"}
            ),
        ]

    def test_bad_input_is_400(self, world: World) -> None:
        self.make_object(world.a)  # the bad inputs name rows it creates
        super().test_bad_input_is_400(world)

    def make_object(self, team_world: TeamWorld) -> None:
        self.site = SiteFactory(team=team_world.team)
        self.client_id = str(self.site.client_id)
        self.other_client_site_id = str(SiteFactory(team=team_world.team).pk)
        self.foreign_site_id = str(SiteFactory().pk)  # a site of a brand-new team
        self.template_id = str(template_in(team_world).pk)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "name": "Solar install, 14 Elm St",
            "clientId": self.client_id,
            "siteId": str(self.site.pk),
            "templateId": self.template_id,
            "startDate": "2026-03-02",
            "targetDate": "2026-04-30",
            "budget": "12500.50",
            "notes": "Scaffold needed",
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        project = Project.objects.get(pk=response.data["id"], team=world.a.team)
        assert project.status == ProjectStatus.PLANNED and str(project.template_id) == self.template_id
        assert response.data["budget"] == "12500.50" and response.data["currency"] == world.a.team.currency
        jobs = list(Job.objects.filter(project=project).order_by("scheduled_date"))
        assert [j.scheduled_date for j in jobs] == [dt.date(2026, 3, 2), dt.date(2026, 3, 9)]
        assert all(j.site_id == self.site.pk and j.client_id == project.client_id for j in jobs)
        assert [j["id"] for j in response.data["jobs"]] == [str(j.pk) for j in jobs]
        assert response.data["progress"]["total"] == 2 and response.data["latestRevisionNumber"] is None


class TestGetProject(EndpointContract):
    path, scope = "/v1/projects/{id}", READ

    def make_object(self, team_world: TeamWorld) -> Project:
        project = ProjectFactory(team=team_world.team)
        JobFactory(team=team_world.team, project=project, client=project.client, scheduled_date=dt.date(2026, 5, 1))
        return project

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk)
        assert len(response.data["jobs"]) == 1 and response.data["jobs"][0]["scheduledDate"] == "2026-05-01"
        assert response.data["progress"]["pending"] == 1

    def test_bad_input_is_400(self, world: World) -> None:
        assert world.api.get("/v1/projects/nope").status_code == 404


class TestUpdateProject(EndpointContract):
    method, path, scope = "post", "/v1/projects/{id}/update", WRITE
    bad_inputs = [
        BadInput(path="name", body={"name": ""}),
        BadInput(path="clientId", body={"clientId": UNKNOWN_ID}),
        BadInput(path="templateId", body={"templateId": UNKNOWN_ID}),
        BadInput(path="status", body={"status": "DONE"}),
        BadInput(path="targetDate", body={"targetDate": "2025-12-31"}),
        BadInput(path="siteId", body={"siteId": UNKNOWN_ID}),
    ]

    def make_object(self, team_world: TeamWorld) -> Project:
        return ProjectFactory(team=team_world.team, start_date=dt.date(2026, 1, 1))

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"status": "ACTIVE", "budget": "900.00", "currency": "GBP", "notes": "Go"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert (obj.status, obj.budget, obj.currency, obj.notes) == ("ACTIVE", 900, "GBP", "Go")
        assert response.data["status"] == "ACTIVE" and response.data["currency"] == "GBP"

    def test_site_of_another_client_is_refused(self, world: World) -> None:
        project = self.make_object(world.a)
        response = world.api.post(self.url(project), {"siteId": str(SiteFactory(team=world.a.team).pk)})
        assert response.status_code == 400 and response.issue_paths == ["siteId"]
        site = SiteFactory(team=world.a.team, client=project.client)
        assert world.api.post(self.url(project), {"siteId": str(site.pk)}).data["siteId"] == str(site.pk)


class TestCreateRevision(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/projects/revisions/create", WRITE, 201
    bad_inputs = [
        BadInput(path="projectId", body={}),
        BadInput(path="projectId", body={"projectId": "nope"}),
        BadInput(path="message", body={"projectId": UNKNOWN_ID, "message": ["x"]}),
    ]

    def make_object(self, team_world: TeamWorld) -> Project:
        project = ProjectFactory(team=team_world.team)
        JobFactory(team=team_world.team, project=project, client=project.client)
        return project

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"projectId": str(obj.pk) if obj is not None else UNKNOWN_ID, "message": "Baseline"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["number"] == 1 and response.data["message"] == "Baseline"
        assert response.data["projectId"] == str(obj.pk)
        assert response.data["createdBy"]["type"] == "apiKey"
        snapshot = response.data["snapshot"]
        assert snapshot["project"]["name"] == obj.name and len(snapshot["jobs"]) == 1
        assert snapshot["progress"]["pending"] == 1
        second = world.api.post(self.path, {"projectId": str(obj.pk)})
        assert second.data["number"] == 2
        assert world.api.get(f"/v1/projects/{obj.pk}").data["latestRevisionNumber"] == 2

    def test_project_of_another_team_is_404(self, world: World) -> None:
        theirs = self.make_object(world.b)
        response = world.api.post(self.path, {"projectId": str(theirs.pk)})
        assert response.status_code == 404 and response.json["error"]["name"] == "NotFoundError"
        assert not ProjectRevision.objects.exists()
        assert world.api.post(self.path, {"projectId": UNKNOWN_ID}).status_code == 404


class TestAddJobToProject(EndpointContract):
    method, path, scope = "post", "/v1/projects/jobs/add", WRITE
    bad_inputs = [
        BadInput(path="projectId", body={"jobId": UNKNOWN_ID}),
        BadInput(path="jobId", body={"projectId": UNKNOWN_ID}),
        BadInput(path="jobId", body={"projectId": UNKNOWN_ID, "jobId": "x"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Job:
        self.project = ProjectFactory(team=team_world.team)
        return JobFactory(team=team_world.team)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"projectId": str(self.project.pk), "jobId": str(obj.pk)}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert obj.project_id == self.project.pk and obj.client_id == self.project.client_id
        assert [j["id"] for j in response.data["jobs"]] == [str(obj.pk)]
        again = world.api.post(self.path, self.body(world, obj))
        assert again.status_code == 200 and again.data["progress"]["total"] == 1, "adding twice changes nothing"

    def test_ids_of_another_team_are_404(self, world: World) -> None:
        my_job = self.make_object(world.a)
        my_project = self.project
        their_job = self.make_object(world.b)
        their_project = self.project
        for project, job in ((my_project, their_job), (their_project, my_job), (their_project, their_job)):
            response = world.api.post(self.path, {"projectId": str(project.pk), "jobId": str(job.pk)})
            assert response.status_code == 404, response
        assert not Job.objects.filter(project__isnull=False).exists()

    def test_job_of_another_project_is_409(self, world: World) -> None:
        job = self.make_object(world.a)
        first = self.project
        world.api.post(self.path, {"projectId": str(first.pk), "jobId": str(job.pk)})
        second = ProjectFactory(team=world.a.team, client=first.client)
        response = world.api.post(self.path, {"projectId": str(second.pk), "jobId": str(job.pk)})
        assert response.status_code == 409 and response.issue_paths == ["jobId"]
        job.refresh_from_db()
        assert job.project_id == first.pk

    def test_job_of_another_client_is_409(self, world: World) -> None:
        project = ProjectFactory(team=world.a.team)
        job = JobFactory(team=world.a.team, client=ClientFactory(team=world.a.team))
        response = world.api.post(self.path, {"projectId": str(project.pk), "jobId": str(job.pk)})
        assert response.status_code == 409 and response.issue_paths == ["jobId"]

    def test_final_project_takes_no_jobs(self, world: World) -> None:
        project = ProjectFactory(team=world.a.team, status=ProjectStatus.CANCELLED)
        job = JobFactory(team=world.a.team)
        response = world.api.post(self.path, {"projectId": str(project.pk), "jobId": str(job.pk)})
        assert response.status_code == 409 and response.issue_paths == ["projectId"]
