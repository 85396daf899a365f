from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from core.api.examples import with_request_examples
from core.api.fast import wire_rows
from core.api.negotiation import FirstRendererNegotiation
from core.api.pagination import CREATED_AT, SortField
from core.api.permissions import signed_link_or_scope
from core.api.statements import HotList
from core.api.views import UUID_PATTERN, BaseAPIView, ListMixin, RetrieveMixin, TeamScopedViewSet, envelope
from core.exceptions import InvalidInputError
from jobs import selectors, services
from jobs.api import examples
from jobs.api.detail import job_detail, served_jobs
from jobs.api.filters import JobFilter
from jobs.api.rows import job_rows, job_values
from jobs.api.serializers import (
    JobAssignSerializer,
    JobAttachmentSerializer,
    JobAttachmentUploadSerializer,
    JobCancelSerializer,
    JobCompleteSerializer,
    JobCreateSerializer,
    JobDetailSerializer,
    JobRescheduleSerializer,
    JobSerializer,
    JobStartSerializer,
    JobTypeCreateSerializer,
    JobTypeSerializer,
    JobTypeUpdateSerializer,
)
from jobs.attachments import MAX_PHOTO_BYTES, file_for_token
from jobs.models import UNSCHEDULED_SORT_DATE, Job, JobAttachment, JobType
from jobs.selectors import stored_file


@with_request_examples(create=examples.CREATE_JOB_TYPE, update_job_type=examples.UPDATE_JOB_TYPE)
@extend_schema_view(
    list=extend_schema(summary="List job types", tags=["jobs"]),
    retrieve=extend_schema(summary="Get a job type", tags=["jobs"]),
    create=extend_schema(
        summary="Create a job type", tags=["jobs"], request=JobTypeCreateSerializer, responses={201: JobTypeSerializer}
    ),
    update_job_type=extend_schema(
        summary="Update a job type",
        description="Only the fields sent change; the `key` is fixed once created. A new `payloadSchema` or "
        "`resultSchema` applies to jobs created or completed from then on.",
        tags=["jobs"],
        request=JobTypeUpdateSerializer,
        responses={200: JobTypeSerializer},
    ),
)
class JobTypeViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = JobType.objects.all()
    serializer_class = JobTypeSerializer
    required_scopes: ClassVar[dict[str, str]] = {
        "list": Scope.JOBS_READ,
        "retrieve": Scope.JOBS_READ,
        "create": Scope.JOBS_WRITE,
        "update_job_type": Scope.JOBS_WRITE,
    }

    def base_queryset(self, team: Team) -> QuerySet[JobType]:
        return selectors.job_types_for(team=team)

    def create(self, request: Request) -> Response:
        job_type = services.create_job_type(team=self.team, actor=self.actor, **self.validated(JobTypeCreateSerializer))
        return self.respond(job_type, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_job_type(self, request: Request, id: str) -> Response:
        job_type = self.get_object()
        changes = self.validated(JobTypeUpdateSerializer)
        return self.respond(services.update_job_type(job_type=job_type, actor=self.actor, changes=changes))


def _transition_schema(summary: str, body: Any, description: str = "") -> Any:
    return extend_schema(
        summary=summary, description=description, tags=["jobs"], request=body, responses={200: JobDetailSerializer}
    )


@with_request_examples(
    create=examples.CREATE_JOB,
    cancel=examples.CANCEL_JOB,
    assign=examples.ASSIGN_JOB,
    start=examples.START_JOB,
    complete=examples.COMPLETE_JOB,
    reschedule=examples.RESCHEDULE_JOB,
)
@extend_schema_view(
    list=extend_schema(summary="List jobs", tags=["jobs"]),
    retrieve=extend_schema(summary="Get a job with its event timeline", tags=["jobs"], responses=JobDetailSerializer),
    create=extend_schema(
        summary="Create a job", tags=["jobs"], request=JobCreateSerializer, responses={201: JobDetailSerializer}
    ),
    cancel=_transition_schema("Cancel a job", JobCancelSerializer),
    assign=_transition_schema("Assign (or reassign) an engineer", JobAssignSerializer),
    start=_transition_schema("Start an assigned job", JobStartSerializer),
    complete=_transition_schema(
        "Complete a job in progress",
        JobCompleteSerializer,
        "With the result, and optionally the customer's signature (a base64 PNG, stored with the signer's "
        "name and the time) and the ids of photos uploaded to the job before, all in one transaction.",
    ),
    reschedule=_transition_schema(
        "Move a job's date and/or time window",
        JobRescheduleSerializer,
        "Only the fields given change. A window without a date moves the day to the window's start in the "
        "team's time zone; a date alone drops a window that was on another day. Refused (409) once the job "
        "is COMPLETED or CANCELLED. Records a `job.rescheduled` event.",
    ),
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
        **dict.fromkeys(("create", "cancel", "assign", "start", "complete", "reschedule"), Scope.JOBS_WRITE),
    }

    object_statement_kept = True  # `base_queryset` below: the team's jobs, whatever the request
    fetch_rows = staticmethod(wire_rows)  # the page's rows as the wire wants them (see core.api.fast)

    def base_queryset(self, team: Team) -> QuerySet[Job]:
        # The list and the detail read bare rows (see `list`, `retrieve`); a write only needs the row
        # it changes (its answer is the representation its event recorded: see `_fresh`).
        return served_jobs(team)

    def get_serializer_class(self) -> Any:
        return JobSerializer if self.action == "list" else JobDetailSerializer

    # The page's statement kept per shape of request (core.api.statements); plain GETs dispatched lean.
    hot_list = HotList(job_values, lambda rows, view: job_rows(rows))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The hot path: rows built directly as JSON-ready dicts (same shape as `JobSerializer`)."""
        return self.hot_list_response(request)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # One job: its row built as the list builds it, with its timeline, photos and signature
        # (jobs/api/detail.py). A comment, not a docstring: the schema would publish a docstring.
        try:
            pk = uuid.UUID(str(self.kwargs[self.lookup_url_kwarg]))
        except ValueError:
            raise NotFound() from None
        found = job_detail(self, pk, context=self.get_serializer_context())
        if found is None:
            raise NotFound()
        return envelope(found)

    def _fresh(self, job: Job, status_code: int = status.HTTP_200_OK) -> Response:
        """The job as the write left it: as its event recorded it, or read again if it recorded none."""
        return self.respond_written(job, status_code, read=lambda: selectors.jobs_for(team=self.team).get(pk=job.pk))

    def create(self, request: Request) -> Response:
        job = services.create_job(team=self.team, actor=self.actor, **self.validated(JobCreateSerializer))
        return self._fresh(job, status.HTTP_201_CREATED)

    # A transition's service locks the job and reads it then (`_lock`): the view hands it the path's
    # key and the caller's team (`object_to_lock`), not a row read first; another team's job is a 404.
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, id: str) -> Response:
        data = self.validated(JobCancelSerializer)
        return self._fresh(services.cancel_job(job=self.object_to_lock(), actor=self.actor, **data))

    @action(detail=True, methods=["post"])
    def assign(self, request: Request, id: str) -> Response:
        job = self.object_to_lock()
        engineer = self.validated(JobAssignSerializer)["engineer_id"]
        return self._fresh(services.assign_job(job=job, actor=self.actor, engineer=engineer))

    @action(detail=True, methods=["post"])
    def start(self, request: Request, id: str) -> Response:
        job = self.object_to_lock()
        self.validated(JobStartSerializer)
        return self._fresh(services.start_job(job=job, actor=self.actor))

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, id: str) -> Response:
        job = self.object_to_lock()
        return self._fresh(services.complete_job(job=job, actor=self.actor, **self.validated(JobCompleteSerializer)))

    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, id: str) -> Response:
        job = self.get_object()  # read first: the service refuses a body that moves nothing before it locks
        return self._fresh(
            services.reschedule_job(job=job, actor=self.actor, **self.validated(JobRescheduleSerializer))
        )


@extend_schema_view(
    list=extend_schema(summary="List a job's photos", tags=["jobs"]),
    create=extend_schema(
        summary="Upload a photo of a job",
        description="A `multipart/form-data` body: the photo in `file` (JPEG, PNG, WebP or HEIC, recognised by "
        "its content, at most 10 MiB) and an optional `caption`. Anything else is a 400 and nothing is stored. "
        "A 320 px JPEG thumbnail is made at upload (not for HEIC).",
        tags=["jobs"],
        request=JobAttachmentUploadSerializer,  # multipart/form-data: the schema follows the parser
        responses={201: JobAttachmentSerializer},
    ),
)
class JobAttachmentViewSet(ListMixin, TeamScopedViewSet):
    """`/jobs/{id}/attachments`: the photos of one job of the caller's team."""

    queryset = JobAttachment.objects.all()
    serializer_class = JobAttachmentSerializer
    lookup_url_kwarg = "attachmentId"
    parser_classes = [MultiPartParser]
    required_scopes: ClassVar[dict[str, str]] = {"list": Scope.JOBS_READ, "create": Scope.JOBS_WRITE}

    def job(self) -> Job:
        """The path's job, if it is the caller team's (404 otherwise)."""
        return self.team_object(served_jobs(self.team), self.kwargs["id"])

    def base_queryset(self, team: Team) -> QuerySet[JobAttachment]:
        return selectors.attachments_for(team=team, job=self.job())

    def create(self, request: Request, id: str) -> Response:
        job = self.job()
        data = self.validated(JobAttachmentUploadSerializer)
        upload = data["file"]
        content = upload.read(MAX_PHOTO_BYTES + 1)  # one byte over is enough to refuse it
        attachment = services.add_attachment(
            job=job, actor=self.actor, content=content, filename=upload.name or "", caption=data["caption"]
        )
        return self.respond_fresh(attachment, status.HTTP_201_CREATED)


class JobFileView(BaseAPIView):
    """A stored job file by signed link (no token needed) or with `jobs.read` in the caller's team."""

    required_scopes: ClassVar[dict[str, str]] = {"GET": Scope.JOBS_READ}
    permission_classes = [signed_link_or_scope(file_for_token, "granted_file")]
    content_negotiation_class = FirstRendererNegotiation
    granted_file: str | None = None
    kind: ClassVar[str]

    def get(self, request: Request, id: str) -> HttpResponse:
        if request.query_params.get("variant", "original") not in ("original", "thumbnail"):
            raise InvalidInputError("variant must be original or thumbnail.", "variant")
        stored = stored_file(
            kind=self.kind,
            team=None if self.granted_file is not None else self.team,
            owner_id=id,
            name=self.granted_file,
            thumbnail=request.query_params.get("variant") == "thumbnail",
        )
        if stored is None:
            raise NotFound()
        field_file, content_type = stored
        with field_file.open("rb") as handle:
            response = HttpResponse(handle.read(), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{field_file.name.rsplit("/", 1)[-1]}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


TOKEN_PARAMETER = OpenApiParameter("token", str, description="The signature from a signed `url`.", required=False)
IMAGE_RESPONSES = {
    (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The image."),
    (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The image."),
}


class JobAttachmentFileView(JobFileView):
    """`GET /job-attachments/{id}/file`: a job photo or its thumbnail."""

    kind = "attachment"
    extra_error_statuses = (400,)  # an unknown `variant`

    @extend_schema(
        summary="Download a job photo or its thumbnail",
        description="Open a signed `file.url` or `thumbnail.url` of an attachment (valid 15 minutes, no token "
        "needed), or call with a token that has `jobs.read` (`variant=thumbnail` for the thumbnail).",
        tags=["jobs"],
        parameters=[
            TOKEN_PARAMETER,
            OpenApiParameter("variant", str, enum=["original", "thumbnail"], required=False),
        ],
        responses=IMAGE_RESPONSES,
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        return super().get(request, id)


class JobSignatureImageView(JobFileView):
    """`GET /job-signatures/{id}/image`: the customer's signature as a PNG."""

    kind = "signature"

    @extend_schema(
        summary="Download a customer's signature",
        description="Open the signed `signature.image.url` of a job (valid 15 minutes, no token needed), or call "
        "with a token that has `jobs.read`.",
        tags=["jobs"],
        parameters=[TOKEN_PARAMETER],
        responses=IMAGE_RESPONSES,
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        return super().get(request, id)


ATTACHMENT_FILE_PATH = rf"^job-attachments/(?P<id>{UUID_PATTERN})/file$"
SIGNATURE_IMAGE_PATH = rf"^job-signatures/(?P<id>{UUID_PATTERN})/image$"
