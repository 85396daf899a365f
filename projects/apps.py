from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from functools import partial

        from core import registry
        from projects import selectors
        from projects.api.serializers import ClientSerializer, ProjectDetailSerializer, SiteSerializer
        from projects.models import Client, Project, Site

        registry.register(Client, selector=selectors.clients_for, serializer=ClientSerializer)
        registry.register(Site, selector=selectors.sites_for, serializer=SiteSerializer)
        registry.register(
            Project, selector=partial(selectors.projects_for, with_jobs=True), serializer=ProjectDetailSerializer
        )
