from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from core.api.errors import ServiceUnavailable
from core.api.examples import with_request_examples
from core.api.negotiation import FirstRendererNegotiation
from core.api.pagination import CREATED_AT, SortField
from core.api.views import ListMixin, RetrieveMixin, TeamScopedViewSet, envelope
from invoicing import selectors, services
from invoicing.api import examples
from invoicing.api.filters import ContractFilter, InvoiceFilter, RateFilter
from invoicing.api.serializers import (
    ContractCreateSerializer,
    ContractSerializer,
    InvoiceActionSerializer,
    InvoiceDefaultsQuerySerializer,
    InvoiceDefaultsSerializer,
    InvoiceDetailSerializer,
    InvoiceDraftSerializer,
    InvoiceMarkPaidSerializer,
    InvoiceSendSerializer,
    InvoiceSerializer,
    InvoiceTemplateSerializer,
    InvoiceTemplateUpsertSerializer,
    InvoiceVoidSerializer,
    InvoicingProfileSerializer,
    InvoicingProfileUpsertSerializer,
    RateCreateSerializer,
    RateSerializer,
)
from invoicing.documents import PDF_CONTENT_TYPE, invoice_filename, render_invoice_pdf
from invoicing.models import UNDATED_SORT_DATE, Contract, Invoice, InvoiceTemplate, InvoicingProfile, Rate

TAGS = ["invoices"]
BODY_ID_ACTIONS = {"draft", "finalize", "approve", "void", "mark_paid", "send"}
READ, WRITE = Scope.INVOICES_READ, Scope.INVOICES_WRITE


def _write(summary: str, body: Any, output: Any, code: int = 200, description: str = "") -> Any:
    return extend_schema(summary=summary, description=description, tags=TAGS, request=body, responses={code: output})


class InvoicingProfileViewSet(TeamScopedViewSet):
    queryset = InvoicingProfile.objects.all()
    serializer_class = InvoicingProfileSerializer
    pagination_class = None
    required_scopes: ClassVar[dict[str, str]] = {"profile": READ, "upsert": WRITE}

    @extend_schema(
        summary="Get the invoicing profile",
        description="The team's profile; a team that never saved one gets the defaults it would start from.",
        tags=TAGS,
        responses=InvoicingProfileSerializer,
    )
    def profile(self, request: Request) -> Response:
        return self.respond(selectors.profile_for(team=self.team))

    @extend_schema(examples=[examples.UPSERT_PROFILE])
    @_write(
        "Create or update the invoicing profile (only the fields given change)",
        InvoicingProfileUpsertSerializer,
        InvoicingProfileSerializer,
    )
    def upsert(self, request: Request) -> Response:
        changes = self.validated(InvoicingProfileUpsertSerializer)
        return self.respond(services.upsert_profile(team=self.team, actor=self.actor, **changes))


class InvoiceTemplateViewSet(TeamScopedViewSet):
    queryset = InvoiceTemplate.objects.all()
    serializer_class = InvoiceTemplateSerializer
    pagination_class = None
    required_scopes: ClassVar[dict[str, str]] = {"template": READ, "upsert": WRITE}

    @extend_schema(
        summary="Get the invoice template",
        description="The layout fields used when an invoice is rendered; defaults until first saved.",
        tags=TAGS,
        responses=InvoiceTemplateSerializer,
    )
    def template(self, request: Request) -> Response:
        return self.respond(selectors.template_for(team=self.team))

    @extend_schema(examples=[examples.UPSERT_TEMPLATE])
    @_write(
        "Create or update the invoice template (only the fields given change)",
        InvoiceTemplateUpsertSerializer,
        InvoiceTemplateSerializer,
    )
    def upsert(self, request: Request) -> Response:
        changes = self.validated(InvoiceTemplateUpsertSerializer)
        return self.respond(services.upsert_template(team=self.team, actor=self.actor, **changes))


@with_request_examples(create=examples.CREATE_RATE)
@extend_schema_view(
    list=extend_schema(summary="List the team's rates", tags=TAGS),
    create=_write("Create a rate", RateCreateSerializer, RateSerializer, 201),
)
class RateViewSet(ListMixin, TeamScopedViewSet):
    queryset = Rate.objects.all()
    serializer_class = RateSerializer
    filterset_class = RateFilter
    required_scopes: ClassVar[dict[str, str]] = {"list": READ, "create": WRITE}

    def base_queryset(self, team: Team) -> QuerySet[Rate]:
        return selectors.rates_for(team=team)

    def create(self, request: Request) -> Response:
        rate = services.create_rate(team=self.team, actor=self.actor, **self.validated(RateCreateSerializer))
        return self.respond_fresh(rate, status.HTTP_201_CREATED)


@with_request_examples(create=examples.CREATE_CONTRACT)
@extend_schema_view(
    list=extend_schema(summary="List client contracts with their rates", tags=TAGS),
    create=_write(
        "Create a client contract with its per-job-type rates", ContractCreateSerializer, ContractSerializer, 201
    ),
)
class ContractViewSet(ListMixin, TeamScopedViewSet):
    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    required_scopes: ClassVar[dict[str, str]] = {"list": READ, "create": WRITE}

    def base_queryset(self, team: Team) -> QuerySet[Contract]:
        return selectors.contracts_for(team=team)

    def create(self, request: Request) -> Response:
        contract = services.create_contract(
            team=self.team, actor=self.actor, **self.validated(ContractCreateSerializer)
        )
        return self.respond_fresh(contract, status.HTTP_201_CREATED)


@with_request_examples(
    draft=examples.DRAFT,
    finalize=examples.FINALIZE,
    approve=examples.APPROVE,
    void=examples.VOID,
    mark_paid=examples.MARK_PAID,
    send=examples.SEND,
)
@extend_schema_view(
    list=extend_schema(summary="List invoices", tags=TAGS),
    retrieve=extend_schema(summary="Get an invoice with its lines", tags=TAGS, responses=InvoiceDetailSerializer),
    defaults=extend_schema(
        summary="What a new draft would get",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "clientId", OpenApiTypes.UUID, required=False, description="Take the client's contract into account."
            )
        ],
        responses=InvoiceDefaultsSerializer,
    ),
    draft=extend_schema(
        summary="Create or update a draft invoice",
        tags=TAGS,
        request=InvoiceDraftSerializer,
        responses={201: InvoiceDetailSerializer, 200: InvoiceDetailSerializer},
    ),
    finalize=_write("Finalize a draft: give it the next number", InvoiceActionSerializer, InvoiceDetailSerializer),
    approve=_write("Approve a finalized invoice", InvoiceActionSerializer, InvoiceDetailSerializer),
    void=_write("Void a finalized invoice", InvoiceVoidSerializer, InvoiceDetailSerializer),
    mark_paid=_write(
        "Mark a finalized or approved invoice paid",
        InvoiceMarkPaidSerializer,
        InvoiceDetailSerializer,
        description="Records `paidAt` (the day the client paid, not in the future) and emits `invoice.paid`. "
        "409 for a draft or void invoice, or one already marked paid; send an `Idempotency-Key` to retry safely.",
    ),
    send=_write(
        "Email a finalized or approved invoice's PDF to the client",
        InvoiceSendSerializer,
        InvoiceDetailSerializer,
        description="Sends the PDF to the client's email address and sets `sentAt`; emits `invoice.sent`. "
        "An invoice already sent is not emailed again (200, unchanged) unless `resend` is true. 409 for a draft "
        "or void invoice, a client without an email address, or while a send of it is under way; 503 when the "
        "mail server refuses or cannot be reached (the send log says FAILED; retry).",
    ),
    pdf=extend_schema(
        summary="Download an invoice as PDF",
        description="The invoice rendered with the team's invoice template and invoicing profile (the seller "
        "as frozen at finalize). A draft has no number and carries a DRAFT watermark; a void one, VOID.",
        tags=TAGS,
        responses={(200, PDF_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")},
    ),
)
class InvoiceViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    sort_fields: ClassVar[dict[str, SortField]] = {
        "createdAt": CREATED_AT,
        "issueDate": SortField("issue_date", nulls_as=UNDATED_SORT_DATE),
        "total": SortField("total"),
    }
    required_scopes: ClassVar[dict[str, str]] = {
        **dict.fromkeys(("list", "retrieve", "defaults", "pdf"), READ),
        **dict.fromkeys(("draft", "finalize", "approve", "void", "mark_paid", "send"), WRITE),
    }

    @property
    def extra_error_statuses(self) -> tuple[int, ...]:
        """Actions naming an invoice in the body answer 404 for an unknown id, as a path id would."""
        if self.action == "defaults":
            return (400,)  # a malformed or unknown clientId
        return (404,) if self.action in BODY_ID_ACTIONS else ()

    def base_queryset(self, team: Team) -> QuerySet[Invoice]:
        return selectors.invoices_for(team=team, with_lines=self.action != "list", for_document=self.action == "pdf")

    def get_serializer_class(self) -> Any:
        return InvoiceSerializer if self.action == "list" else InvoiceDetailSerializer

    @action(detail=False, methods=["get"])
    def defaults(self, request: Request) -> Response:
        raw = request.query_params.get("clientId")
        query = InvoiceDefaultsQuerySerializer(
            data={} if raw is None else {"client_id": raw}, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        client = query.validated_data.get("client_id")
        return envelope(InvoiceDefaultsSerializer(selectors.draft_defaults(team=self.team, client=client)).data)

    @action(detail=False, methods=["post"])
    def draft(self, request: Request) -> Response:
        data = self.validated(InvoiceDraftSerializer)
        existing = data.pop("invoice_id", None)
        invoice, created = services.save_draft(team=self.team, actor=self.actor, invoice=existing, **data)
        return self.respond_fresh(invoice, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=False, methods=["post"])
    def finalize(self, request: Request) -> Response:
        invoice = self.validated(InvoiceActionSerializer)["invoice_id"]
        return self.respond_fresh(services.finalize_invoice(team=self.team, actor=self.actor, invoice=invoice))

    @action(detail=False, methods=["post"])
    def approve(self, request: Request) -> Response:
        invoice = self.validated(InvoiceActionSerializer)["invoice_id"]
        return self.respond_fresh(services.approve_invoice(team=self.team, actor=self.actor, invoice=invoice))

    @action(detail=False, methods=["post"])
    def void(self, request: Request) -> Response:
        data = self.validated(InvoiceVoidSerializer)
        return self.respond_fresh(
            services.void_invoice(team=self.team, actor=self.actor, invoice=data["invoice_id"], reason=data["reason"])
        )

    @action(detail=False, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request: Request) -> Response:
        data = self.validated(InvoiceMarkPaidSerializer)
        invoice = services.mark_invoice_paid(
            team=self.team, actor=self.actor, invoice=data["invoice_id"], paid_at=data["paid_at"]
        )
        return self.respond_fresh(invoice)

    @action(detail=False, methods=["post"])
    def send(self, request: Request) -> Response:
        data = self.validated(InvoiceSendSerializer)
        try:
            invoice = services.send_invoice(
                team=self.team, actor=self.actor, invoice=data["invoice_id"], resend=data["resend"]
            )
        except services.MailDeliveryError as exc:
            raise ServiceUnavailable(str(exc)) from exc  # a 503 with Retry-After, like any unreachable service
        return self.respond_fresh(invoice)

    # The PDF answers on success; errors (401/403/404) stay JSON whatever `Accept` asks for.
    @action(detail=True, methods=["get"], url_path="pdf", content_negotiation_class=FirstRendererNegotiation)
    def pdf(self, request: Request, id: str) -> HttpResponse:
        invoice: Invoice = self.get_object()
        response = HttpResponse(render_invoice_pdf(invoice), content_type=PDF_CONTENT_TYPE)
        response["Content-Disposition"] = f'inline; filename="{invoice_filename(invoice)}"'
        response["Cache-Control"] = "private, no-store"
        return response
