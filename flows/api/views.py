"""The flows API: templates under job types, groups, flows, regenerate/resend, the document, metrics."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from core.api.examples import with_request_examples
from core.api.negotiation import FirstRendererNegotiation
from core.api.permissions import signed_link_or_scope
from core.api.views import UUID_PATTERN, BaseAPIView, ListMixin, RetrieveMixin, TeamScopedViewSet, envelope
from flows import selectors, services
from flows.api import examples
from flows.api.filters import FlowGroupFilter
from flows.api.serializers import (
    FlowGroupSerializer,
    FlowMetricsQuerySerializer,
    FlowMetricsSerializer,
    FlowSerializer,
    FlowTemplateCreateSerializer,
    FlowTemplateSerializer,
    FlowTemplateUpdateSerializer,
    RegenerateSerializer,
    ResendSerializer,
    flow_for_token,
)
from flows.documents import attachment_name
from flows.models import Flow, FlowGroup, FlowTemplate
from jobs.models import JobType
from jobs.selectors import job_types_for

TAGS = ["flows"]
READ, WRITE = Scope.FLOWS_READ, Scope.FLOWS_WRITE


@with_request_examples(create=examples.CREATE_TEMPLATE, update_template=examples.UPDATE_TEMPLATE)
@extend_schema_view(
    list=extend_schema(summary="List a job type's flow templates", tags=TAGS),
    retrieve=extend_schema(summary="Get a flow template", tags=TAGS),
    create=extend_schema(
        summary="Add a flow template to a job type",
        tags=TAGS,
        request=FlowTemplateCreateSerializer,
        responses={201: FlowTemplateSerializer},
    ),
    update_template=extend_schema(
        summary="Change a flow template",
        tags=TAGS,
        request=FlowTemplateUpdateSerializer,
        responses={200: FlowTemplateSerializer},
    ),
)
class FlowTemplateViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    """The documents a job type sends when one of its jobs completes."""

    queryset = FlowTemplate.objects.all()
    serializer_class = FlowTemplateSerializer
    lookup_url_kwarg = "templateId"
    required_scopes: ClassVar[dict[str, str]] = {
        "list": READ,
        "retrieve": READ,
        "create": WRITE,
        "update_template": WRITE,
    }

    def job_type(self) -> JobType:
        """The path's job type, if it is the caller team's (404 otherwise)."""
        return self.team_object(job_types_for(team=self.team), self.kwargs["id"])

    def base_queryset(self, team: Team) -> QuerySet[FlowTemplate]:
        return selectors.flow_templates_for(team=team, job_type_id=self.job_type().pk)

    def create(self, request: Request, id: str) -> Response:
        data = self.validated(FlowTemplateCreateSerializer)
        template = services.create_flow_template(team=self.team, actor=self.actor, job_type=self.job_type(), **data)
        return self.respond(template, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_template(self, request: Request, id: str, templateId: str) -> Response:  # noqa: N803
        template = self.get_object()
        data = self.validated(FlowTemplateUpdateSerializer)
        return self.respond(services.update_flow_template(template=template, actor=self.actor, **data))


@extend_schema_view(
    list=extend_schema(summary="List flow groups (the documents each completed job produced)", tags=TAGS),
    retrieve=extend_schema(summary="Get a flow group", tags=TAGS),
)
class FlowGroupViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = FlowGroup.objects.all()
    serializer_class = FlowGroupSerializer
    filterset_class = FlowGroupFilter
    required_scopes: ClassVar[dict[str, str]] = {"list": READ, "retrieve": READ}

    def base_queryset(self, team: Team) -> QuerySet[FlowGroup]:
        return selectors.flow_groups_for(team=team)


def _accepted_schema(summary: str, body: Any) -> Any:
    return extend_schema(summary=summary, tags=TAGS, request=body, responses={202: FlowSerializer})


@with_request_examples(regenerate=examples.REGENERATE, resend=examples.RESEND)
@extend_schema_view(
    retrieve=extend_schema(summary="Get a flow with its delivery log and a signed document link", tags=TAGS),
    regenerate=_accepted_schema("Re-render a flow's document from current data (queued)", RegenerateSerializer),
    resend=_accepted_schema("Email a flow's document again (queued)", ResendSerializer),
)
class FlowViewSet(RetrieveMixin, TeamScopedViewSet):
    queryset = Flow.objects.all()
    serializer_class = FlowSerializer
    required_scopes: ClassVar[dict[str, str]] = {
        "retrieve": READ,
        "regenerate": WRITE,
        "resend": WRITE,
    }

    def base_queryset(self, team: Team) -> QuerySet[Flow]:
        return selectors.flows_for(team=team)

    def _accepted(self, flow: Flow, message: str) -> Response:
        fresh = self.get_queryset().get(pk=flow.pk)
        return envelope(self.get_output_serializer(fresh).data, status.HTTP_202_ACCEPTED, message)

    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, id: str) -> Response:
        """Refused with 409 for a job that is not COMPLETED, or while the flow still has work queued."""
        flow = self.get_object()
        data = self.validated(RegenerateSerializer)
        flow = services.regenerate_flow(flow=flow, actor=self.actor, **data)
        return self._accepted(flow, "Queued: the document will be rendered again from the job's current data.")

    @action(detail=True, methods=["post"])
    def resend(self, request: Request, id: str) -> Response:
        """Refused with 409 for a job that is not COMPLETED, or while the flow still has work queued."""
        flow = self.get_object()
        self.validated(ResendSerializer)
        flow = services.resend_flow(flow=flow, actor=self.actor)
        return self._accepted(flow, "Queued: the document will be emailed again.")


class FlowDocumentView(BaseAPIView):
    """`GET /flows/{id}/document`: the PDF, by signed link (no token needed) or with `flows.read`."""

    required_scopes: ClassVar[dict[str, str]] = {"GET": READ}
    permission_classes = [signed_link_or_scope(flow_for_token, "granted_document")]
    content_negotiation_class = FirstRendererNegotiation
    granted_document: str | None = None

    @extend_schema(
        summary="Download a flow's PDF",
        description="Open the signed `document.url` of `GET /flows/{id}` (valid a few minutes, no token needed), "
        "or call with a token that has `flows.read`.",
        tags=TAGS,
        parameters=[
            OpenApiParameter("token", str, description="The signature from `document.url`.", required=False),
        ],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")},
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        # A signed link names one flow's document by itself (no token, so no team); else the caller's team.
        signed = self.granted_document is not None
        flows = Flow.objects.all() if signed else selectors.flows_for(team=self.team, with_log=False)
        flow = flows.filter(pk=id).first()
        if flow is None or not flow.document:
            raise NotFound()
        if self.granted_document is not None and flow.document.name != self.granted_document:
            raise NotFound("This link is for a document that has since been regenerated; get a new link.")
        with flow.document.open("rb") as handle:  # one-page documents: small enough to answer in one piece
            response = HttpResponse(handle.read(), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{attachment_name(flow)}"'
        response["Cache-Control"] = "private, no-store"
        return response


class FlowMetricsView(BaseAPIView):
    """`GET /metrics/flows`."""

    required_scopes: ClassVar[dict[str, str]] = {"GET": Scope.METRICS_READ}
    extra_error_statuses = (400,)

    @extend_schema(
        summary="Flow metrics: counts by status and kind, send success rate, time to delivery, a time series",
        tags=["metrics"],
        parameters=[FlowMetricsQuerySerializer],
        responses={200: FlowMetricsSerializer},
    )
    def get(self, request: Request) -> Response:
        query = FlowMetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return envelope(FlowMetricsSerializer(selectors.flow_metrics(team=self.team, **query.validated_data)).data)


DOCUMENT_PATH = rf"^flows/(?P<id>{UUID_PATTERN})/document$"
