"""The billing desk (finance's home in the admin), the invoice list's payment and sent filters, the send log.

The desk lists "Ready to bill" — completed jobs on no live invoice, grouped by client, the longest
waiting first — with one button per client that drafts through `services.draft_invoices_from_jobs`
(the job list's action: one draft per client), and counts what is waiting further down the line
(drafts to finalize, invoices to send, unpaid, overdue), each linking to the filtered invoice list.
Finance, owners and admins of the current team may use it; anyone else gets the 403 page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from accounts.models import Actor, Team
from accounts.roles import team_permissions
from core.admin import DashboardTile, ReadOnlyTeamScopedInline, dashboard_panel, permitted_team_ids, registered_admin
from invoicing import selectors, services
from invoicing.models import Invoice, InvoiceSend, InvoiceStatus, PaymentStatus
from projects.models import Client

CLIENTS_PER_PAGE = 25
JOBS_SHOWN_PER_CLIENT = 5
DESK_URL_NAME = "invoicing_invoice_billing_desk"


# The invoice list's filters -----------------------------------------------------------------------


class PaymentStatusFilter(admin.SimpleListFilter):
    """Unpaid / overdue / paid: the rule of `GET /v1/invoices?paymentStatus=` (`selectors.payment_status_match`)."""

    title = "payment"
    parameter_name = "payment"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(PaymentStatus.UNPAID, "Unpaid"), (PaymentStatus.OVERDUE, "Overdue"), (PaymentStatus.PAID, "Paid")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        value = self.value()
        if value is None or value not in PaymentStatus.values:
            return queryset
        status = PaymentStatus(value)
        # "Today" (for overdue) is each team's own; the rows span teams only in a superuser's all-teams view.
        matches = Q(pk__in=[])
        for team in Team.objects.filter(pk__in=queryset.order_by().values("team_id")):
            matches |= Q(team=team) & selectors.payment_status_match(team=team, status=status)
        return queryset.filter(matches)


class SentFilter(admin.SimpleListFilter):
    """Whether a finalized or approved invoice has been emailed to the client."""

    title = "sent to the client"
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Sent"), ("no", "Not sent yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        issued = queryset.filter(status__in=(InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED))
        if self.value() == "yes":
            return issued.filter(sent_at__isnull=False)
        if self.value() == "no":
            return issued.filter(sent_at__isnull=True)
        return queryset


class InvoiceSendInline(ReadOnlyTeamScopedInline):
    """The send log on the invoice's page: to whom, when, by whom, and how it ended (shown once sent)."""

    model = InvoiceSend
    extra = 0
    fields = ("number", "to", "when", "sent_by", "outcome", "error")
    readonly_fields = fields
    ordering = ("request",)
    verbose_name = "send"
    verbose_name_plural = "Sent to the client"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without `obj` Django asks whether to load rows at all; with it, whether to show the (empty) table.
        return super().has_view_permission(request, obj) and (obj is None or obj.sends.exists())

    @admin.display(description="Send")
    def number(self, send: InvoiceSend) -> str:
        return "first" if send.request == 1 else f"again (#{send.request})"

    @admin.display(description="To")
    def to(self, send: InvoiceSend) -> str:
        return ", ".join(send.recipients)

    @admin.display(description="When")
    def when(self, send: InvoiceSend) -> str:
        return str(formats.localize(timezone.localtime(send.created_at)))

    @admin.display(description="Status")
    def outcome(self, send: InvoiceSend) -> str:
        return str(send.status).capitalize()  # Sent, Failed, Sending: one word in a narrow column

    @admin.display(description="By")
    def sent_by(self, send: InvoiceSend) -> str:
        return Actor(user=send.sent_by_user, api_key=send.sent_by_key).label


# The desk ----------------------------------------------------------------------------------------


def _desk_team(request: HttpRequest) -> Team | None:
    """The team the desk works in (the current one), after the role check: 403 for everyone but finance,
    owners and admins (and superusers)."""
    rights = team_permissions(request)
    allowed = request.user.is_superuser or bool(permitted_team_ids(request, Invoice, "add"))
    if not allowed:
        raise PermissionDenied("The billing desk is for finance, owners and admins of the team.")
    if rights.current_team_id is None:
        return None  # a superuser in the all-teams view: the desk asks them to choose a team
    return Team.objects.get(pk=rights.current_team_id)


def _invoice_list(query: str = "") -> str:
    return reverse("admin:invoicing_invoice_changelist") + (f"?{query}" if query else "")


def desk_tiles(team: Team) -> list[DashboardTile]:
    """What waits at each step after the work is done, each linking to the list that shows it."""
    invoices = Invoice.objects.for_team(team).order_by()
    ready = selectors.ready_to_bill(team=team).order_by().count()
    drafts = invoices.filter(status=InvoiceStatus.DRAFT).count()
    to_send = invoices.filter(
        status__in=(InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED), sent_at__isnull=True, paid_at__isnull=True
    ).count()
    unpaid = invoices.filter(selectors.payment_status_match(team=team, status=PaymentStatus.UNPAID)).count()
    overdue = invoices.filter(selectors.payment_status_match(team=team, status=PaymentStatus.OVERDUE)).count()
    return [
        DashboardTile("Billing", "Jobs ready to bill", ready, "#ready-to-bill", "warn" if ready else "good"),
        DashboardTile("Billing", "Drafts to finalize", drafts, _invoice_list("status__exact=DRAFT"),
                      "warn" if drafts else "good"),
        DashboardTile("Billing", "Not sent yet", to_send, _invoice_list("sent=no&payment=unpaid"),
                      "warn" if to_send else "good"),
        DashboardTile("Billing", "Unpaid", unpaid, _invoice_list("payment=unpaid")),
        DashboardTile("Billing", "Overdue", overdue, _invoice_list("payment=overdue"), "bad" if overdue else "good"),
    ]  # fmt: skip


def billing_desk(model_admin: admin.ModelAdmin[Invoice], request: HttpRequest) -> HttpResponse:
    """Ready to bill, by client (paginated), and the counts of what waits further down the line."""
    team = _desk_team(request)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "title": "Billing desk",
        "opts": model_admin.opts,
        "team": team,
    }
    if team is not None:
        page = Paginator(selectors.ready_to_bill_by_client(team=team), CLIENTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
        jobs_by_client: dict[Any, list[Any]] = {row["client_id"]: [] for row in rows}
        jobs = (
            selectors.ready_to_bill(team=team)
            .filter(client_id__in=jobs_by_client)
            .select_related("job_type", "site")
            .order_by("completed_at", "id")
        )
        for job in jobs:
            jobs_by_client[job.client_id].append(job)
        for row in rows:
            row["job_list"] = jobs_by_client[row["client_id"]][:JOBS_SHOWN_PER_CLIENT]
            row["more"] = row["jobs"] - len(row["job_list"])
            row["draft_url"] = reverse(f"admin:{DESK_URL_NAME}_draft", args=[row["client_id"]])
        context.update(page=page, rows=rows, tiles=desk_tiles(team), today=selectors.team_today(team=team))
    return TemplateResponse(request, "admin/invoicing/billing_desk.html", context)


def draft_for_client(model_admin: admin.ModelAdmin[Invoice], request: HttpRequest, client_id: Any) -> HttpResponse:
    """Draft one invoice of the client's jobs ready to bill, then open it (or say why not, on the desk)."""
    team = _desk_team(request)
    desk = reverse(f"admin:{DESK_URL_NAME}")
    client = Client.objects.for_team(team).filter(pk=client_id).first() if team is not None else None
    if client is None:
        raise Http404("No such client in this team.")
    job_ids = list(selectors.ready_to_bill(team=client.team).filter(client=client).values_list("pk", flat=True))
    if not job_ids:
        messages.warning(request, f"{client.name} has no completed jobs left to bill (already on an invoice?).")
        return HttpResponseRedirect(desk)
    outcome = services.draft_invoices_from_jobs(team=client.team, actor=Actor(user=request.user), job_ids=job_ids)  # type: ignore[arg-type]
    for refused_client, error in outcome.refused:
        messages.error(request, f"Not drafted for {refused_client}: {error}")
    if not outcome.drafted:
        return HttpResponseRedirect(desk)
    invoice = outcome.drafted[0]
    jobs = len(job_ids)
    messages.success(
        request,
        f"Drafted an invoice for {client.name}: {jobs} job{'s' if jobs != 1 else ''}, {invoice.total} "
        f"{invoice.currency}. Check it, then finalize and send it.",
    )
    return HttpResponseRedirect(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))


def desk_urls(model_admin: admin.ModelAdmin[Invoice]) -> list[URLPattern]:
    """The desk's URLs, under the invoice admin's (`/admin/invoicing/invoice/billing-desk/`)."""
    site = model_admin.admin_site

    def desk(request: HttpRequest) -> HttpResponse:
        return billing_desk(model_admin, request)

    @require_POST
    def draft(request: HttpRequest, client_id: Any) -> HttpResponse:
        return draft_for_client(model_admin, request, client_id)

    return [
        path("billing-desk/", site.admin_view(desk), name=DESK_URL_NAME),
        path("billing-desk/<uuid:client_id>/draft/", site.admin_view(draft), name=f"{DESK_URL_NAME}_draft"),
    ]


@dashboard_panel
def billing_dashboard(request: HttpRequest) -> list[DashboardTile]:
    """Drafts waiting to be finalized, counted over the invoices this person may see, and the desk."""
    invoice_admin = registered_admin(Invoice)
    if invoice_admin is None or not invoice_admin.has_view_permission(request):
        return []
    drafts = invoice_admin.get_queryset(request).filter(status=InvoiceStatus.DRAFT).order_by().count()
    url = _invoice_list(f"status__exact={InvoiceStatus.DRAFT}")
    tiles = [DashboardTile("Needs attention", "Drafts to finalize", drafts, url, "warn" if drafts else "good")]
    team_id = team_permissions(request).current_team_id
    if team_id is not None and (request.user.is_superuser or permitted_team_ids(request, Invoice, "add")):
        ready = selectors.ready_to_bill(team=Team(pk=team_id)).order_by().count()
        desk = reverse(f"admin:{DESK_URL_NAME}")
        tiles.append(DashboardTile("Needs attention", "Jobs ready to bill", ready, desk, "warn" if ready else "good"))
    return tiles
