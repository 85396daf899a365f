"""Every flows endpoint through the shared contract base, plus the signed document link."""

from __future__ import annotations

from typing import Any

import pytest

from flows.documents import render_pdf
from flows.models import Flow, FlowGroup, FlowGroupStatus, FlowKind, FlowStatus, FlowTemplate, RecipientRule
from jobs.models import Job, JobStatus, JobType
from tests.conftest import Api, ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import JobFactory, JobTypeFactory
from tests.flows.factories import FlowTemplateFactory

TEMPLATE_BODY = {
    "name": "Service report",
    "kind": "REPORT",
    "subject": "Service report for {{ site.name }}",
    "body": "<h2>Readings</h2><p>{{ payload.flueGasCo2 }}</p>",
}


def settled_flow(team_world: TeamWorld, status: str = FlowStatus.SENT, with_document: bool = True) -> Flow:
    """A completed job's group with one settled flow (as the worker leaves it)."""
    job = JobFactory(team=team_world.team, status=JobStatus.COMPLETED, assigned_to=team_world.engineer)
    template = FlowTemplateFactory(team=team_world.team, job_type=job.job_type)
    group = FlowGroup.objects.create(
        team=team_world.team, job=job, job_completed_at=job.created_at, status=FlowGroupStatus.COMPLETED
    )
    flow = Flow.objects.create(
        team=team_world.team, group=group, template=template, kind=template.kind, name=template.name,
        status=status, attempts=1, render_pending=False, send_pending=False, recipients=["a@example.com"],
        subject="Service report",
    )  # fmt: skip
    if with_document:
        from django.core.files.base import ContentFile

        flow.document.save("report.pdf", ContentFile(render_pdf("<h1>Service report</h1>")))
        flow.document_size = flow.document.size
        flow.save()
    return flow


# --- Templates -------------------------------------------------------------------------------------


class TestListFlowTemplates(EndpointContract):
    path, scope, is_list = "/v1/job-types/{id}/flow-templates", "flows.read", True
    bad_inputs: list[BadInput] = []

    def make_object(self, team_world: TeamWorld) -> JobType:
        self.job_type = JobTypeFactory(team=team_world.team)
        return self.job_type

    def url(self, obj: Any) -> str:
        return self.path.replace("{id}", str((obj or self.job_type).pk))

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        if not hasattr(self, "job_type"):
            self.make_object(team_world)
        for _ in range(count):
            FlowTemplateFactory(team=team_world.team, job_type=self.job_type)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        FlowTemplateFactory(team=world.a.team, job_type=obj)
        FlowTemplateFactory(team=world.a.team)  # another type
        again = world.api.get(self.url(obj))
        assert [row["jobTypeId"] for row in again.data] == [str(obj.pk)]


class TestCreateFlowTemplate(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/job-types/{id}/flow-templates", "flows.write", 201
    bad_inputs = [
        BadInput(path="name", body={**TEMPLATE_BODY, "name": ""}),
        BadInput(path="kind", body={**TEMPLATE_BODY, "kind": "INVOICE"}),
        BadInput(path="subject", body={**TEMPLATE_BODY, "subject": "{% if %}"}),
        BadInput(path="body", body={**TEMPLATE_BODY, "body": "{{ job.reference|nosuchfilter }}"}),
        BadInput(path="body", body={**TEMPLATE_BODY, "body": "{% load admin_urls %}"}),
        BadInput(path="fixedRecipients", body={**TEMPLATE_BODY, "recipientRule": "FIXED"}),
        BadInput(path="fixedRecipients.0", body={**TEMPLATE_BODY, "fixedRecipients": ["not-an-email"]}),
        BadInput(path="resultTypes.0", body={**TEMPLATE_BODY, "resultTypes": ["MAYBE"]}),
        BadInput(path="colour", body={**TEMPLATE_BODY, "colour": "red"}),
    ]

    def make_object(self, team_world: TeamWorld) -> JobType:
        return JobTypeFactory(team=team_world.team)

    def snapshot(self, obj: Any) -> Any:
        return sorted(FlowTemplate.objects.values_list("name", flat=True))

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {**TEMPLATE_BODY, "recipientRule": "FIXED", "fixedRecipients": ["office@example.com"]}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        template = FlowTemplate.objects.get(pk=response.data["id"])
        assert template.job_type == obj and template.team == world.a.team
        assert template.recipient_rule == RecipientRule.FIXED and template.fixed_recipients == ["office@example.com"]
        duplicate = world.api.post(self.url(obj), body=TEMPLATE_BODY)
        assert duplicate.status_code == 409 and duplicate.issue_paths == ["name"]


class TestGetFlowTemplate(EndpointContract):
    path, scope = "/v1/job-types/{id}/flow-templates/{templateId}", "flows.read"

    def make_object(self, team_world: TeamWorld) -> FlowTemplate:
        return FlowTemplateFactory(team=team_world.team)

    def url(self, obj: Any) -> str:
        return f"/v1/job-types/{obj.job_type_id}/flow-templates/{obj.pk}"

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk) and response.data["kind"] == FlowKind.REPORT

    def test_bad_input_is_400(self, world: World) -> None:
        """GET by id takes no input; a template under another of the team's types is not found."""
        template = self.make_object(world.a)
        other_type = JobTypeFactory(team=world.a.team)
        assert world.api.get(f"/v1/job-types/{other_type.pk}/flow-templates/{template.pk}").status_code == 404


class TestUpdateFlowTemplate(EndpointContract):
    method, path, scope = "post", "/v1/job-types/{id}/flow-templates/{templateId}/update", "flows.write"
    bad_inputs = [
        BadInput(path="subject", body={"subject": "{% for %}"}),
        BadInput(path="fixedRecipients", body={"recipientRule": "FIXED"}),
        BadInput(path="active", body={"active": "sometimes"}),
    ]

    def make_object(self, team_world: TeamWorld) -> FlowTemplate:
        return FlowTemplateFactory(team=team_world.team)

    def url(self, obj: Any) -> str:
        return f"/v1/job-types/{obj.job_type_id}/flow-templates/{obj.pk}/update"

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"subject": "Your report, {{ client.name }}", "active": False}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        obj.refresh_from_db()
        assert obj.subject == "Your report, {{ client.name }}" and obj.active is False
        assert obj.kind == FlowKind.REPORT, "fields not given keep their values"


# --- Groups and flows ------------------------------------------------------------------------------


class TestListFlowGroups(EndpointContract):
    path, scope, is_list = "/v1/flows/groups", "flows.read", True
    bad_inputs = [
        BadInput(path="status", query={"status": "SENT"}),
        BadInput(path="jobId", query={"jobId": "not-a-uuid"}),
        BadInput(path="dateFrom", query={"dateFrom": "yesterday"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            settled_flow(team_world, with_document=False)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        mine = settled_flow(world.a, with_document=False)
        settled_flow(world.b, with_document=False)
        again = world.api.get(self.path)
        assert [row["id"] for row in again.data] == [str(mine.group_id)]
        assert again.data[0]["flows"][0]["status"] == "SENT"
        by_job = world.api.get(self.path, query={"jobId": str(mine.group.job_id), "status": "COMPLETED"})
        assert len(by_job.data) == 1
        assert world.api.get(self.path, query={"status": "FAILED"}).data == []


class TestGetFlowGroup(EndpointContract):
    path, scope = "/v1/flows/groups/{id}", "flows.read"

    def make_object(self, team_world: TeamWorld) -> FlowGroup:
        return settled_flow(team_world, with_document=False).group

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["jobId"] == str(obj.job_id) and len(response.data["flows"]) == 1

    def test_bad_input_is_400(self, world: World) -> None:
        assert world.api.get("/v1/flows/groups/not-a-uuid").status_code == 404


class TestGetFlow(EndpointContract):
    path, scope = "/v1/flows/{id}", "flows.read"

    def make_object(self, team_world: TeamWorld) -> Flow:
        return settled_flow(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["status"] == "SENT" and data["jobId"] == str(obj.group.job_id) and data["log"] == []
        link = data["document"]["url"]
        assert link.startswith("http://testserver/v1/flows/") and "token=" in link
        downloaded = Api().client.get(link)  # no token: the signature is the credential
        assert downloaded.status_code == 200 and downloaded["Content-Type"] == "application/pdf"
        assert downloaded.content.startswith(b"%PDF")

    def test_bad_input_is_400(self, world: World) -> None:
        assert world.api.get("/v1/flows/not-a-uuid").status_code == 404


class TestDownloadFlowDocument(EndpointContract):
    path, scope = "/v1/flows/{id}/document", "flows.read"

    def make_object(self, team_world: TeamWorld) -> Flow:
        return settled_flow(team_world)

    def test_happy_path(self, world: World) -> None:
        """The PDF itself, not a JSON envelope."""
        flow = self.make_object(world.a)
        response = world.api.get(self.url(flow))
        assert response.status_code == 200 and response.raw["Content-Type"] == "application/pdf"
        assert response.raw.content.startswith(b"%PDF")
        assert 'filename="' in response.raw["Content-Disposition"]

    def test_bad_input_is_400(self, world: World) -> None:
        """The document takes no body; a forged or foreign signature is no credential (401)."""
        anon = Api()
        flow = self.make_object(world.a)
        other = self.make_object(world.b)
        assert anon.get(self.url(flow), query={"token": "forged"}).status_code == 401
        from flows.api.serializers import document_token

        assert anon.get(self.url(flow), query={"token": document_token(other)}).status_code == 401
        assert anon.get(self.url(other), query={"token": document_token(other)}).status_code == 200

    def test_a_link_expires_and_dies_with_regeneration(self, world: World, anon: Api, settings: Any) -> None:
        from flows.api.serializers import document_token

        flow = self.make_object(world.a)
        token = document_token(flow)
        Flow.objects.filter(pk=flow.pk).update(document="flows/elsewhere.pdf")
        assert anon.get(self.url(flow), query={"token": token}).status_code == 404
        settings.FLOWS_DOCUMENT_LINK_SECONDS = -1
        assert anon.get(self.url(flow), query={"token": token}).status_code == 401


class TestRegenerateFlow(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/flows/{id}/regenerate", "flows.write", 202
    bad_inputs = [BadInput(path="send", body={"send": "perhaps"}), BadInput(path="force", body={"force": True})]

    def make_object(self, team_world: TeamWorld) -> Flow:
        return settled_flow(team_world, with_document=False)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"send": True}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "QUEUED" and response.json["message"].startswith("Queued")
        obj.refresh_from_db()
        assert obj.render_pending and obj.send_pending and obj.send_request == 2
        again = world.api.post(self.url(obj), body={})
        assert again.status_code == 409 and again.issue_paths == ["status"]

    def test_refused_for_a_cancelled_job(self, world: World) -> None:
        flow = self.make_object(world.a)
        Job.objects.filter(pk=flow.group.job_id).update(status=JobStatus.CANCELLED)
        response = world.api.post(self.url(flow), body={})
        assert response.status_code == 409 and "CANCELLED" in response.issues[0]["message"]


class TestResendFlow(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/flows/{id}/resend", "flows.write", 202
    bad_inputs = [BadInput(path="to", body={"to": ["x@example.com"]})]

    def make_object(self, team_world: TeamWorld) -> Flow:
        return settled_flow(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "QUEUED"
        obj.refresh_from_db()
        assert obj.send_pending and not obj.render_pending and obj.send_request == 2

    def test_refused_for_an_uncompleted_job(self, world: World) -> None:
        flow = self.make_object(world.a)
        Job.objects.filter(pk=flow.group.job_id).update(status=JobStatus.IN_PROGRESS)
        assert world.api.post(self.url(flow), body={}).status_code == 409


# --- Metrics ---------------------------------------------------------------------------------------


class TestFlowMetrics(EndpointContract):
    path, scope = "/v1/metrics/flows", "metrics.read"
    bad_inputs = [
        BadInput(path="interval", query={"interval": "year"}),
        BadInput(path="dateFrom", query={"dateFrom": "last-week"}),
        BadInput(path="dateFrom", query={"dateFrom": 2_000_000_000_000, "dateTo": 1_000_000_000_000}),
        BadInput(path="dateFrom", query={"dateFrom": 0, "dateTo": 2_000_000_000_000, "interval": "day"}),
    ]

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["total"] == 0 and data["sendSuccessRate"] is None and data["interval"] == "day"
        assert set(data["byStatus"]) == set(FlowStatus.values) and len(data["series"]) in (31, 32)


@pytest.mark.django_db
def test_flow_metrics_are_correct(world: World) -> None:
    import datetime as dt

    from flows.models import AttemptOutcome, FlowAttempt, FlowStage

    day = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
    done = []
    for offset, status, wait in [(0, "SENT", 60), (0, "SENT", 180), (1, "FAILED", None), (8, "SENT", 600)]:
        flow = settled_flow(world.a, status=status, with_document=False)
        created = day + dt.timedelta(days=offset)
        FlowGroup.objects.filter(pk=flow.group_id).update(job_completed_at=created)
        sent = created + dt.timedelta(seconds=wait) if wait else None
        Flow.objects.filter(pk=flow.pk).update(created_at=created, sent_at=sent)
        outcomes = [AttemptOutcome.FAILED, AttemptOutcome.SUCCEEDED] if wait else [AttemptOutcome.FAILED]
        for number, outcome in enumerate(outcomes, 1):
            FlowAttempt.objects.create(flow=flow, number=number, stage=FlowStage.SEND, send_request=1,
                                       outcome=outcome, started_at=created)  # fmt: skip
        done.append(flow)
    Flow.objects.filter(pk=done[3].pk).update(kind=FlowKind.CERTIFICATE)
    settled_flow(world.b)  # another team's: never counted
    ms = lambda moment: int(moment.timestamp() * 1000)  # noqa: E731
    response = world.api.get(
        "/v1/metrics/flows",
        query={"dateFrom": ms(day), "dateTo": ms(day + dt.timedelta(days=13, hours=1)), "interval": "week"},
    )
    data = response.data
    assert data["total"] == 4
    assert data["byStatus"] == {**{s: 0 for s in FlowStatus.values}, "SENT": 3, "FAILED": 1}
    assert data["byKind"] == {"REPORT": 3, "CERTIFICATE": 1, "NOTICE": 0}
    assert (data["sendAttempts"], data["sendSucceeded"], data["sendSuccessRate"]) == (7, 3, round(3 / 7, 4))
    assert data["medianSecondsToSent"] == 180.0
    assert data["series"] == [
        {"periodStart": "2026-03-02", "created": 3, "sent": 2, "failed": 1},
        {"periodStart": "2026-03-09", "created": 1, "sent": 1, "failed": 0},
    ]
