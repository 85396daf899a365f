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
from core.api.fast import wire_rows
from core.api.pagination import CREATED_AT, SortField
from core.api.renderers import PreCamelized
from core.api.views import ListMixin, RetrieveMixin, TeamScopedViewSet
from jobs import selectors, services
from jobs.api.filters import JobFilter
from jobs.api.rows import job_rows, job_values
from jobs.api.serializers import (
    JobAssignSerializer,
    JobCancelSerializer,
    JobCompleteSerializer,
    JobCreateSerializer,
    JobDetailSerializer,
    JobSerializer,
    JobStartSerializer,
    JobTypeCreateSerializer,
    JobTypeSerializer,
)
from jobs.models import UNSCHEDULED_SORT_DATE, Job, JobType


@extend_schema_view(
    list=extend_schema(summary="List job types", tags=["jobs"]),
    retrieve=extend_schema(summary="Get a job type", tags=["jobs"]),
    create=extend_schema(
        summary="Create a job type", tags=["jobs"], request=JobTypeCreateSerializer, responses={201: JobTypeSerializer}
    ),
)
class JobTypeViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = JobType.objects.all()
    serializer_class = JobTypeSerializer
    required_scopes: ClassVar[dict[str, str]] = {
        "list": Scope.JOBS_READ,
        "retrieve": Scope.JOBS_READ,
        "create": Scope.JOBS_WRITE,
    }

    def base_queryset(self, team: Team) -> QuerySet[JobType]:
        return selectors.job_types_for(team=team)

    def create(self, request: Request) -> Response:
        job_type = services.create_job_type(team=self.team, actor=self.actor, **self.validated(JobTypeCreateSerializer))
        return self.respond(job_type, status.HTTP_201_CREATED)


def _transition_schema(summary: str, body: Any) -> Any:
    return extend_schema(summary=summary, tags=["jobs"], request=body, responses={200: JobDetailSerializer})


@extend_schema_view(
    list=extend_schema(summary="List jobs", tags=["jobs"]),
    retrieve=extend_schema(summary="Get a job with its event timeline", tags=["jobs"], responses=JobDetailSerializer),
    create=extend_schema(
        summary="Create a job", tags=["jobs"], request=JobCreateSerializer, responses={201: JobDetailSerializer}
    ),
    cancel=_transition_schema("Cancel a job", JobCancelSerializer),
    assign=_transition_schema("Assign (or reassign) an engineer", JobAssignSerializer),
    start=_transition_schema("Start an assigned job", JobStartSerializer),
    complete=_transition_schema("Complete a job in progress", JobCompleteSerializer),
)
class JobViewSet(RetrieveMixin, TeamScopedViewSet):
    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_class = JobFilter
    sort_fields: ClassVar[dict[str, SortField]] = {
        "createdAt": CREATED_AT,
        "updatedAt": SortField("updated_at"),
        "scheduledDate": SortField("scheduled_date", nulls_as=UNSCHEDULED_SORT_DATE),
    }
    required_scopes: ClassVar[dict[str, str]] = {
        "list": Scope.JOBS_READ,
        "retrieve": Scope.JOBS_READ,
        **dict.fromkeys(("create", "cancel", "assign", "start", "complete"), Scope.JOBS_WRITE),
    }

    fetch_rows = staticmethod(wire_rows)  # the page's rows as the wire wants them (see core.api.fast)

    def base_queryset(self, team: Team) -> QuerySet[Job]:
        # The list reads bare rows (see `list`); one job is read with its relations and timeline.
        listing = self.action == "list"
        return selectors.jobs_for(team=team, with_related=not listing, with_events=not listing)

    def get_serializer_class(self) -> Any:
        return JobSerializer if self.action == "list" else JobDetailSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The hot path: rows built directly as JSON-ready dicts (same shape as `JobSerializer`)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(job_values(queryset)) or []
        return self.get_paginated_response(PreCamelized(job_rows(page)))

    def _fresh(self, job: Job, status_code: int = status.HTTP_200_OK) -> Response:
        return self.respond(self.get_queryset().get(pk=job.pk), status_code)

    def create(self, request: Request) -> Response:
        job = services.create_job(team=self.team, actor=self.actor, **self.validated(JobCreateSerializer))
        return self._fresh(job, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, id: str) -> Response:
        data = self.validated(JobCancelSerializer)
        return self._fresh(services.cancel_job(job=self.get_object(), actor=self.actor, **data))

    @action(detail=True, methods=["post"])
    def assign(self, request: Request, id: str) -> Response:
        job = self.get_object()
        engineer = self.validated(JobAssignSerializer)["engineer_id"]
        return self._fresh(services.assign_job(job=job, actor=self.actor, engineer=engineer))

    @action(detail=True, methods=["post"])
    def start(self, request: Request, id: str) -> Response:
        job = self.get_object()
        self.validated(JobStartSerializer)
        return self._fresh(services.start_job(job=job, actor=self.actor))

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, id: str) -> Response:
        job = self.get_object()
        return self._fresh(services.complete_job(job=job, actor=self.actor, **self.validated(JobCompleteSerializer)))
