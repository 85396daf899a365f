"""factory-boy factories and small builders for invoicing tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from invoicing.models import Contract, ContractRate, Invoice, InvoiceLine, InvoiceStatus, Rate, RateUnit
from jobs.models import Job, JobStatus, JobType, ResultType
from projects.models import Client
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, TeamFactory

FAR_PAST = dt.date(2000, 1, 1)


class RateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rate

    team = factory.SubFactory(TeamFactory)
    job_type = factory.SubFactory(JobTypeFactory, team=factory.SelfAttribute("..team"))
    unit_price = Decimal("100.00")
    unit = RateUnit.JOB
    tax_rate = Decimal("20.000")
    currency = "EUR"
    valid_from = FAR_PAST


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    team = factory.SubFactory(TeamFactory)
    client = factory.SubFactory(ClientFactory, team=factory.SelfAttribute("..team"))
    reference = factory.Sequence(lambda n: f"C-{n:04d}")
    valid_from = FAR_PAST
    currency = "EUR"


class ContractRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractRate

    contract = factory.SubFactory(ContractFactory)
    job_type = factory.SubFactory(JobTypeFactory, team=factory.SelfAttribute("..contract.team"))
    unit_price = Decimal("80.00")
    unit = RateUnit.JOB
    tax_rate = Decimal("20.000")


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft with no lines (totals zero); use `draft_with_line` for a finalizable one."""

    class Meta:
        model = Invoice

    team = factory.SubFactory(TeamFactory)
    client = factory.SubFactory(ClientFactory, team=factory.SelfAttribute("..team"))
    status = InvoiceStatus.DRAFT
    currency = "EUR"


def draft_with_line(team: Any, client: Client | None = None, amount: str = "100.00") -> Invoice:
    """A draft with one manual line of `amount` net at 20% tax."""
    invoice = InvoiceFactory(team=team, **({"client": client} if client else {}))
    net = Decimal(amount)
    tax = (net * Decimal("0.2")).quantize(Decimal("0.01"))
    InvoiceLine.objects.create(
        invoice=invoice, position=0, description="Work", quantity=Decimal(1), unit_price=net,
        tax_rate=Decimal(20), net_amount=net, tax_amount=tax, line_total=net + tax,
    )  # fmt: skip
    invoice.subtotal, invoice.tax_total, invoice.total = net, tax, net + tax
    invoice.save()
    return invoice


def completed_job(team: Any, client: Client, job_type: JobType | None = None, hours: float = 2.0, **fields: Any) -> Job:
    """A COMPLETED job of `client` that took `hours`."""
    finished = timezone.now() - dt.timedelta(days=1)
    defaults: dict[str, Any] = {
        "status": JobStatus.COMPLETED,
        "result_type": ResultType.SUCCESS,
        "started_at": finished - dt.timedelta(hours=hours),
        "completed_at": finished,
    }
    if job_type is not None:
        defaults["job_type"] = job_type
    return JobFactory(team=team, client=client, **{**defaults, **fields})
