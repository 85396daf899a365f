"""Admin for invoicing: team-scoped, every write through `invoicing.services`.

Finance staff draft invoices from selected completed jobs (an action on the job list), edit a draft's
lines inline (drafts only), finalize and approve with actions, and see the totals. Finalized invoices
are read-only; numbers only ever come from finalize.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from accounts.models import Actor, Team
from core.admin import (
    TeamScopedAdmin,
    TeamScopedInline,
    changelist_action,
    kept_inline_forms,
    permitted_team_ids,
    saved_by_service,
)
from core.exceptions import DomainError
from invoicing import services
from invoicing.admin_actions import InvoiceObjectActions
from invoicing.admin_desk import InvoiceSendInline, PaymentStatusFilter, SentFilter, desk_urls
from invoicing.documents import PDF_CONTENT_TYPE, invoice_filename, render_invoice_pdf
from invoicing.models import (
    TAX_RATE_DIGITS,
    TAX_RATE_PLACES,
    Contract,
    ContractRate,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTemplate,
    InvoicingProfile,
    LineUnit,
    Rate,
)
from jobs.models import Job


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Settings --------------------------------------------------------------------------------------


@admin.register(InvoicingProfile)
class InvoicingProfileAdmin(TeamScopedAdmin):
    list_display = ("legal_name", "team", "default_currency", "default_tax_rate", "payment_terms_days", "next_number")
    list_select_related = ("team",)
    fields = ("team", *services.PROFILE_FIELDS, "updated_at")
    readonly_fields = ("updated_at",)

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> InvoicingProfile:
        data = form.cleaned_data
        changes = {name: data[name] for name in services.PROFILE_FIELDS if name in data}
        return services.upsert_profile(team=data["team"], actor=actor_of(request), **changes)

    def change_object(self, request: HttpRequest, obj: InvoicingProfile, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.PROFILE_FIELDS}
        services.upsert_profile(team=obj.team, actor=actor_of(request), **changes)


@admin.register(InvoiceTemplate)
class InvoiceTemplateAdmin(TeamScopedAdmin):
    list_display = ("team", "logo_text", "primary_color", "accent_color", "updated_at")
    list_select_related = ("team",)
    fields = ("team", *services.TEMPLATE_FIELDS, "updated_at")
    readonly_fields = ("updated_at",)
    service_error_fields = {"primaryColor": "primary_color", "accentColor": "accent_color"}

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> InvoiceTemplate:
        data = form.cleaned_data
        changes = {name: data[name] for name in services.TEMPLATE_FIELDS if name in data}
        return services.upsert_template(team=data["team"], actor=actor_of(request), **changes)

    def change_object(self, request: HttpRequest, obj: InvoiceTemplate, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.TEMPLATE_FIELDS}
        services.upsert_template(team=obj.team, actor=actor_of(request), **changes)


@admin.register(Rate)
class RateAdmin(TeamScopedAdmin):
    list_display = ("job_type", "unit_price", "currency", "unit", "tax_rate", "valid_from", "valid_to", "team")
    list_filter = ("currency", "unit", "job_type")
    list_select_related = ("job_type", "team")
    search_fields = ("job_type__name", "job_type__key")
    ordering = ("job_type__name", "-valid_from")
    service_error_fields = {"jobTypeId": "job_type"}

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Rate:
        data = form.cleaned_data
        return services.create_rate(
            team=data["team"],
            actor=actor_of(request),
            job_type=data["job_type"],
            unit_price=data["unit_price"],
            unit=data["unit"],
            tax_rate=data["tax_rate"],
            currency=data["currency"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )


class ContractRateForm(forms.ModelForm[ContractRate]):
    tax_rate = forms.DecimalField(
        required=False, max_digits=TAX_RATE_DIGITS, decimal_places=TAX_RATE_PLACES, min_value=0, max_value=100,
        help_text="Percent; blank for the invoicing profile's default.",
    )  # fmt: skip

    class Meta:
        model = ContractRate
        fields = ("job_type", "unit_price", "unit", "tax_rate")


class ContractRateInline(TeamScopedInline):
    """A contract's rates, saved by `create_contract` / `set_contract_rates` (with their defaults)."""

    model = ContractRate
    form = ContractRateForm
    extra = 1
    fields = ("job_type", "unit_price", "unit", "tax_rate")


def _contract_rates(formsets: Sequence[Any]) -> list[dict[str, Any]]:
    """The rates on the page as the services take them."""
    fields = ("job_type", "unit_price", "unit", "tax_rate")
    return [
        {name: rate_form.cleaned_data.get(name) for name in fields}
        for formset in formsets
        if formset.model is ContractRate
        for rate_form in kept_inline_forms(formset)
    ]


@admin.register(Contract)
class ContractAdmin(TeamScopedAdmin):
    list_display = ("reference", "client", "currency", "valid_from", "valid_to", "team")
    list_filter = ("currency",)
    list_select_related = ("client", "team")
    search_fields = ("reference", "client__name")
    ordering = ("-created_at", "-id")
    inlines = (ContractRateInline,)
    service_error_fields = {"clientId": "client"}

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Contract:
        data = form.cleaned_data
        return services.create_contract(
            team=data["team"],
            actor=actor_of(request),
            client=data["client"],
            reference=data["reference"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            currency=data["currency"],
            notes=data["notes"],
            rates=_contract_rates(formsets),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ContractRate:
            return super().save_formset(request, form, formset, change)
        if formset.has_changed():
            contract = form.instance
            services.set_contract_rates(
                team=contract.team, actor=actor_of(request), contract=contract, rates=_contract_rates([formset])
            )
        saved_by_service(formset)
        return None


# Invoices --------------------------------------------------------------------------------------


class InvoiceLineInline(TeamScopedInline):
    """A draft's lines, editable in place; a finalized invoice's lines, read only."""

    model = InvoiceLine
    extra = 0
    fields = ("position", "job", "description", "quantity", "unit", "unit_price", "tax_rate",
              "net_amount", "tax_amount", "line_total")  # fmt: skip
    readonly_fields = ("position", "job", "net_amount", "tax_amount", "line_total")
    ordering = ("position",)

    def _draft(self, obj: Any) -> bool:
        return obj is not None and obj.status == InvoiceStatus.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Invoice)
class InvoiceAdmin(InvoiceObjectActions, TeamScopedAdmin):
    list_display = ("__str__", "client", "status", "issue_date", "due_date", "amount", "team", "created_at", "pdf")
    list_filter = ("status", PaymentStatusFilter, SentFilter, "issue_date", "currency")
    list_select_related = ("client", "team")
    search_fields = ("number", "client__name", "notes")
    ordering = ("-created_at", "-id")
    inlines = (InvoiceLineInline, InvoiceSendInline)
    actions = ("finalize_invoices", "approve_invoices")
    show_full_result_count = False
    service_error_fields = {"clientId": "client", "issueDate": "issue_date", "invoiceId": "status"}

    add_fields = ("team", "client", "issue_date", "notes")
    change_fields = ("team", "number", "status", "pdf", "client", "contract", "currency", "issue_date", "due_date",
                     "payment_terms_days", "notes", "subtotal", "tax_total", "total", "void_reason", "people",
                     "created_at", "finalized_at", "approved_at", "voided_at", "sent_at", "paid_at")  # fmt: skip
    draft_editable = ("issue_date", "notes")

    @admin.display(description="Total", ordering="total")
    def amount(self, invoice: Invoice) -> str:
        return f"{invoice.total} {invoice.currency}"

    @admin.display(description="PDF")
    def pdf(self, invoice: Invoice) -> str:
        url = reverse("admin:invoicing_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}" target="_blank">Download PDF</a>', url)

    def get_urls(self) -> list[URLPattern]:
        pdf = self.admin_site.admin_view(self.pdf_view)
        return [path("<uuid:pk>/pdf/", pdf, name="invoicing_invoice_pdf"), *desk_urls(self), *super().get_urls()]

    def pdf_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        """The invoice as the API renders it (`GET /v1/invoices/{id}/pdf`); another team's id is a 404."""
        invoice = self.get_object(request, str(pk))  # scoped: raises 404 outside the user's teams
        response = HttpResponse(render_invoice_pdf(invoice), content_type=PDF_CONTENT_TYPE)
        response["Content-Disposition"] = f'inline; filename="{invoice_filename(invoice)}"'
        return response

    @admin.display(description="Who")
    def people(self, invoice: Invoice) -> str:
        steps = [
            ("Created", Actor(user=invoice.created_by_user, api_key=invoice.created_by_key)),
            ("finalized", Actor(user=invoice.finalized_by_user, api_key=invoice.finalized_by_key)),
            ("approved", Actor(user=invoice.approved_by_user, api_key=invoice.approved_by_key)),
            ("voided", Actor(user=invoice.voided_by_user, api_key=invoice.voided_by_key)),
        ]
        shown = [(verb, actor.label) for verb, actor in steps if verb == "Created" or actor != Actor()]
        return "; ".join(f"{verb} by {label}" for verb, label in shown)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.change_fields if obj is not None else self.add_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        editable = self.draft_editable if obj.status == InvoiceStatus.DRAFT else ()
        return [name for name in self.change_fields if name not in editable]

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # numbered invoices are never deleted; drafts one at a time
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Invoice:
        data = form.cleaned_data
        invoice, _ = services.save_draft(
            team=data["team"],
            actor=actor_of(request),
            client=data["client"],
            issue_date=data["issue_date"],
            notes=data["notes"],
        )
        return invoice

    def change_object(self, request: HttpRequest, obj: Invoice, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in self.draft_editable}
        if changes:
            services.save_draft(team=obj.team, actor=actor_of(request), invoice=obj, **changes)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Line edits go through `edit_draft_lines`, which re-totals the draft in one transaction."""
        if formset.model is not InvoiceLine:
            return super().save_formset(request, form, formset, change)
        if not formset.has_changed():
            saved_by_service(formset)
            return None
        kept = kept_inline_forms(formset)
        kept.sort(key=lambda line_form: (line_form.instance.pk is None, line_form.instance.position or 0))
        lines = [
            services.EditedLine(
                description=line_form.cleaned_data["description"],
                quantity=line_form.cleaned_data["quantity"],
                unit_price=line_form.cleaned_data["unit_price"],
                tax_rate=line_form.cleaned_data["tax_rate"],
                unit=LineUnit(line_form.cleaned_data["unit"]),
                job_id=line_form.instance.job_id,
            )
            for line_form in kept
        ]
        services.edit_draft_lines(team=form.instance.team, actor=actor_of(request), invoice=form.instance, lines=lines)
        saved_by_service(formset)
        return None

    @admin.action(description="Finalize selected drafts (assign numbers)", permissions=["change"])
    def finalize_invoices(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._each(request, queryset.order_by("created_at", "id"), "Finalized", services.finalize_invoice)

    @admin.action(description="Approve selected finalized invoices", permissions=["change"])
    def approve_invoices(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._each(request, queryset, "Approved", services.approve_invoice)

    def _each(self, request: HttpRequest, queryset: QuerySet[Invoice], done: str, step: Any) -> None:
        queryset = queryset.filter(team_id__in=self._changeable_team_ids(request)).select_related("team")
        moved, refused = 0, []
        for invoice in queryset:
            try:
                step(team=invoice.team, actor=actor_of(request), invoice=invoice)
                moved += 1
            except DomainError as exc:
                refused.append(f"{invoice}: {exc}")
        if moved:
            self.message_user(request, f"{done} {_plural(moved, 'invoice')}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not {done.lower()} — " + "; ".join(refused), messages.WARNING)

    def _changeable_team_ids(self, request: HttpRequest) -> Any:
        if request.user.is_superuser:
            return Invoice.objects.values("team_id")
        return permitted_team_ids(request, Invoice, "change")


# The job list's action -------------------------------------------------------------------------


@changelist_action(
    Job, offered_to=lambda request: request.user.is_superuser or bool(permitted_team_ids(request, Invoice, "add"))
)
@admin.action(description="Draft invoices from selected completed jobs (one per client)")
def draft_invoices_from_jobs(modeladmin: admin.ModelAdmin[Job], request: HttpRequest, queryset: QuerySet[Job]) -> None:
    """One draft per client of the selected jobs (`services.draft_invoices_from_jobs`); refusals are reported."""
    if not request.user.is_superuser:
        queryset = queryset.filter(team_id__in=permitted_team_ids(request, Invoice, "add"))
    job_ids_by_team: dict[Any, list[Any]] = defaultdict(list)
    for team_id, job_id in queryset.order_by().values_list("team_id", "pk"):
        job_ids_by_team[team_id].append(job_id)
    drafted: list[Invoice] = []
    skipped: list[str] = []
    refused: list[str] = []
    for team in Team.objects.filter(pk__in=job_ids_by_team):
        outcome = services.draft_invoices_from_jobs(
            team=team, actor=actor_of(request), job_ids=job_ids_by_team[team.pk]
        )
        drafted += outcome.drafted
        skipped += [str(job.pk)[:8] for job in outcome.skipped]
        refused += [f"{client}: {exc}" for client, exc in outcome.refused]
    if drafted:
        links = format_html_join(
            ", ",
            '<a href="{}">{} ({})</a>',
            ((reverse("admin:invoicing_invoice_change", args=[i.pk]), i.client, i.total) for i in drafted),
        )
        modeladmin.message_user(request, format_html("Drafted {}: {}", _plural(len(drafted), "invoice"), links))
    if skipped:
        modeladmin.message_user(
            request, f"Skipped (not completed, or no client): {', '.join(skipped)}", messages.WARNING
        )
    if refused:
        modeladmin.message_user(request, "Not drafted — " + "; ".join(refused), messages.WARNING)
