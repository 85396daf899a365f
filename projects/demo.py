"""Demo clients and their sites, a project template, and projects (one run from the template, with a revision)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Actor
from core.demo import DemoContext
from jobs import starter
from projects import services
from projects.models import Client, ClientType, Project, ProjectStatus, ProjectTemplate, Site

CLIENTS = ["Northwind Housing", "Harbour Schools Trust", "Greenfield Offices", "Riverside Care Homes"]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue"]
TEMPLATE = "Heat pump retrofit"
TEMPLATE_STEPS = [  # (job type key, title, days after the start)
    ("solar-inspection", "Survey roof and plant room", 0),
    ("heat-pump-install", "Install heat pump", 14),
    ("heat-pump-install", "Commission and hand over", 16),
]


def _template(context: DemoContext) -> ProjectTemplate:
    existing = ProjectTemplate.objects.filter(team=context.team, name=TEMPLATE).first()
    if existing is not None:
        return existing
    # The template's steps are starter job types (the jobs app seeds the same catalogue later: idempotent).
    by_key = {job_type.key: job_type for job_type in starter.seed(team=context.team, actor=Actor())}
    steps = [
        {"job_type": by_key[key], "title": title, "offset_days": offset, "payload": {}}
        for key, title, offset in TEMPLATE_STEPS
    ]
    return services.create_project_template(
        team=context.team,
        actor=Actor(),
        name=TEMPLATE,
        description="Survey, install and commission an air-source heat pump.",
        steps=steps,
    )


def _projects(context: DemoContext, sites: list[Site], template: ProjectTemplate) -> list[Project]:
    team, system = context.team, Actor()
    existing = list(Project.objects.filter(team=team))
    if existing:
        return existing
    today = timezone.localdate()
    retrofit = services.create_project(
        team=team,
        actor=system,
        client=sites[0].client,
        site=sites[0],
        name=f"Heat pump retrofit, {sites[0].address_line1}",
        status=ProjectStatus.ACTIVE,
        start_date=today - dt.timedelta(days=7),
        target_date=today + dt.timedelta(days=30),
        budget=Decimal("14500.00"),
        template=template,
    )
    services.create_project_revision(team=team, actor=system, project=retrofit, message="Plan agreed with the client")
    inspections = services.create_project(
        team=team,
        actor=system,
        client=sites[3].client,
        site=sites[3],
        name="Annual electrical inspections",
        start_date=today + dt.timedelta(days=21),
        notes="All buildings on the campus; keys from reception.",
    )
    return [retrofit, inspections]


def seed(context: DemoContext) -> None:
    team = context.team
    clients = []
    for name in CLIENTS:
        slug = name.lower().replace(" ", "")
        client, _ = Client.objects.get_or_create(
            team=team, name=name, defaults={"email": f"accounts@{slug}.example", "type": ClientType.BUSINESS}
        )
        clients.append(client)
    sites = []
    for client in clients:
        for number in range(1, 4):
            site, _ = Site.objects.get_or_create(
                team=team,
                client=client,
                name=f"{client.name} — site {number}",
                defaults={
                    "address_line1": f"{context.rng.randint(1, 200)} {context.rng.choice(STREETS)}",
                    "city": "Bristol",
                    "postcode": f"BS{context.rng.randint(1, 40)} {context.rng.randint(1, 9)}AB",
                    "country": "GB",
                    "access_notes": "Report to reception; parking at the rear.",
                },
            )
            sites.append(site)
    context.records["clients"] = clients
    context.records["sites"] = sites
    context.records["projects"] = _projects(context, sites, _template(context))
