"""A plan's visit is billed at the plan's rate: its price, else its contract's rate for the job type,
before the client's contract in force and the team's rate card (`plans.billing`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Actor
from invoicing import services as invoicing
from invoicing.models import Invoice
from jobs.models import Job, JobStatus, ResultType
from plans import worker
from plans.models import PlanOccurrence
from tests.factories import SiteFactory, TeamFactory
from tests.invoicing.factories import ContractFactory, ContractRateFactory, RateFactory, completed_job
from tests.plans.factories import TODAY, make_plan

pytestmark = pytest.mark.django_db


def _visit_done(plan_id: object) -> Job:
    """The plan's first visit's job, made by the pass and completed yesterday."""
    worker.create_due_jobs(today=TODAY)
    job = PlanOccurrence.objects.get(plan_id=plan_id).job
    assert job is not None
    finished = timezone.now() - dt.timedelta(days=1)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.COMPLETED, result_type=ResultType.SUCCESS, started_at=finished, completed_at=finished
    )
    return job


def _unit_prices(team: object, client: object, jobs: list[Job]) -> dict[object, Decimal]:
    invoice, _ = invoicing.save_draft(team=team, actor=Actor(), client=client, job_ids=[job.pk for job in jobs])
    return {line.job_id: line.unit_price for line in invoice.lines.all()}


def test_a_plan_visit_is_billed_at_the_plan_price_and_other_jobs_at_the_rate_card() -> None:
    team = TeamFactory()
    site = SiteFactory(team=team)
    rate = RateFactory(team=team, unit_price=Decimal("90.00"), currency="EUR", tax_rate=Decimal("5.000"))
    plan = make_plan(team, site=site, job_type=rate.job_type, price=Decimal("150.00"))
    visit = _visit_done(plan.pk)
    other = completed_job(team, site.client, job_type=rate.job_type)
    assert _unit_prices(team, site.client, [visit, other]) == {visit.pk: Decimal("150.00"), other.pk: Decimal("90.00")}
    line = Invoice.objects.get().lines.get(job=visit)
    assert line.tax_rate == Decimal("5.000") and line.quantity == 1, "the type's tax rate, one visit"


def test_without_a_price_the_plan_contract_rate_wins_over_the_client_contract_in_force() -> None:
    team = TeamFactory()
    site = SiteFactory(team=team)
    rate = RateFactory(team=team, unit_price=Decimal("90.00"), currency="EUR")
    older = ContractFactory(team=team, client=site.client, valid_from=dt.date(2020, 1, 1))
    ContractRateFactory(contract=older, job_type=rate.job_type, unit_price=Decimal("130.00"))
    newer = ContractFactory(team=team, client=site.client, valid_from=dt.date(2024, 1, 1))
    ContractRateFactory(contract=newer, job_type=rate.job_type, unit_price=Decimal("110.00"))
    plan = make_plan(team, site=site, job_type=rate.job_type, contract=older)
    visit = _visit_done(plan.pk)
    other = completed_job(team, site.client, job_type=rate.job_type)
    assert _unit_prices(team, site.client, [visit, other]) == {visit.pk: Decimal("130.00"), other.pk: Decimal("110.00")}


def test_a_plan_without_price_or_contract_is_billed_as_any_job() -> None:
    team = TeamFactory()
    site = SiteFactory(team=team)
    rate = RateFactory(team=team, unit_price=Decimal("90.00"), currency="EUR")
    plan = make_plan(team, site=site, job_type=rate.job_type)
    visit = _visit_done(plan.pk)
    assert _unit_prices(team, site.client, [visit]) == {visit.pk: Decimal("90.00")}
