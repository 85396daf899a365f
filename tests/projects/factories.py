"""factory-boy factories for project templates (clients, sites and projects are in tests.factories)."""

from __future__ import annotations

import factory

from projects.models import ProjectTemplate, ProjectTemplateStep
from tests.factories import JobTypeFactory, TeamFactory


class ProjectTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectTemplate

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Template {n}")


class ProjectTemplateStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectTemplateStep

    template = factory.SubFactory(ProjectTemplateFactory)
    position = factory.Sequence(lambda n: n)
    job_type = factory.SubFactory(JobTypeFactory, team=factory.SelfAttribute("..template.team"))
    title = factory.Sequence(lambda n: f"Step {n}")
    offset_days = 0
