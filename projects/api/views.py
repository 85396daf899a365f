"""Clients, sites, project templates and projects under /v1. Views are thin: services do the writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from core.api.examples import with_request_examples
from core.api.pagination import CREATED_AT, SortField
from core.api.views import ListMixin, RetrieveMixin, TeamScopedViewSet, envelope
from projects import selectors, services
from projects.api import examples
from projects.api.filters import ClientFilter, ProjectFilter, ProjectTemplateFilter, SiteFilter
from projects.api.serializers import (
    ClientCreateSerializer,
    ClientSerializer,
    ClientUpdateSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectJobAddSerializer,
    ProjectRevisionSerializer,
    ProjectSerializer,
    ProjectTemplateCreateSerializer,
    ProjectTemplateSerializer,
    ProjectUpdateSerializer,
    RevisionCreateSerializer,
    SiteCreateSerializer,
    SiteSerializer,
    SiteUpdateSerializer,
)
from projects.models import Client, Project, ProjectTemplate, Site

TAGS = ["projects"]
READ, WRITE = Scope.PROJECTS_READ, Scope.PROJECTS_WRITE
NAMED_SORTS: dict[str, SortField] = {
    "createdAt": CREATED_AT,
    "updatedAt": SortField("updated_at"),
    "name": SortField("name"),
}


def _scopes(*writes: str) -> dict[str, str]:
    return {"list": READ, "retrieve": READ, **dict.fromkeys(writes, WRITE)}


@with_request_examples(create=examples.CREATE_CLIENT, update_client=examples.UPDATE_CLIENT)
@extend_schema_view(
    list=extend_schema(summary="List clients", tags=TAGS),
    retrieve=extend_schema(summary="Get a client", tags=TAGS),
    create=extend_schema(
        summary="Create a client",
        description="A client's name is unique in the team, ignoring case: a duplicate is a 409.",
        tags=TAGS,
        request=ClientCreateSerializer,
        responses={201: ClientSerializer},
    ),
    update_client=extend_schema(
        summary="Update a client",
        description="Only the fields sent change; `billingAddress` parts left out keep their value. "
        "Set `archived` to stop new sites and projects for the client.",
        tags=TAGS,
        request=ClientUpdateSerializer,
        responses={200: ClientSerializer},
    ),
)
class ClientViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    sort_fields = NAMED_SORTS
    required_scopes: ClassVar[dict[str, str]] = _scopes("create", "update_client")

    def base_queryset(self, team: Team) -> QuerySet[Client]:
        return selectors.clients_for(team=team)

    def create(self, request: Request) -> Response:
        client = services.create_client(team=self.team, actor=self.actor, **self.validated(ClientCreateSerializer))
        return self.respond(client, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_client(self, request: Request, id: str) -> Response:
        client = self.get_object()
        changes = self.validated(ClientUpdateSerializer)
        return self.respond(services.update_client(client=client, actor=self.actor, changes=changes))


@with_request_examples(create=examples.CREATE_SITE, update_site=examples.UPDATE_SITE)
@extend_schema_view(
    list=extend_schema(summary="List sites", tags=TAGS),
    retrieve=extend_schema(summary="Get a site", tags=TAGS),
    create=extend_schema(
        summary="Create a site",
        description="`clientId` must be one of your team's clients, and not archived.",
        tags=TAGS,
        request=SiteCreateSerializer,
        responses={201: SiteSerializer},
    ),
    update_site=extend_schema(
        summary="Update a site",
        description="Only the fields sent change; `address` parts left out keep their value. "
        "`latitude` and `longitude` are set (or cleared) together. A site's client cannot change.",
        tags=TAGS,
        request=SiteUpdateSerializer,
        responses={200: SiteSerializer},
    ),
)
class SiteViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    sort_fields = NAMED_SORTS
    required_scopes: ClassVar[dict[str, str]] = _scopes("create", "update_site")

    def base_queryset(self, team: Team) -> QuerySet[Site]:
        return selectors.sites_for(team=team)

    def create(self, request: Request) -> Response:
        site = services.create_site(team=self.team, actor=self.actor, **self.validated(SiteCreateSerializer))
        return self.respond_fresh(site, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_site(self, request: Request, id: str) -> Response:
        site = self.get_object()
        changes = self.validated(SiteUpdateSerializer)
        return self.respond_fresh(services.update_site(site=site, actor=self.actor, changes=changes))


@with_request_examples(create=examples.CREATE_PROJECT_TEMPLATE)
@extend_schema_view(
    list=extend_schema(summary="List project templates", tags=TAGS),
    retrieve=extend_schema(summary="Get a project template", tags=TAGS),
    create=extend_schema(
        summary="Create a project template",
        description="Steps are kept in the order given. Each step names a job type by `jobType` (key) or "
        "`jobTypeId`; its `payload` must satisfy that type's JSON Schema. Names are unique in the team.",
        tags=TAGS,
        request=ProjectTemplateCreateSerializer,
        responses={201: ProjectTemplateSerializer},
    ),
)
class ProjectTemplateViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = ProjectTemplate.objects.all()
    serializer_class = ProjectTemplateSerializer
    filterset_class = ProjectTemplateFilter
    sort_fields = NAMED_SORTS
    required_scopes: ClassVar[dict[str, str]] = _scopes("create")

    def base_queryset(self, team: Team) -> QuerySet[ProjectTemplate]:
        return selectors.project_templates_for(team=team)

    def create(self, request: Request) -> Response:
        data = self.validated(ProjectTemplateCreateSerializer)
        template = services.create_project_template(team=self.team, actor=self.actor, **data)
        return self.respond_fresh(template, status.HTTP_201_CREATED)


@with_request_examples(
    create=examples.CREATE_PROJECT,
    update_project=examples.UPDATE_PROJECT,
    create_revision=examples.CREATE_REVISION,
    add_job=examples.ADD_JOB,
)
@extend_schema_view(
    list=extend_schema(summary="List projects", tags=TAGS),
    retrieve=extend_schema(
        summary="Get a project with its jobs and latest revision number",
        description="`jobs` lists up to 100 jobs by scheduled date; `progress` counts all of them. "
        "Page through every job with `GET /v1/jobs?projectId=`.",
        tags=TAGS,
        responses=ProjectDetailSerializer,
    ),
    create=extend_schema(
        summary="Create a project",
        description="With `templateId`, the template's jobs are created in the same transaction, linked to "
        "the project, its client and site, each scheduled `offsetDays` after `startDate` (required then).",
        tags=TAGS,
        request=ProjectCreateSerializer,
        responses={201: ProjectDetailSerializer},
    ),
    update_project=extend_schema(
        summary="Update a project",
        description="Only the fields sent change. A status change must be an allowed transition, else 409.",
        tags=TAGS,
        request=ProjectUpdateSerializer,
        responses={200: ProjectDetailSerializer},
    ),
    create_revision=extend_schema(
        summary="Make a project revision",
        description="Records the next numbered (1, 2, 3 … per project, gapless) immutable snapshot of the "
        "project and its jobs. A `projectId` that is not your team's is a 404.",
        tags=TAGS,
        request=RevisionCreateSerializer,
        responses={201: ProjectRevisionSerializer},
    ),
    add_job=extend_schema(
        summary="Add a job to a project",
        description="A job belongs to at most one project: a job in another project, or for another client, "
        "is a 409; so is a COMPLETED or CANCELLED project. Ids that are not your team's are a 404. "
        "Adding a job that is already in the project changes nothing.",
        tags=TAGS,
        request=ProjectJobAddSerializer,
        responses={200: ProjectDetailSerializer},
    ),
)
class ProjectViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    sort_fields = NAMED_SORTS
    required_scopes: ClassVar[dict[str, str]] = _scopes("create", "update_project", "create_revision", "add_job")
    # Actions whose target ids travel in the body: an id of another team is a 404 there too.
    BODY_ID_ACTIONS = ("create_revision", "add_job")

    @property
    def extra_error_statuses(self) -> tuple[int, ...]:
        return (404,) if self.action in self.BODY_ID_ACTIONS else ()

    def base_queryset(self, team: Team) -> QuerySet[Project]:
        return selectors.projects_for(team=team, with_jobs=self.action != "list")

    def get_serializer_class(self) -> Any:
        return ProjectSerializer if self.action == "list" else ProjectDetailSerializer

    def create(self, request: Request) -> Response:
        project = services.create_project(team=self.team, actor=self.actor, **self.validated(ProjectCreateSerializer))
        return self.respond_fresh(project, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_project(self, request: Request, id: str) -> Response:
        project = self.get_object()
        changes = self.validated(ProjectUpdateSerializer)
        return self.respond_fresh(services.update_project(project=project, actor=self.actor, changes=changes))

    @action(detail=False, methods=["post"], url_path="revisions/create", url_name="revisions-create")
    def create_revision(self, request: Request) -> Response:
        data = self.validated(RevisionCreateSerializer)
        revision = services.create_project_revision(
            team=self.team, actor=self.actor, project=data["project_id"], message=data["message"]
        )
        revision = selectors.revisions_for(team=self.team).get(pk=revision.pk)
        return envelope(ProjectRevisionSerializer(revision).data, status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"], url_path="jobs/add", url_name="jobs-add")
    def add_job(self, request: Request) -> Response:
        data = self.validated(ProjectJobAddSerializer)
        project = services.add_job_to_project(
            team=self.team, actor=self.actor, project=data["project_id"], job=data["job_id"]
        )
        return self.respond_fresh(project)
