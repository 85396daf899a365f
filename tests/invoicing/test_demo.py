"""The demo seeder leaves a team with invoices in every state, and running it again adds nothing."""

from __future__ import annotations

import random

from core.demo import DemoContext
from invoicing import demo
from invoicing.models import Contract, Invoice, InvoiceStatus, InvoicingProfile, Rate
from tests.conftest import World
from tests.factories import ClientFactory, JobTypeFactory
from tests.invoicing.factories import completed_job


def test_demo_seed_is_complete_and_idempotent(world: World) -> None:
    team = world.a.team
    boiler = JobTypeFactory(team=team, key="boiler-service")
    heat_pump = JobTypeFactory(team=team, key="heat-pump-install")
    for _ in range(4):
        client = ClientFactory(team=team)
        for job_type in (boiler, heat_pump, boiler):
            completed_job(team, client, job_type)
    context = DemoContext(team=team, jobs=0, rng=random.Random(1), members={"owner": world.a.owner})

    demo.seed(context)
    demo.seed(context)

    assert InvoicingProfile.objects.get(team=team).number_prefix == "SE"
    assert Rate.objects.filter(team=team).count() == 2 and Contract.objects.filter(team=team).count() == 1
    statuses = sorted(Invoice.objects.filter(team=team).values_list("status", flat=True))
    assert statuses == [InvoiceStatus.APPROVED, InvoiceStatus.APPROVED, InvoiceStatus.DRAFT, InvoiceStatus.FINALIZED]
    numbered = Invoice.objects.filter(team=team, sequence__isnull=False).order_by("sequence")
    assert [invoice.sequence for invoice in numbered] == [1, 2, 3]
