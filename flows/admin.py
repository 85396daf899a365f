"""Admin for flows: templates (with a PDF preview), groups and flows (status, log, download, actions).

A job type's change page also edits the type's templates inline (`FlowTemplateInline`, with the same
preview link), shown there through `change_page_inline`; every admin here is team-scoped.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from accounts.models import Actor
from core.admin import (
    DashboardTile,
    ReadOnlyTeamScopedInline,
    TeamConsistentForm,
    TeamScopedAdmin,
    TeamScopedInline,
    dashboard_panel,
    permitted_team_ids,
)
from core.admin_inlines import change_page_inline
from core.exceptions import DomainError
from flows.admin_forms import recipients_field
from flows.documents import check_template, document_context, render_html, render_pdf
from flows.models import Flow, FlowAttempt, FlowGroup, FlowStatus, FlowTemplate, RecipientRule
from flows.services import regenerate_flow, resend_flow
from jobs.models import Job, JobStatus, JobType


class FlowTemplateForm(TeamConsistentForm):
    """The checks `create_flow_template` makes: templates that compile, an address for the FIXED rule.

    The FIXED rule's addresses are a list of email inputs (`core.admin_schema`), raw JSON behind Advanced.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "fixed_recipients" in self.fields:
            self.fields["fixed_recipients"] = recipients_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("subject", "body"):
            if cleaned.get(name):
                try:
                    check_template(cleaned[name], name)
                except DomainError as exc:
                    self.add_error(name, str(exc))
        if cleaned.get("recipient_rule") == RecipientRule.FIXED and not cleaned.get("fixed_recipients"):
            self.add_error("fixed_recipients", "The FIXED rule needs at least one address.")
        return cleaned


def preview_link(template: FlowTemplate) -> str:
    """A link to the template's PDF preview (served by `FlowTemplateAdmin.preview_view`)."""
    if template.pk is None:
        return "—"
    url = reverse("admin:flows_flowtemplate_preview", args=[template.pk])
    return format_html('<a href="{}" target="_blank">PDF with the latest completed job of this type</a>', url)


@admin.register(FlowTemplate)
class FlowTemplateAdmin(TeamScopedAdmin):
    form = FlowTemplateForm
    list_display = ("name", "job_type", "kind", "recipient_rule", "active", "preview")
    list_filter = ("kind", "active", "job_type")
    search_fields = ("name", "job_type__name")
    fields = ("team", "job_type", "name", "kind", "subject", "body", "recipient_rule", "fixed_recipients",
              "result_types", "active", "preview", "created_at", "updated_at")  # fmt: skip
    readonly_fields = ("preview", "created_at", "updated_at")

    @admin.display(description="Preview")
    def preview(self, template: FlowTemplate) -> str:
        return preview_link(template)

    def get_urls(self) -> list[URLPattern]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<uuid:pk>/preview/", preview, name="flows_flowtemplate_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        template = self.get_object(request, str(pk))
        if template is None:
            raise Http404
        job = (
            Job.objects.filter(job_type_id=template.job_type_id, status=JobStatus.COMPLETED)
            .select_related("job_type", "team", "client", "site", "asset", "assigned_to")
            .order_by("-completed_at")
            .first()
        )
        if job is None:
            return HttpResponse("No completed job of this type yet: nothing to preview.", content_type="text/plain")
        _, html = render_html(template, document_context(job, template.kind, template.name))
        return HttpResponse(render_pdf(html), content_type="application/pdf")


class FlowTemplateInlineFormSet(BaseInlineFormSet):
    """A job type's templates: new ones take the job type's team, and names stay unique within the type."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if form.instance.team_id is None:
            form.instance.team_id = self.instance.team_id

    def clean(self) -> None:
        """Refuse a name the type already uses. Forms skip `UniqueConstraint`s that involve the inline's
        foreign key, so without this the database would refuse the save with a 500."""
        super().clean()
        edited = [form.instance.pk for form in self.initial_forms]
        taken = set(
            FlowTemplate.objects.filter(job_type=self.instance).exclude(pk__in=edited).values_list("name", flat=True)
        )
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name")
            if name in taken:
                form.add_error("name", f"This job type already has a flow template named '{name}'.")
            elif name:
                taken.add(name)


@change_page_inline(JobType)
class FlowTemplateInline(TeamScopedInline):
    """A job type's documents, edited on the job type's page; each saved one links to its PDF preview.

    What a person may do here follows their role's rights on flow templates in the job type's team.
    """

    model = FlowTemplate
    form = FlowTemplateForm
    formset = FlowTemplateInlineFormSet
    template = "admin/edit_inline/stacked.html"  # subject and body need the room
    extra = 0
    fields = ("name", "kind", "subject", "body", "recipient_rule", "fixed_recipients", "result_types", "active",
              "preview")  # fmt: skip
    readonly_fields = ("preview",)
    show_change_link = True

    @admin.display(description="Preview")
    def preview(self, template: FlowTemplate) -> str:
        return preview_link(template)

    def _in_team(self, request: HttpRequest, action: str, job_type: Any) -> bool:
        if not self._team_access(request, action):
            return False
        if job_type is None or request.user.is_superuser:
            return True
        return job_type.team_id in permitted_team_ids(request, FlowTemplate, action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_team(request, "view", obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_team(request, "add", obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_team(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_team(request, "delete", obj)


class FlowAttemptInline(ReadOnlyTeamScopedInline):
    model = FlowAttempt
    fields = ("number", "stage", "send_request", "outcome", "error", "recipients", "started_at", "finished_at")
    readonly_fields = fields


def _rework(admin_view: TeamScopedAdmin, request: HttpRequest, flows: QuerySet[Flow], verb: str) -> None:
    actor = Actor(user=request.user)  # type: ignore[arg-type]
    done, refused = 0, []
    for flow in flows:
        try:
            if verb == "resend":
                resend_flow(flow=flow, actor=actor)
            else:
                regenerate_flow(flow=flow, actor=actor)
            done += 1
        except DomainError as exc:
            refused.append(f"{flow.name}: {exc}")
    if done:
        admin_view.message_user(request, f"Queued {done} document{'s' if done != 1 else ''}.", messages.SUCCESS)
    if refused:
        admin_view.message_user(request, "Not queued — " + "; ".join(refused), messages.WARNING)


@admin.register(Flow)
class FlowAdmin(TeamScopedAdmin):
    list_display = ("name", "kind", "status", "attempts", "group", "sent_at", "download")
    list_filter = ("status", "kind")
    search_fields = ("name", "subject")
    inlines = (FlowAttemptInline,)
    fields = ("team", "group", "template", "kind", "name", "status", "attempts", "last_error", "subject",
              "recipients", "download", "rendered_at", "sent_at", "send_request", "next_attempt_at",
              "created_at", "updated_at")  # fmt: skip
    readonly_fields = fields
    actions = ("resend", "regenerate")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # flows come from job completions

    @admin.display(description="Document")
    def download(self, flow: Flow) -> str:
        if not flow.document:
            return "—"
        url = reverse("admin:flows_flow_document", args=[flow.pk])
        return format_html('<a href="{}" target="_blank">PDF</a>', url)

    def get_urls(self) -> list[URLPattern]:
        document = self.admin_site.admin_view(self.document_view)
        return [path("<uuid:pk>/document/", document, name="flows_flow_document"), *super().get_urls()]

    def document_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        flow = self.get_object(request, str(pk))
        if flow is None or not flow.document:
            raise Http404
        with flow.document.open("rb") as handle:
            return HttpResponse(handle.read(), content_type="application/pdf")

    @admin.action(description="Resend the selected documents", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Flow]) -> None:
        _rework(self, request, queryset, "resend")

    @admin.action(description="Regenerate the selected documents from current data", permissions=["change"])
    def regenerate(self, request: HttpRequest, queryset: QuerySet[Flow]) -> None:
        _rework(self, request, queryset, "regenerate")


class FlowInline(ReadOnlyTeamScopedInline):
    model = Flow
    fields = ("name", "kind", "status", "attempts", "last_error", "sent_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(FlowGroup)
class FlowGroupAdmin(TeamScopedAdmin):
    list_display = ("job", "status", "job_completed_at", "created_at")
    list_filter = ("status",)
    inlines = (FlowInline,)
    fields = ("team", "job", "status", "job_completed_at", "created_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@dashboard_panel
def failed_flows_dashboard(request: HttpRequest) -> list[DashboardTile]:
    """Documents that gave up (status FAILED), counted over the flows this person may see."""
    flow_admin = admin.site.get_model_admin(Flow)
    if not flow_admin.has_view_permission(request):
        return []
    failed = flow_admin.get_queryset(request).filter(status=FlowStatus.FAILED).order_by().count()
    url = f"{reverse('admin:flows_flow_changelist')}?status__exact={FlowStatus.FAILED}"
    return [DashboardTile("Needs attention", "Failed flows", failed, url, "bad" if failed else "good")]
