"""Demo invoicing: a profile, a template, team rates, one client contract, and invoices in every state."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from accounts.models import Actor
from core.demo import DemoContext
from invoicing import services
from invoicing.models import Contract, Invoice, InvoiceLine, Rate, RateUnit
from jobs.models import Job, JobStatus, JobType

RATES_FROM = dt.date(2020, 1, 1)
# Job type key -> (unit price, unit); other types get the first entry's price.
PRICES = {
    "boiler-service": (Decimal("95.00"), RateUnit.JOB),
    "heat-pump-install": (Decimal("65.00"), RateUnit.HOUR),
    "eicr": (Decimal("180.00"), RateUnit.JOB),
    "solar-inspection": (Decimal("120.00"), RateUnit.JOB),
}
INVOICED_CLIENTS = 4
JOBS_PER_INVOICE = 3


def seed(context: DemoContext) -> None:
    team = context.team
    if Invoice.objects.filter(team=team).exists():
        return
    actor = Actor(user=next(iter(context.members.values()), None))
    services.upsert_profile(
        team=team,
        actor=actor,
        legal_name=f"{team.name} Ltd",
        address="1 Voltage Way\nBristol BS1 4DJ",
        tax_id="GB123456789",
        bank_details="IBAN GB33 BUKB 2020 1555 5555 55",
        default_tax_rate=Decimal("20"),
        number_prefix="SE",
        footer_text="Thank you for your business.",
    )
    services.upsert_template(team=team, actor=actor, logo_text=team.name.upper(), terms="Payment within 30 days.")
    job_types = list(JobType.objects.filter(team=team))
    if not Rate.objects.filter(team=team).exists():
        for job_type in job_types:
            price, unit = PRICES.get(job_type.key, PRICES["boiler-service"])
            services.create_rate(
                team=team, actor=actor, job_type=job_type, unit_price=price, unit=unit, valid_from=RATES_FROM
            )

    billed = InvoiceLine.objects.filter(invoice__team=team, is_live=True, job__isnull=False).values("job_id")
    unbilled = (
        Job.objects.filter(team=team, status=JobStatus.COMPLETED, client__isnull=False)
        .exclude(pk__in=billed)
        .select_related("client")
        .order_by("completed_at", "id")[:2000]
    )
    by_client: dict[Any, list[Job]] = defaultdict(list)
    for job in unbilled:
        by_client[job.client].append(job)
    clients = [client for client, jobs in by_client.items() if len(jobs) >= JOBS_PER_INVOICE][:INVOICED_CLIENTS]
    if clients and job_types and not Contract.objects.filter(team=team).exists():
        services.create_contract(
            team=team,
            actor=actor,
            client=clients[0],
            reference=f"{team.slug.upper()}-MSA-001",
            valid_from=RATES_FROM,
            currency=team.currency,
            rates=[{"job_type": job_types[0], "unit_price": Decimal("79.50"), "tax_rate": Decimal("20")}],
        )
    for index, client in enumerate(clients):
        jobs = by_client[client][:JOBS_PER_INVOICE]
        manual = [services.ManualLine("Call-out charge", Decimal("1"), Decimal("35.00"))] if index % 2 else []
        invoice, _ = services.save_draft(
            team=team, actor=actor, client=client, job_ids=[job.pk for job in jobs], lines=manual
        )
        if index >= 1:  # the first stays a draft
            invoice = services.finalize_invoice(team=team, actor=actor, invoice=invoice)
        if index >= 2:
            services.approve_invoice(team=team, actor=actor, invoice=invoice)
