"""Admin for asset types and assets: team-scoped, writes through `assets.services`, full history with
diffs and a revert that is a real restore, and a CSV import per site."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Actor
from assets import services
from assets.admin_forms import AssetForm, AssetTypeForm
from assets.imports import IMPORT_COLUMNS, AssetImportError, ImportProblem, import_assets
from assets.models import Asset, AssetType
from core.admin import TeamScopedAdmin
from core.admin_inlines import ContributedInlinesMixin
from core.admin_schema import type_schema_view
from core.exceptions import DomainError
from jobs.admin_access import ViewedThroughAssignedJobsMixin
from projects.models import Site

MAX_IMPORT_BYTES = 2 * 1024 * 1024
WARRANTY_SOON_DAYS = 90


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


@admin.register(AssetType)
class AssetTypeAdmin(TeamScopedAdmin):
    """Asset types are created and changed through the services the API uses (same schema check, same rules)."""

    form = AssetTypeForm
    list_display = ("name", "key", "team", "created_at")
    list_select_related = ("team",)
    search_fields = ("name", "key")
    ordering = ("name",)
    fields = ("team", "key", "name", "description", "attributes_schema", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        # Assets refer to their type by key: fixed once created.
        return [*readonly, "key"] if obj is not None else readonly

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> AssetType:
        data = form.cleaned_data
        return services.create_asset_type(
            team=data["team"],
            actor=actor_of(request),
            key=data["key"],
            name=data["name"],
            description=data["description"],
            attributes_schema=data["attributes_schema"],
        )

    def change_object(self, request: HttpRequest, obj: AssetType, form: Any) -> None:
        fields = services.EDITABLE_TYPE_FIELDS
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
        if changes:
            services.update_asset_type(asset_type=obj, actor=actor_of(request), **changes)
            obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and Asset.objects.filter(team_id=obj.team_id, asset_type=obj.key).exists():
            return False  # in use: deleting it would leave assets with an unknown type
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # types are deleted one by one, where the in-use check runs
        return actions


class WarrantyFilter(admin.SimpleListFilter):
    title = "warranty"
    parameter_name = "warranty"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("expired", "Expired"),
            ("soon", f"Expires within {WARRANTY_SOON_DAYS} days"),
            ("valid", "Valid"),
            ("unknown", "Unknown"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        today = dt.date.today()
        soon = today + dt.timedelta(days=WARRANTY_SOON_DAYS)
        match self.value():
            case "expired":
                return queryset.filter(warranty_expiry__lt=today)
            case "soon":
                return queryset.filter(warranty_expiry__gte=today, warranty_expiry__lte=soon)
            case "valid":
                return queryset.filter(warranty_expiry__gte=today)
            case "unknown":
                return queryset.filter(warranty_expiry__isnull=True)
        return queryset


class AssetImportForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), help_text="Every row is installed at this site.")
    csv_file = forms.FileField(
        label="CSV file",
        help_text="Header row: " + ", ".join(IMPORT_COLUMNS) + " (name and asset_type required).",
    )

    def clean_csv_file(self) -> str:
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 2 MiB.")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


@admin.register(Asset)
class AssetAdmin(ContributedInlinesMixin, ViewedThroughAssignedJobsMixin, SimpleHistoryAdmin, TeamScopedAdmin):
    """Assets change only through the services, so every save, archive, revert and import is a history
    entry naming the person who made it. Other apps add inlines here (`core.admin_inlines`): the
    maintenance plans covering the asset, with a button to plan its service (`plans.admin`)."""

    job_field = "asset"  # engineers view the rows their own jobs name (jobs.admin_access)

    list_display = ("name", "asset_type", "status", "site", "serial_number", "warranty_expiry", "archived", "team")
    list_filter = ("asset_type", "status", "site", WarrantyFilter, "archived")
    list_select_related = ("site", "team")
    search_fields = ("serial_number", "name")
    ordering = ("name",)
    show_full_result_count = False
    actions = ("archive_assets",)
    history_list_display = ("history_action", "history_api_key")
    service_error_fields = {"siteId": "site", "historyId": "name", "assetType": "asset_type"}
    change_list_template = "admin/assets/asset/change_list.html"
    form = AssetForm

    fields = ("team", "site", "name", "asset_type", "manufacturer", "model", "serial_number", "install_date",
              "warranty_expiry", "status", "location_note", "attributes", "archived", "archived_at",
              "archived_by_user", "archived_by_key", "created_at", "updated_at")  # fmt: skip
    readonly_fields = ("archived", "archived_at", "archived_by_user", "archived_by_key", "created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        if getattr(request, "_asset_revert_preview", False) or (obj is not None and obj.archived):
            return self.fields  # a revert is a preview of the entry; an archived asset is read-only
        return super().get_readonly_fields(request, obj)

    # --- writes through the services -------------------------------------------------------------
    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Asset:
        data = form.cleaned_data
        fields = {name: data[name] for name in services.EDITABLE_FIELDS if name in data}
        fields["attributes"] = fields.get("attributes") or {}
        return services.create_asset(team=data["team"], actor=actor_of(request), **fields)

    def change_object(self, request: HttpRequest, obj: Asset, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        if "attributes" in changes and changes["attributes"] is None:
            changes["attributes"] = {}
        if changes:
            services.update_asset(asset=obj, actor=actor_of(request), **changes)
            obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # archive instead: an asset's history and jobs must keep pointing at it

    @admin.action(description="Archive selected assets", permissions=["change"])
    def archive_assets(self, request: HttpRequest, queryset: QuerySet[Asset]) -> None:
        archived, refused = 0, []
        for asset in queryset:
            try:
                services.archive_asset(asset=asset, actor=actor_of(request))
                archived += 1
            except DomainError as exc:
                refused.append(f"{asset}: {exc}")
        if archived:
            self.message_user(request, f"Archived {archived} asset{'s' if archived != 1 else ''}.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not archived — " + "; ".join(refused), messages.WARNING)

    # --- history: scoped to the team, revert = restore ---------------------------------------------
    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._scoped_asset(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """Show the entry's state; POST restores the asset to it (a new RESTORED history entry)."""
        asset = self._scoped_asset(request, object_id)
        try:
            history_id = uuid.UUID(str(version_id))
        except ValueError:
            raise Http404("No such history entry.") from None
        if not asset.history.filter(history_id=history_id).exists():
            raise Http404("No such history entry for this asset.")
        if request.method == "POST":
            if not self.has_change_permission(request, asset):
                raise PermissionDenied
            try:
                services.restore_asset(asset=asset, actor=actor_of(request), history_id=history_id)
            except DomainError as exc:
                self.message_user(request, f"Not restored: {exc}", messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(request, f"Restored “{asset}” to the entry of the chosen date.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:assets_asset_change", args=[asset.pk]))
        request._asset_revert_preview = True  # type: ignore[attr-defined]
        return super().history_form_view(request, object_id, str(history_id), extra_context)

    def _scoped_asset(self, request: HttpRequest, object_id: str) -> Asset:
        asset: Asset = self.get_object(request, unquote(object_id))  # another team's asset is a 404
        if not self.has_view_permission(request, asset):
            raise PermissionDenied
        return asset

    # --- CSV import -----------------------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = super().get_urls()
        view = self.admin_site.admin_view(self.import_view)
        schema = type_schema_view(self, AssetType, "attributes_schema", lookup="key")
        return [path("import/", view, name="assets_asset_import"),
                path("type-schema/", schema, name="assets_asset_type_schema"), *urls]  # fmt: skip

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import assets for one site from a CSV file: every row valid, or nothing imported."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        sites = self.scoped_related_queryset(request, Site)
        problems: list[ImportProblem] = []
        form = AssetImportForm(request.POST or None, request.FILES or None)
        form.fields["site"].queryset = (  # type: ignore[attr-defined]
            sites if sites is not None else Site.objects.all()
        ).select_related("client")
        if request.method == "POST" and form.is_valid():
            site = form.cleaned_data["site"]
            try:
                created = import_assets(
                    team=site.team, actor=actor_of(request), site=site, csv_text=form.cleaned_data["csv_file"]
                )
            except AssetImportError as exc:
                problems = exc.problems
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"Imported {len(created)} assets at {site}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:assets_asset_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import assets from CSV",
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "columns": IMPORT_COLUMNS,
        }
        return TemplateResponse(request, "admin/assets/asset/import.html", context)
