"""Factories and helpers for flow tests: templates, completed jobs, and running the real worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Actor
from core.work import run_due_tasks
from flows.models import Flow, FlowGroup, FlowKind, FlowTemplate
from flows.tasks import QUEUE
from jobs.models import Job, JobStatus, ResultType
from jobs.services import complete_job
from tests.conftest import TeamWorld
from tests.factories import AssetFactory, ClientFactory, JobFactory, JobTypeFactory, SiteFactory

REPORT_BODY = """
<h2>Readings</h2>
<table><tr><th>Flue gas CO2</th><td>{{ payload.flueGasCo2 }} %</td></tr>
<tr><th>Pressure</th><td>{{ result.pressureBar }} bar</td></tr></table>
<p>Work carried out by {{ job.engineer }} for {{ client.name }}.</p>
"""


class FlowTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlowTemplate

    team = factory.SubFactory("tests.factories.TeamFactory")
    job_type = factory.SubFactory(JobTypeFactory, team=factory.SelfAttribute("..team"))
    name = factory.Sequence(lambda n: f"Service report {n}")
    kind = FlowKind.REPORT
    subject = "{{ document.kind_label }} for {{ site.name }}"
    body = REPORT_BODY


def job_ready_to_complete(team_world: TeamWorld, **fields: Any) -> Job:
    """An IN_PROGRESS job at a site with a client (with an email) and an asset, with two templates."""
    team = team_world.team
    client = ClientFactory(team=team, name="Harbourside Dental Ltd", email="accounts@harbourside.example.com")
    site = SiteFactory(
        team=team, client=client, name="Harbourside Dental, Bristol", address_line1="12 Quay Street",
        city="Bristol", contact_email="practice.manager@harbourside.example.com",
    )  # fmt: skip
    asset = AssetFactory(team=team, site=site, name="Main boiler", manufacturer="Worcester", model="Greenstar 30i")
    job_type = JobTypeFactory(team=team, key="boiler-service", name="Annual boiler service")
    FlowTemplateFactory(team=team, job_type=job_type, name="Service report", kind=FlowKind.REPORT)
    FlowTemplateFactory(
        team=team,
        job_type=job_type,
        name="Gas safety certificate",
        kind=FlowKind.CERTIFICATE,
        subject="Gas safety certificate — {{ site.name }}",
        body="<h2>Appliance</h2><p>{{ asset.name }} passed: {{ result.verdict }}</p>",
    )
    defaults: dict[str, Any] = {
        "team": team, "job_type": job_type, "client": client, "site": site, "asset": asset,
        "status": JobStatus.IN_PROGRESS, "assigned_to": team_world.engineer,
        "payload": {"flueGasCo2": 9.1}, "started_at": timezone.now(),
    }  # fmt: skip
    defaults.update(fields)
    return JobFactory(**defaults)


def complete(job: Job, **kwargs: Any) -> Job:
    return complete_job(
        job=job,
        actor=Actor(user=None, api_key=None),
        result_type=kwargs.pop("result_type", ResultType.SUCCESS),
        result=kwargs.pop("result", {"pressureBar": 1.4, "verdict": "Safe to use"}),
        **kwargs,
    )


def run_worker() -> None:
    """Run the real queue loop (`manage.py run_worker`'s) in-process over the flows queue until nothing is due."""
    run_due_tasks([QUEUE], worker_id="test-worker")


def fast_forward(seconds: float = 3600) -> None:
    """Make every scheduled retry due now (instead of sleeping through the backoff)."""
    past = timezone.now() - dt.timedelta(seconds=1)
    Flow.objects.filter(next_attempt_at__isnull=False).update(next_attempt_at=past)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)


def group_of(job: Job) -> FlowGroup:
    return FlowGroup.objects.get(job=job)
