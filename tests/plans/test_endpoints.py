"""Every /v1/maintenance-plans endpoint through the shared contract base."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.models import Actor
from jobs.models import Job, JobStatus
from plans import services, worker
from plans.models import MaintenancePlan, OccurrenceStatus, PlanOccurrence, PlanStatus
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import JobTypeFactory, SiteFactory
from tests.plans.factories import make_plan

TODAY = timezone.localdate()


def plan_in(team_world: TeamWorld, **fields: Any) -> MaintenancePlan:
    return make_plan(team_world.team, today=TODAY, **fields)


class TestListPlans(EndpointContract):
    path, scope, is_list = "/v1/maintenance-plans", "plans.read", True
    bad_inputs = [
        BadInput(path="status", query={"status": "SLEEPING"}),
        BadInput(path="clientId", query={"clientId": "nope"}),
        BadInput(path="siteId", query={"siteId": "nope"}),
        BadInput(path="assetId", query={"assetId": "nope"}),
        BadInput(path="nextDueTo", query={"nextDueTo": "31/12/2026"}),
        BadInput(path="nextDueFrom", query={"nextDueFrom": "soon"}),
        BadInput(path="sortBy", query={"sortBy": "rrule"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        site = SiteFactory(team=team_world.team)
        job_type = JobTypeFactory(team=team_world.team)
        for _ in range(count):
            plan_in(team_world, site=site, job_type=job_type)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        soon = plan_in(world.a, start_date=TODAY + dt.timedelta(days=10))
        later = plan_in(world.a, start_date=TODAY + dt.timedelta(days=100))
        plan_in(world.b)
        rows = world.api.get(self.path, query={"sortBy": "nextDueOn", "sortOrder": "asc"}).data
        assert [row["id"] for row in rows] == [str(soon.pk), str(later.pk)], "only the caller's team's plans"
        assert rows[0]["nextDueOn"] == str(soon.next_due_on) and rows[0]["overdue"] is False
        assert rows[0]["client"]["name"] == soon.client.name
        until = (TODAY + dt.timedelta(days=30)).isoformat()
        due = world.api.get(self.path, query={"nextDueTo": until}).data
        assert [row["id"] for row in due] == [str(soon.pk)]
        by_client = world.api.get(self.path, query={"clientId": str(later.client_id)}).data
        assert [row["id"] for row in by_client] == [str(later.pk)]
        assert world.api.get(self.path, query={"status": "PAUSED"}).data == []


class TestGetPlan(EndpointContract):
    path, scope = "/v1/maintenance-plans/{id}", "plans.read"

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        return plan_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk)
        assert response.data["rrule"] == "FREQ=YEARLY" and response.data["status"] == "ACTIVE"
        assert response.data["jobType"] == obj.job_type.key and response.data["assetIds"] == []

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404; GET by id takes no other input."""
        assert world.api.get("/v1/maintenance-plans/not-a-uuid").status_code == 404


class TestCreatePlan(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/maintenance-plans", "plans.write", 201
    bad_inputs = [
        BadInput(path="rrule", body={"rrule": "FREQ=HOURLY"}),
        BadInput(path="rrule", body={"rrule": "EVERY YEAR"}),
        BadInput(path="startDate", body={"startDate": "tomorrow"}),
        BadInput(path="endDate", body={"endDate": "2000-01-01"}),
        BadInput(path="leadTimeDays", body={"leadTimeDays": -1}),
        BadInput(path="reminderDays", body={"leadTimeDays": 7, "reminderDays": 10}),
        BadInput(path="siteId", body={"siteId": "00000000-0000-4000-8000-000000000000"}),
        BadInput(path="colour", body={"colour": "red"}),
    ]

    def make_object(self, team_world: TeamWorld) -> None:
        self.site = SiteFactory(team=team_world.team)
        self.job_type = JobTypeFactory(team=team_world.team)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "name": "Heat pump annual check",
            "clientId": str(self.site.client_id),
            "siteId": str(self.site.pk),
            "jobTypeId": str(self.job_type.pk),
            "rrule": "FREQ=YEARLY",
            "startDate": (TODAY + dt.timedelta(days=60)).isoformat(),
            "leadTimeDays": 21,
            "reminderDays": 7,
            "preferredEngineerId": str(world.a.engineer.pk),
            "price": "120.00",
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        plan = MaintenancePlan.objects.get(pk=response.data["id"])
        assert plan.team == world.a.team and plan.preferred_engineer == world.a.engineer
        assert response.data["nextDueOn"] == (TODAY + dt.timedelta(days=60)).isoformat()
        assert response.data["price"] == "120.00"

    def test_bad_input_is_400(self, world: World) -> None:
        self.make_object(world.a)
        for case in self.bad_inputs:
            response = world.api.post(self.path, {**self.body(world, None), **case.body})
            assert response.status_code == 400, (case, response)
            assert case.path in response.issue_paths, (case, response.issues)
        assert not MaintenancePlan.objects.exists()

    def test_another_teams_site_is_refused(self, world: World) -> None:
        self.make_object(world.a)
        theirs = SiteFactory(team=world.b.team)
        response = world.api.post(self.path, {**self.body(world, None), "siteId": str(theirs.pk)})
        assert response.status_code == 400 and "siteId" in response.issue_paths
        assert not MaintenancePlan.objects.exists()


class TestUpdatePlan(EndpointContract):
    method, path, scope = "post", "/v1/maintenance-plans/{id}/update", "plans.write"
    bad_inputs = [
        BadInput(path="rrule", body={"rrule": "FREQ=SECONDLY"}),
        BadInput(path="name", body={"name": ""}),
        BadInput(path="notes", body={"notes": 5}),
    ]

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        return plan_in(team_world)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"name": "Quarterly PV inspection", "rrule": "FREQ=MONTHLY;INTERVAL=3"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["name"] == "Quarterly PV inspection"
        assert response.data["rrule"] == "FREQ=MONTHLY;INTERVAL=3"


class _StatusChange(EndpointContract):
    method = "post"
    scope = "plans.write"
    bad_inputs = [BadInput(path="reason", body={"reason": "x"})]


class TestPausePlan(_StatusChange):
    path = "/v1/maintenance-plans/{id}/pause"

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        return plan_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "PAUSED"
        assert world.api.post(self.url(obj)).status_code == 409, "pausing twice is a conflict"


class TestResumePlan(_StatusChange):
    path = "/v1/maintenance-plans/{id}/resume"

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        return services.pause_plan(plan=plan_in(team_world), actor=Actor())

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "ACTIVE"


class TestEndPlan(_StatusChange):
    path = "/v1/maintenance-plans/{id}/end"

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        return plan_in(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "ENDED" and response.data["nextDueOn"] is None
        assert world.api.post(f"/v1/maintenance-plans/{obj.pk}/resume").status_code == 409
        assert MaintenancePlan.objects.get(pk=obj.pk).status == PlanStatus.ENDED


class TestPlanOccurrences(EndpointContract):
    path, scope = "/v1/maintenance-plans/{id}/occurrences", "plans.read"
    bad_inputs = [
        BadInput(path="fromDate", query={"fromDate": "yesterday"}),
        BadInput(path="toDate", query={"fromDate": "2026-01-01", "toDate": "2025-01-01"}),
        BadInput(path="toDate", query={"fromDate": "2000-01-01", "toDate": "2020-01-01"}),
        BadInput(path="bogus", query={"bogus": "1"}),
    ]

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        plan = plan_in(team_world, rrule="FREQ=MONTHLY")
        worker.create_due_jobs_for_plan(plan_id=plan.pk, today=TODAY)
        return plan

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        visits = response.data
        assert visits[0]["dueOn"] == TODAY.isoformat() and visits[0]["recorded"] is True
        assert visits[0]["status"] == OccurrenceStatus.JOB_CREATED and visits[0]["job"]["status"] == "PENDING"
        assert visits[1]["recorded"] is False and visits[1]["job"] is None
        assert 12 <= len(visits) <= 13, "a year ahead, monthly"
        window = {"fromDate": TODAY.isoformat(), "toDate": (TODAY + dt.timedelta(days=70)).isoformat()}
        assert len(world.api.get(self.url(obj), query=window).data) in (2, 3)


class TestSkipOccurrence(EndpointContract):
    method, path, scope = "post", "/v1/maintenance-plans/{id}/occurrences/skip", "plans.write"
    bad_inputs = [
        BadInput(path="reason", body={"date": TODAY.isoformat(), "reason": 5}),
        BadInput(path="date", body={}),
        BadInput(path="date", body={"date": "2026-02-30"}),
        BadInput(path="date", body={"date": (TODAY + dt.timedelta(days=1)).isoformat()}),
    ]

    def make_object(self, team_world: TeamWorld) -> MaintenancePlan:
        plan = plan_in(team_world)
        worker.create_due_jobs_for_plan(plan_id=plan.pk, today=TODAY)
        return plan

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"date": TODAY.isoformat(), "reason": "Client on holiday"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "SKIPPED" and response.data["job"]["status"] == "CANCELLED"
        row = PlanOccurrence.objects.get(plan=obj)
        assert row.job is not None and Job.objects.get(pk=row.job.pk).status == JobStatus.CANCELLED
        again = world.api.post(self.url(obj), self.body(world, obj))
        assert again.status_code == 200 and again.data["status"] == "SKIPPED", "skipping twice is harmless"
