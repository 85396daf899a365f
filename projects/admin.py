"""Admin for clients (with their sites), sites, project templates (with their steps), projects and revisions.

Everything is team-scoped through `core.admin.TeamScopedAdmin`. A staff member can run a whole project
here: create it from a template (its jobs are created by `projects.services.create_project`), follow
its progress and jobs on the project page, change its status through the allowed transitions, and
make numbered revisions (from the project page or the changelist action).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.models import Actor
from core.admin import (
    ReadOnlyTeamScopedInline,
    TeamConsistentForm,
    TeamScopedAdmin,
    TeamScopedInline,
    kept_inline_forms,
    registered_admin,
    saved_by_service,
)
from jobs.admin_access import ViewedThroughAssignedJobsMixin
from jobs.models import Job
from projects import selectors, services
from projects.admin_forms import ProjectTemplateStepForm
from projects.models import Client, Project, ProjectRevision, ProjectTemplate, ProjectTemplateStep, Site


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


def _related_autocomplete(model_admin: admin.ModelAdmin[Any], names: tuple[str, ...]) -> list[str]:
    """The foreign keys whose related admin is registered with search fields (autocomplete needs them)."""
    found = []
    for name in names:
        related = model_admin.model._meta.get_field(name).related_model
        related_admin = registered_admin(related, model_admin.admin_site)
        if related_admin is not None and related_admin.search_fields:
            found.append(name)
    return found


# Clients -----------------------------------------------------------------------------------------
class SiteInline(TeamScopedInline):
    model = Site
    extra = 0
    show_change_link = True
    fields = ("name", "address_line1", "city", "postcode", "country", "contact_name", "contact_phone")


@admin.register(Client)
class ClientAdmin(ViewedThroughAssignedJobsMixin, TeamScopedAdmin):
    job_field = "client"  # engineers view the rows their own jobs name (jobs.admin_access)
    list_display = ("name", "type", "email", "phone", "archived", "team", "created_at")
    list_filter = ("type", "archived")
    list_select_related = ("team",)
    search_fields = ("name", "email", "external_reference")
    ordering = ("name",)
    inlines = (SiteInline,)
    fieldsets = (
        (None, {"fields": ("team", "name", "type", "email", "phone", "external_reference", "archived")}),
        ("Billing address", {"fields": tuple(services.BILLING_ADDRESS_FIELDS.values())}),
        (None, {"fields": ("notes", "created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Client:
        data = form.cleaned_data
        fields = {name: data[name] for name in ("name", "type", "email", "phone", "external_reference", "notes")}
        billing = {key: data[field] for key, field in services.BILLING_ADDRESS_FIELDS.items()}
        client = services.create_client(
            team=data["team"], actor=actor_of(request), billing_address=billing, archived=data["archived"], **fields
        )
        for formset in formsets:
            if formset.model is Site:
                for site_form in kept_inline_forms(formset):
                    services.create_site(team=client.team, actor=actor_of(request), client=client,
                                         **_site_fields(site_form.cleaned_data))  # fmt: skip
        return client

    def change_object(self, request: HttpRequest, obj: Client, form: Any) -> None:
        changes = _with_address(form, services.BILLING_ADDRESS_FIELDS, "billing_address")
        if changes:
            services.update_client(client=obj, actor=actor_of(request), changes=changes)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Sites are added and changed through the services (which refuse new sites for an archived client)."""
        if formset.model is not Site:
            return super().save_formset(request, form, formset, change)
        client = form.instance
        for site_form in kept_inline_forms(formset):
            if site_form in formset.extra_forms:
                services.create_site(team=client.team, actor=actor_of(request), client=client,
                                     **_site_fields(site_form.cleaned_data))  # fmt: skip
            elif site_form.has_changed():
                changes = _with_address(site_form, services.SITE_ADDRESS_FIELDS, "address")
                services.update_site(site=site_form.instance, actor=actor_of(request), changes=changes)
        for site_form in formset.deleted_forms:
            if site_form in formset.initial_forms:
                site_form.instance.delete()
        saved_by_service(formset)
        return None


def _with_address(form: Any, address_fields: dict[str, str], key: str) -> dict[str, Any]:
    """The form's changed fields as a service's `changes`, address fields gathered under `key`."""
    changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
    address = {api: changes.pop(field) for api, field in address_fields.items() if field in changes}
    return {**changes, key: address} if address else changes


def _site_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A site form's data (the site admin's, or a row of the client's inline) as `create_site` arguments."""
    address = {api: data[field] for api, field in services.SITE_ADDRESS_FIELDS.items() if field in data}
    optional = ("latitude", "longitude", "access_notes", "contact_name", "contact_email", "contact_phone")
    others: dict[str, Any] = {name: data[name] for name in optional if name in data}
    return {"name": data["name"], "address": address, **others}


# Sites -------------------------------------------------------------------------------------------
@admin.register(Site)
class SiteAdmin(ViewedThroughAssignedJobsMixin, TeamScopedAdmin):
    job_field = "site"  # engineers view the rows their own jobs name (jobs.admin_access)
    list_display = ("name", "client", "address_line1", "city", "postcode", "country", "team", "created_at")
    list_filter = ("country",)
    list_select_related = ("client", "team")
    search_fields = ("name", "address_line1", "city", "postcode", "client__name")
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("team", "client", "name")}),
        ("Address", {"fields": ("address_line1", "address_line2", "city", "region", "postcode", "country")}),
        ("Location and access", {"fields": ("latitude", "longitude", "access_notes")}),
        ("Contact", {"fields": ("contact_name", "contact_email", "contact_phone")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return _related_autocomplete(self, ("client",))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        # Jobs, assets and projects at the site belong to its client: the client is fixed.
        return [*readonly, "client"] if obj is not None else readonly

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Site:
        data = form.cleaned_data
        return services.create_site(team=data["team"], actor=actor_of(request), client=data["client"],
                                    **_site_fields(data))  # fmt: skip

    def change_object(self, request: HttpRequest, obj: Site, form: Any) -> None:
        changes = _with_address(form, services.SITE_ADDRESS_FIELDS, "address")
        if changes:
            services.update_site(site=obj, actor=actor_of(request), changes=changes)
            obj.refresh_from_db()


# Project templates -------------------------------------------------------------------------------
class ProjectTemplateStepInline(TeamScopedInline):
    """A template's steps, checked and saved by `create_project_template` / `update_project_template`."""

    model = ProjectTemplateStep
    form = ProjectTemplateStepForm  # the payload drawn from the step's job type (a plain select)
    template = "admin/edit_inline/stacked.html"  # room for the payload's generated form
    extra = 1
    ordering = ("position",)
    fields = ("position", "job_type", "title", "offset_days", "payload")


def _template_steps(formset: Any) -> list[dict[str, Any]]:
    """The steps on the page, in the order of their position, as the services take them."""
    kept = sorted(enumerate(kept_inline_forms(formset)), key=lambda row: (row[1].cleaned_data["position"], row[0]))
    fields = ("job_type", "title", "offset_days", "payload")
    return [{name: step_form.cleaned_data[name] for name in fields} for _, step_form in kept]


@admin.register(ProjectTemplate)
class ProjectTemplateAdmin(TeamScopedAdmin):
    list_display = ("name", "step_count", "team", "created_at")
    list_select_related = ("team",)
    search_fields = ("name", "description")
    ordering = ("name",)
    fields = ("team", "name", "description", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ProjectTemplateStepInline,)

    @admin.display(description="Steps")
    def step_count(self, template: ProjectTemplate) -> int:
        return len(template.steps.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProjectTemplate]:
        return super().get_queryset(request).prefetch_related("steps")

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> ProjectTemplate:
        data = form.cleaned_data
        steps = [
            step for formset in formsets if formset.model is ProjectTemplateStep for step in _template_steps(formset)
        ]
        return services.create_project_template(
            team=data["team"], actor=actor_of(request), name=data["name"], description=data["description"], steps=steps
        )

    def change_object(self, request: HttpRequest, obj: ProjectTemplate, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in ("name", "description") if name in form.changed_data}
        if changes:
            services.update_project_template(template=obj, actor=actor_of(request), changes=changes)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Edited steps replace the template's steps through the service (1 to 100, valid payloads)."""
        if formset.model is not ProjectTemplateStep:
            return super().save_formset(request, form, formset, change)
        if formset.has_changed():
            services.update_project_template(
                template=form.instance, actor=actor_of(request), changes={}, steps=_template_steps(formset)
            )
        saved_by_service(formset)
        return None


# Projects ----------------------------------------------------------------------------------------
class ProjectJobInline(ReadOnlyTeamScopedInline):
    """The project's jobs; open one to assign, start or complete it."""

    model = Job
    verbose_name_plural = "jobs"
    show_change_link = True
    fields = ("job_type", "status", "result_type", "scheduled_date", "assigned_to", "notes")
    readonly_fields = fields
    ordering = ("scheduled_date", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        return super().get_queryset(request).select_related("job_type", "assigned_to")


class ProjectRevisionInline(ReadOnlyTeamScopedInline):
    model = ProjectRevision
    verbose_name_plural = "revisions"
    show_change_link = True
    fields = ("number", "message", "created_by", "created_at")
    readonly_fields = fields
    ordering = ("-number",)

    @admin.display(description="By")
    def created_by(self, revision: ProjectRevision) -> str:
        return Actor(user=revision.created_by_user, api_key=revision.created_by_key).label

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProjectRevision]:
        return super().get_queryset(request).select_related("created_by_user", "created_by_key")


class ProjectForm(TeamConsistentForm):
    revision_message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Fill in to record a new numbered revision (a snapshot of the project and its jobs) on save.",
    )

    class Meta:
        model = Project
        fields = "__all__"


@admin.register(Project)
class ProjectAdmin(TeamScopedAdmin):
    form = ProjectForm
    list_display = ("name", "client", "site", "status", "start_date", "target_date", "progress_summary",
                    "last_revision_number", "team")  # fmt: skip
    list_filter = ("status", "client", "template", "start_date")
    list_select_related = ("client", "site", "team")
    search_fields = ("name", "client__name", "site__name", "notes")
    ordering = ("-created_at",)
    inlines = (ProjectJobInline, ProjectRevisionInline)
    actions = ("make_revisions",)
    service_error_fields = {"clientId": "client", "siteId": "site", "templateId": "template"}
    add_fieldsets = (
        (None, {"fields": ("team", "client", "site", "name", "description", "status")}),
        ("Plan", {"fields": ("template", "start_date", "target_date", "budget", "currency", "notes")}),
    )
    change_fieldsets = (
        (None, {"fields": ("team", "client", "site", "name", "description", "status", "template")}),
        ("Plan", {"fields": ("start_date", "target_date", "budget", "currency", "notes")}),
        ("Progress", {"fields": ("progress_detail", "last_revision_number", "revision_message")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        queryset = super().get_queryset(request)
        return queryset.annotate(**selectors.progress_annotations())

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.change_fieldsets if obj is not None else self.add_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        # The client and template are fixed once the project exists (its jobs follow them).
        fixed = ("client", "template", "progress_detail", "last_revision_number", "created_at", "updated_at")
        return [*super().get_readonly_fields(request, obj), *fixed]

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return _related_autocomplete(self, ("client", "site", "template"))

    @admin.display(description="Progress")
    def progress_summary(self, project: Project) -> str:
        progress = selectors.project_progress(project)
        live = progress["total"] - progress["cancelled"]
        return f"{progress['completed']}/{live} done ({progress['percent_complete']}%)"

    @admin.display(description="Progress")
    def progress_detail(self, project: Project) -> str:
        progress = selectors.project_progress(project)
        counts = format_html_join(
            ", ", "{} {}", ((progress[name], name.replace("_", " ")) for name in selectors.PROGRESS_STATUSES)
        )
        return format_html(
            "<strong>{}%</strong> complete — {} jobs: {}", progress["percent_complete"], progress["total"], counts
        )

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Project:
        data = form.cleaned_data
        return services.create_project(
            team=data["team"],
            actor=actor_of(request),
            client=data["client"],
            site=data["site"],
            name=data["name"],
            description=data["description"],
            status=data["status"],
            start_date=data["start_date"],
            target_date=data["target_date"],
            budget=data["budget"],
            currency=data["currency"],
            template=data["template"],
            notes=data["notes"],
        )

    def change_object(self, request: HttpRequest, obj: Project, form: Any) -> None:
        # Status moves only through the allowed transitions: the same service as the API.
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "revision_message"}
        if changes:
            services.update_project(project=obj, actor=actor_of(request), changes=changes)
            obj.refresh_from_db()
        message = form.cleaned_data.get("revision_message", "")
        if message:
            revision = services.create_project_revision(
                team=obj.team, actor=actor_of(request), project=obj, message=message
            )
            self.message_user(request, f"Recorded revision {revision.number} of {obj}.", messages.SUCCESS)

    @admin.action(description="Make a revision of the selected projects", permissions=["change"])
    def make_revisions(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        made = []
        for project in queryset.select_related("team"):
            revision = services.create_project_revision(
                team=project.team, actor=actor_of(request), project=project, message="Made in the admin"
            )
            made.append(f"{project} r{revision.number}")
        self.message_user(request, "Recorded " + ", ".join(made) + ".", messages.SUCCESS)


# Revisions ---------------------------------------------------------------------------------------
@admin.register(ProjectRevision)
class ProjectRevisionAdmin(TeamScopedAdmin):
    """Revisions are immutable: they can be read here, never added, changed or deleted."""

    list_display = ("project", "number", "message", "created_by", "created_at", "team")
    list_select_related = ("project", "team", "created_by_user", "created_by_key")
    list_filter = ("created_at",)
    search_fields = ("project__name", "message")
    ordering = ("-created_at",)
    fields = ("team", "project", "number", "message", "created_by", "created_at", "snapshot_pretty")
    readonly_fields = fields

    @admin.display(description="By")
    def created_by(self, revision: ProjectRevision) -> str:
        return Actor(user=revision.created_by_user, api_key=revision.created_by_key).label

    @admin.display(description="Snapshot")
    def snapshot_pretty(self, revision: ProjectRevision) -> str:
        return format_html("<pre>{}</pre>", json.dumps(revision.snapshot, indent=2, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
